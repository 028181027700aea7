"""Layers, transforms and their math helpers: encoders, link predictors, heuristics, sheaves,
rewiring (curvature, resistance, spectral gap; SDRF, FoSR, BORF, GTR)."""

from graphkit.layers.encoders import GCNLayer, GINLayer, GNNEncoder, SAGELayer
from graphkit.layers.heuristics import (
    adamic_adar,
    common_neighbors,
    katz,
    personalized_pagerank,
    resource_allocation,
)
from graphkit.layers.ncn import (
    NCNCPredictor,
    NCNPredictor,
    PairSets,
    common_neighbor_aggregate,
    pair_sets,
    remove_target_links,
)
from graphkit.layers.predictors import DotPredictor, HadamardMLPPredictor
from graphkit.layers.propagation import Adjacency
from graphkit.layers.rewire import (
    BORF,
    GTR,
    SDRF,
    FoSR,
    GTRResult,
    balanced_forman_curvature,
    borf,
    effective_resistance,
    fosr,
    greedy_total_resistance,
    ollivier_ricci_curvature,
    sdrf,
    spectral_gap,
    total_effective_resistance,
)
from graphkit.layers.sheaf import (
    SheafConv,
    SheafDiffusion,
    SheafLearner,
    orthogonal_matrices,
    sheaf_laplacian,
)
from graphkit.layers.subgraphs import (
    EnclosingSubgraphs,
    enclosing_subgraphs,
    induced_edges,
    k_hop_pair_nodes,
)
from graphkit.layers.walk_pool import WalkPooling, walk_profile, walk_transition

__all__ = [
    "Adjacency",
    "BORF",
    "DotPredictor",
    "EnclosingSubgraphs",
    "FoSR",
    "GCNLayer",
    "GINLayer",
    "GNNEncoder",
    "GTR",
    "GTRResult",
    "HadamardMLPPredictor",
    "NCNCPredictor",
    "NCNPredictor",
    "PairSets",
    "SAGELayer",
    "SDRF",
    "SheafConv",
    "SheafDiffusion",
    "SheafLearner",
    "WalkPooling",
    "adamic_adar",
    "balanced_forman_curvature",
    "borf",
    "common_neighbor_aggregate",
    "common_neighbors",
    "effective_resistance",
    "enclosing_subgraphs",
    "fosr",
    "greedy_total_resistance",
    "induced_edges",
    "k_hop_pair_nodes",
    "katz",
    "ollivier_ricci_curvature",
    "orthogonal_matrices",
    "pair_sets",
    "personalized_pagerank",
    "remove_target_links",
    "resource_allocation",
    "sdrf",
    "sheaf_laplacian",
    "spectral_gap",
    "total_effective_resistance",
    "walk_profile",
    "walk_transition",
]
