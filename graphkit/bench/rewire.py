"""Graph rewiring for benchmarks: ``graphkit bench --rewire METHOD`` and ``graphkit rewire``.

A method name maps to a transform of :mod:`graphkit.layers.rewire` (``none`` keeps the graph).
:func:`rewire_dataset` applies it to the graph a model message-passes on: for node tasks the
whole graph, for link tasks the training graph (``data.edge_index`` of a link
:class:`~graphkit.data.types.LoadedDataset` already holds only the training edges, so no valid
or test edge can leak into the rewiring). A dataset that is a disjoint union of small graphs
(``data.graph_id``, as the over-squashing datasets) is rewired graph by graph, each graph with
its own seed drawn from ``numpy.random.SeedSequence([seed, graph])``.

The rewired ``edge_index`` is cached as ``.npy`` (no pickle), written atomically, under a key
that hashes the dataset name, the exact input graph (edges, node count, ``graph_id``) and the
transform's ``repr`` (which lists every argument, the seed included) and a digest of the source
of :mod:`graphkit.layers.rewire`, so a rerun reuses it, and neither a changed argument nor a
changed rewiring implementation ever reads a stale graph.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib
import inspect
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from graphkit.atomic import atomic_open
from graphkit.bench.config import check_keys
from graphkit.data.types import LoadedDataset
from graphkit.errors import ConfigError
from graphkit.graph import as_graph

__all__ = [
    "REWIRING_METHODS",
    "rewiring_names",
    "rewiring_defaults",
    "make_transform",
    "rewire_edge_index",
    "graph_digest",
    "rewire_dataset",
    "edge_changes",
    "graph_diagnostics",
    "save_edge_index",
]

#: method name -> ``'module:Class'`` of its transform (``None``: the graph is kept)
REWIRING_METHODS: dict[str, str | None] = {
    "none": None,
    "sdrf": "graphkit.layers.rewire.sdrf:SDRF",
    "fosr": "graphkit.layers.rewire.fosr:FoSR",
    "borf": "graphkit.layers.rewire.borf:BORF",
    "gtr": "graphkit.layers.rewire.gtr:GTR",
    "laser": "graphkit.layers.rewire.laser:LASER",
}


def rewiring_names() -> list[str]:
    return list(REWIRING_METHODS)


def _transform_class(method: str) -> type | None:
    if method not in REWIRING_METHODS:
        raise ConfigError(f"unknown rewiring method {method!r}; choose one of: {', '.join(REWIRING_METHODS)}.")
    target = REWIRING_METHODS[method]
    if target is None:
        return None
    module, name = target.split(":")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as error:
        raise ConfigError(f"rewiring method {method!r} is not available ({target}: {error}).") from None


def rewiring_defaults(method: str) -> dict[str, Any]:
    """The keyword arguments of ``method``'s transform with their defaults (``{}`` for ``none``)."""
    cls = _transform_class(method)
    if cls is None:
        return {}
    return {
        name: p.default for name, p in inspect.signature(cls.__init__).parameters.items()
        if name != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        and p.default is not p.empty
    }


def make_transform(method: str, params: dict[str, Any] | None = None) -> Callable | None:
    """The transform of ``method`` with ``params`` (unknown keys are a :class:`ConfigError`)."""
    params = dict(params or {})
    cls = _transform_class(method)
    if cls is None:
        if params:
            raise ConfigError(f"rewiring method 'none' takes no parameters; got {sorted(params)}.")
        return None
    check_keys(params, set(rewiring_defaults(method)), f"parameters of rewiring method {method!r}")
    return cls(**params)


def graph_digest(data: Any) -> str:
    """SHA-256 of the graph a rewiring reads: ``edge_index``, ``num_nodes`` and ``graph_id``."""
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(data.edge_index.numpy(), dtype=np.int64).tobytes())
    digest.update(str(int(data.num_nodes)).encode())
    graph_id = getattr(data, "graph_id", None)
    if graph_id is not None:
        digest.update(np.ascontiguousarray(graph_id.numpy(), dtype=np.int64).tobytes())
    return digest.hexdigest()


def _per_graph_seed(seed: int, graph: int) -> int:
    return int(np.random.SeedSequence([seed, graph]).generate_state(1)[0])


