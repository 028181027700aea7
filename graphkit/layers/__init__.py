"""Layers, transforms and their math helpers: encoders, link predictors, heuristics."""

from graphkit.layers.encoders import GCNLayer, GINLayer, GNNEncoder, SAGELayer
from graphkit.layers.heuristics import (
    adamic_adar,
    common_neighbors,
    katz,
    personalized_pagerank,
    resource_allocation,
)
from graphkit.layers.predictors import DotPredictor, HadamardMLPPredictor
from graphkit.layers.propagation import Adjacency

__all__ = [
    "Adjacency",
    "DotPredictor",
    "GCNLayer",
    "GINLayer",
    "GNNEncoder",
    "HadamardMLPPredictor",
    "SAGELayer",
    "adamic_adar",
    "common_neighbors",
    "katz",
    "personalized_pagerank",
    "resource_allocation",
]
