"""Layers, transforms and their math helpers: encoders, link predictors, heuristics, sheaves."""

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
from graphkit.layers.sheaf import (
    SheafConv,
    SheafDiffusion,
    SheafLearner,
    orthogonal_matrices,
    sheaf_laplacian,
)

__all__ = [
    "Adjacency",
    "DotPredictor",
    "GCNLayer",
    "GINLayer",
    "GNNEncoder",
    "HadamardMLPPredictor",
    "SAGELayer",
    "SheafConv",
    "SheafDiffusion",
    "SheafLearner",
    "adamic_adar",
    "common_neighbors",
    "katz",
    "orthogonal_matrices",
    "personalized_pagerank",
    "resource_allocation",
    "sheaf_laplacian",
]