def rewire_edge_index(
    data: Any, method: str, params: dict[str, Any] | None = None, progress: bool = False
) -> torch.Tensor:
    """The rewired ``edge_index`` of ``data`` (per graph when ``data.graph_id`` is set).

    Args:
        data: a PyG ``Data`` with ``edge_index`` and ``num_nodes`` (optionally ``graph_id``).
        method: a name of :data:`REWIRING_METHODS`. params: the transform's arguments.
        progress: show a progress bar over the graphs.
    """
    from torch_geometric.data import Data

    params = dict(params or {})
    transform = make_transform(method, params)
    if transform is None:
        return data.edge_index
    graph_id = getattr(data, "graph_id", None)
    if graph_id is None:
        return transform(Data(edge_index=data.edge_index, num_nodes=data.num_nodes)).edge_index
    base_seed = params.get("seed", rewiring_defaults(method).get("seed", 0))
    graph = as_graph(data.edge_index, num_nodes=data.num_nodes, directed=True)
    rows, cols = graph.row_ids(), graph.indices
    ids = graph_id.numpy()
    if np.any(ids[rows] != ids[cols]):
        raise ConfigError("data.graph_id puts the two ends of an edge in different graphs; "
                          "per-graph rewiring needs a disjoint union of graphs.")
    order = np.argsort(ids, kind="stable")
    bounds = np.searchsorted(ids[order], np.arange(int(ids.max()) + 2))
    local = np.empty_like(order)
    edge_order = np.argsort(ids[rows], kind="stable")
    edge_bounds = np.searchsorted(ids[rows][edge_order], np.arange(int(ids.max()) + 2))
    pieces = []
    for g in tqdm(range(int(ids.max()) + 1), desc=f"rewire {method}", disable=not progress, leave=False):
        nodes = order[bounds[g]:bounds[g + 1]]
        if nodes.size == 0:
            continue
        local[nodes] = np.arange(nodes.size)
        edges = edge_order[edge_bounds[g]:edge_bounds[g + 1]]
        sub = torch.from_numpy(np.stack([local[rows[edges]], local[cols[edges]]]).astype(np.int64))
        per_graph = make_transform(method, {**params, "seed": _per_graph_seed(base_seed, g)})
        out = per_graph(Data(edge_index=sub, num_nodes=int(nodes.size))).edge_index.numpy()
        pieces.append(nodes[out])
    return torch.from_numpy(np.concatenate(pieces, axis=1).astype(np.int64))


def source_digest(directory: Path) -> str:
    """SHA-256 of the names and contents of the ``*.py`` files in ``directory``."""
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.cache
def rewiring_code_digest() -> str:
    """:func:`source_digest` of :mod:`graphkit.layers.rewire` (part of the cache key)."""
    return source_digest(Path(importlib.import_module("graphkit.layers.rewire").__file__).parent)


def _cache_path(cache_dir: Path, dataset: str, method: str, key: str) -> Path:
    return cache_dir / f"{dataset}-{method}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.npy"


def rewire_dataset(
    dataset: LoadedDataset, method: str, params: dict[str, Any] | None = None,
    cache_dir: str | Path | None = None, progress: bool = False,
) -> LoadedDataset:
    """``dataset`` with its message-passing graph rewired (cached when ``cache_dir`` is given).

    The input is not modified: the result holds a copy of ``data`` whose ``edge_index`` is the
    rewired graph (``edge_weight``/``edge_attr``, no longer aligned, are dropped) and
    ``extra['rewire']`` = ``{method, transform, edges_before, edges_after, cache}`` with
    ``cache`` one of ``'hit'``, ``'miss'`` or ``'off'``.
    """
    params = dict(params or {})
    transform = make_transform(method, params)
    if transform is None:
        return dataset
    per_graph = getattr(dataset.data, "graph_id", None) is not None
    key = "|".join([dataset.name, graph_digest(dataset.data), repr(transform),
                    "per-graph" if per_graph else "whole", rewiring_code_digest()])
    status, edge_index = "off", None
    path = None if cache_dir is None else _cache_path(Path(cache_dir), dataset.name, method, key)
    if path is not None and path.exists():
        edge_index, status = torch.from_numpy(np.load(path, allow_pickle=False)), "hit"
    if edge_index is None:
        edge_index = rewire_edge_index(dataset.data, method, params, progress)
        if path is not None:
            save_edge_index(path, edge_index)
            status = "miss"
    data = dataset.data.clone()
    data.edge_index = edge_index
    for attribute in ("edge_weight", "edge_attr", "edge_index_snapshots"):
        if attribute in data:
            del data[attribute]
    info = {"method": method, "transform": repr(transform),
            "edges_before": int(dataset.data.edge_index.size(1)),
            "edges_after": int(edge_index.size(1)), "cache": status}
    return dataclasses.replace(dataset, data=data, extra={**dataset.extra, "rewire": info})


# ------------------------------------------------------------------------------ diagnostics

