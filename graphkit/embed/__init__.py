"""Node embeddings and structural features computed once, as a preprocessing step."""

from graphkit.embed.evaluate import node_classification_f1, top_k_predictions
from graphkit.embed.fastrp import FastRP, fastrp, very_sparse_projection
from graphkit.embed.orbit_adjacency import PAIR_KEYS, orbit_adjacency
from graphkit.embed.orbit_embedding import orbit_adjacency_embedding, orbit_features
from graphkit.embed.orbits import edge_list, orbit_counts

__all__ = [
    "PAIR_KEYS",
    "FastRP",
    "edge_list",
    "fastrp",
    "node_classification_f1",
    "orbit_adjacency",
    "orbit_adjacency_embedding",
    "orbit_counts",
    "orbit_features",
    "top_k_predictions",
    "very_sparse_projection",
]
