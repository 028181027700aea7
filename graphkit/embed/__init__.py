"""Node embeddings and structural features computed once, as a preprocessing step."""

from graphkit.embed.evaluate import node_classification_f1, top_k_predictions
from graphkit.embed.fastrp import FastRP, fastrp, very_sparse_projection
from graphkit.embed.orbit_adjacency import PAIR_KEYS, orbit_adjacency
from graphkit.embed.orbit_embedding import orbit_adjacency_embedding, orbit_features
from graphkit.embed.orbits import edge_list, orbit_counts
from graphkit.embed.skipgram import DeepWalkEmbedding, Node2VecEmbedding, deepwalk, node2vec
from graphkit.embed.walks import iter_walk_rounds, random_walks

__all__ = [
    "PAIR_KEYS",
    "DeepWalkEmbedding",
    "FastRP",
    "Node2VecEmbedding",
    "deepwalk",
    "edge_list",
    "fastrp",
    "iter_walk_rounds",
    "node2vec",
    "node_classification_f1",
    "orbit_adjacency",
    "orbit_adjacency_embedding",
    "orbit_counts",
    "orbit_features",
    "random_walks",
    "top_k_predictions",
    "very_sparse_projection",
]