#: larger graphs skip a diagnostic (with a note): balanced Forman curvature costs about
#: E * d_max^2, total effective resistance a dense n x n pseudo-inverse (n^3).
CURVATURE_MAX_EDGES = 1_000_000
RESISTANCE_MAX_NODES = 3_000
SPECTRAL_MAX_NODES = 200_000
#: diagnostics of a union of graphs (``graph_id``) are averaged over its first graphs
DIAGNOSTIC_GRAPHS = 20


def edge_changes(before: torch.Tensor, after: torch.Tensor, num_nodes: int) -> tuple[int, int]:
    """(added, removed) undirected edges from ``before`` to ``after`` (self-loops ignored)."""
    def keys(edge_index: torch.Tensor) -> np.ndarray:
        graph = as_graph(edge_index, num_nodes=num_nodes, directed=False, self_loops="remove",
                         allow_empty=True)
        rows, cols = graph.row_ids(), graph.indices
        upper = rows < cols
        return rows[upper].astype(np.int64) * num_nodes + cols[upper]

    old, new = keys(before), keys(after)
    return int(np.setdiff1d(new, old).size), int(np.setdiff1d(old, new).size)


def _subgraphs(edge_index: torch.Tensor, num_nodes: int, graph_id: torch.Tensor | None):
    """``(edge_index, num_nodes)`` of the whole graph, or of the first graphs of a union."""
    if graph_id is None:
        return [(edge_index, num_nodes)]
    from torch_geometric.utils import subgraph

    out = []
    for g in range(min(int(graph_id.max()) + 1, DIAGNOSTIC_GRAPHS)):
        nodes = torch.nonzero(graph_id == g).view(-1)
        sub, _ = subgraph(nodes, edge_index, relabel_nodes=True, num_nodes=num_nodes)
        out.append((sub, int(nodes.numel())))
    return out


def graph_diagnostics(edge_index: torch.Tensor, num_nodes: int, graph_id: torch.Tensor | None = None
                      ) -> dict[str, str]:
    """Undirected edges, balanced Forman curvature min/mean/max, spectral gap, total resistance.

    Each value is formatted text; a diagnostic that is skipped (graph over the limit, function
    not available) says why. For a union of graphs (``graph_id``) the structural values are
    means over the first :data:`DIAGNOSTIC_GRAPHS` graphs.
    """
    from graphkit.layers.rewire import curvature

    graphs = _subgraphs(edge_index, num_nodes, graph_id)
    scope = "" if graph_id is None else f" (mean over the first {len(graphs)} graphs)"
    undirected = as_graph(edge_index, num_nodes=num_nodes, directed=False, self_loops="remove",
                          allow_empty=True).num_undirected_edges
    out = {"nodes": f"{num_nodes:,}", "edges (undirected)": f"{undirected:,}"}
    largest_edges = max(int(e.size(1)) for e, _ in graphs)
    largest_nodes = max(n for _, n in graphs)
    if largest_edges > CURVATURE_MAX_EDGES:
        out["curvature"] = f"skipped: more than {CURVATURE_MAX_EDGES:,} directed edges"
    else:
        values = [curvature.balanced_forman_curvature(e, n) for e, n in graphs]
        stats = np.array([[float(v.min()), float(v.mean()), float(v.max())] for v in values if v.numel()])
        out["curvature"] = ("no edges" if stats.size == 0 else
                            "min {:.3f} / mean {:.3f} / max {:.3f}".format(*stats.mean(axis=0)) + scope)
    out["spectral gap"] = _optional(
        "graphkit.layers.rewire.spectral", "spectral_gap", graphs, largest_nodes, SPECTRAL_MAX_NODES, scope)
    out["total resistance"] = _optional(
        "graphkit.layers.rewire.resistance", "total_effective_resistance", graphs, largest_nodes,
        RESISTANCE_MAX_NODES, scope)
    return out


def _optional(module: str, name: str, graphs, largest: int, limit: int, scope: str) -> str:
    if largest > limit:
        return f"skipped: more than {limit:,} nodes"
    try:
        function = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return f"not available ({module}.{name} is missing)"
    return f"{np.mean([float(function(e, n)) for e, n in graphs]):.4f}{scope}"


def save_edge_index(path: str | Path, edge_index: torch.Tensor) -> None:
    """Write ``edge_index`` (``int64 [2, E]``) atomically: ``.npy`` (numpy, no pickle) or ``.pt``."""
    path = Path(path)
    buffer = io.BytesIO()
    if path.suffix == ".npy":
        np.save(buffer, edge_index.numpy().astype(np.int64), allow_pickle=False)
    elif path.suffix == ".pt":
        torch.save(edge_index.to(torch.int64).clone(), buffer)
    else:
        raise ConfigError(f"rewired graph file {str(path)!r} must end in .npy or .pt.")
    with atomic_open(path) as handle:
        handle.write(buffer.getvalue())
