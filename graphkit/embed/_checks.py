"""Argument checks shared by the embedding functions (one message per kind of mistake)."""

from __future__ import annotations

from typing import Any

import numpy as np

from graphkit.errors import ConfigError, GraphInputError
from graphkit.graph import Graph

__all__ = ["positive_int", "nonnegative_weights"]


def positive_int(name: str, value: Any) -> int:
    """``value`` as an ``int`` >= 1, else a :class:`ConfigError` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigError(f"{name} must be an int >= 1; got {value!r}.")
    return int(value)


def nonnegative_weights(graph: Graph, caller: str) -> None:
    """Reject negative edge weights (they cannot be random-walk probabilities)."""
    if graph.weights is None or not graph.weights.size or graph.weights.min() >= 0:
        return
    bad = int(np.argmin(graph.weights))
    raise GraphInputError(
        f"{caller}: edge weights must be >= 0 (random-walk probabilities need weights >= 0); "
        f"edge {int(graph.row_ids()[bad])} -> {int(graph.indices[bad])} has weight "
        f"{graph.weights[bad]}. Use absolute values, shift the weights or drop those edges."
    )
