"""Node embeddings and structural features computed once, as a preprocessing step."""

from graphkit.embed.evaluate import node_classification_f1, top_k_predictions
from graphkit.embed.fastrp import FastRP, fastrp, very_sparse_projection

__all__ = [
    "FastRP",
    "fastrp",
    "node_classification_f1",
    "top_k_predictions",
    "very_sparse_projection",
]
