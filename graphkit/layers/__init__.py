"""Layers, transforms and their math helpers (link prediction heuristics, ...)."""

from graphkit.layers.heuristics import (
    adamic_adar,
    common_neighbors,
    katz,
    personalized_pagerank,
    resource_allocation,
)

__all__ = [
    "adamic_adar",
    "common_neighbors",
    "katz",
    "personalized_pagerank",
    "resource_allocation",
]
