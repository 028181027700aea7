"""Graph rewiring against over-squashing: curvature, effective resistance, spectral gap, and the
SDRF, FoSR, BORF and GTR transforms (``torch_geometric.transforms.BaseTransform`` subclasses)."""

from graphkit.layers.rewire.borf import BORF, borf
from graphkit.layers.rewire.curvature import balanced_forman_curvature, ollivier_ricci_curvature
from graphkit.layers.rewire.fosr import FoSR, fosr
from graphkit.layers.rewire.gtr import GTR, GTRResult, greedy_total_resistance
from graphkit.layers.rewire.resistance import effective_resistance, total_effective_resistance
from graphkit.layers.rewire.sdrf import SDRF, sdrf
from graphkit.layers.rewire.spectral import spectral_gap

__all__ = [
    "BORF",
    "FoSR",
    "GTR",
    "GTRResult",
    "SDRF",
    "balanced_forman_curvature",
    "borf",
    "effective_resistance",
    "fosr",
    "greedy_total_resistance",
    "ollivier_ricci_curvature",
    "sdrf",
    "spectral_gap",
    "total_effective_resistance",
]
