"""What the rewiring transforms share: reading a ``Data``, writing the rewired copy, ``repr``."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch

from graphkit.errors import ConfigError, GraphInputError
from graphkit.layers.rewire._graph import check_int

__all__ = ["check_number", "check_positive_int", "graph_of", "rewired", "format_repr"]


def graph_of(data: Any) -> tuple[torch.Tensor, int]:
    """``(edge_index, num_nodes)`` of a PyG ``Data``; a clear error when it has no edge_index."""
    edge_index = getattr(data, "edge_index", None)
    if edge_index is None:
        raise GraphInputError(
            f"data must have an edge_index ([2, E], both directions listed); got "
            f"{type(data).__name__} without one."
        )
    return edge_index, data.num_nodes


def rewired(data: Any, edge_index: torch.Tensor) -> Any:
    """A shallow copy of ``data`` with the new ``edge_index`` and no edge-level attributes.

    ``edge_attr``, ``edge_weight`` and every other attribute PyG reports as edge-level are
    dropped: the rewired graph has new edges with no attribute and loses some old ones, so no
    per-edge value can be carried over meaningfully. The input is never modified.
    """
    out = copy.copy(data)
    keys = list(out.keys())
    for key in [k for k in keys if k != "edge_index" and out.is_edge_attr(k)]:
        del out[key]
    out.edge_index = edge_index.to(data.edge_index.device)
    return out


def check_positive_int(name: str, value: Any, minimum: int = 0) -> int:
    check_int(name, value, minimum, error=ConfigError)
    return int(value)


def check_number(name: str, value: Any, minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise ConfigError(f"{name} must be a number; got {value!r}.")
    if not np.isfinite(value) or (minimum is not None and value < minimum):
        bound = f" >= {minimum}" if minimum is not None else ""
        raise ConfigError(f"{name} must be a finite number{bound}; got {value!r}.")
    return float(value)


def format_repr(name: str, **arguments: Any) -> str:
    """``Name(a=1, b=True)``: every argument, so PyG's processed-data cache key is complete."""
    return f"{name}(" + ", ".join(f"{k}={v!r}" for k, v in arguments.items()) + ")"
