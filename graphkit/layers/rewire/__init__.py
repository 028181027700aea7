"""Graph rewiring against over-squashing: curvature, effective resistance, spectral gap, the
SDRF, FoSR, BORF, GTR and LASER transforms (``torch_geometric.transforms.BaseTransform``
subclasses) and the DRew layers (dynamically rewired message passing over k-hop rings)."""

from graphkit.layers.rewire.borf import BORF, borf
from graphkit.layers.rewire.curvature import balanced_forman_curvature, ollivier_ricci_curvature
from graphkit.layers.rewire.drew import DRewConv, DRewGNN, delay, k_hop_rings, ring_operators
from graphkit.layers.rewire.fosr import FoSR, fosr
from graphkit.layers.rewire.gtr import GTR, GTRResult, greedy_total_resistance
from graphkit.layers.rewire.laser import LASER, laser_snapshots
from graphkit.layers.rewire.resistance import effective_resistance, total_effective_resistance
from graphkit.layers.rewire.sdrf import SDRF, sdrf
from graphkit.layers.rewire.spectral import spectral_gap

__all__ = [
    "BORF",
    "DRewConv",
    "DRewGNN",
    "LASER",
    "FoSR",
    "GTR",
    "GTRResult",
    "SDRF",
    "balanced_forman_curvature",
    "borf",
    "delay",
    "effective_resistance",
    "fosr",
    "greedy_total_resistance",
    "k_hop_rings",
    "laser_snapshots",
    "ollivier_ricci_curvature",
    "ring_operators",
    "sdrf",
    "spectral_gap",
    "total_effective_resistance",
]
