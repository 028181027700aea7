"""Seeded synthetic over-squashing tasks: information must travel from a source to a target.

Each dataset is ONE PyG ``Data``: the disjoint union of ``num_graphs`` copies of a small graph
(same topology, fresh random features and labels per copy). Only the *target* node of each copy
is labelled (``y = -1`` elsewhere); ``data.graph_id`` gives each node's copy, ``data.source`` and
``data.target`` the global ids of the source and target of each copy (Tree-NeighborsMatch:
the matching leaf and the root), and ``data.resistance`` the effective resistance
:math:`R(s, t) = (e_s - e_t)^\\top L^+ (e_s - e_t)` between them. The split (:func:`graph_split`) assigns whole copies to
train / valid / test, so no test graph is seen in training.

* ``ring-transfer`` (Di Giovanni et al., ICML 2023; Karhadkar et al., "FoSR", ICLR 2023): a
  cycle of ``ring_size`` nodes; the source (node 0) carries a one-hot class among
  ``num_classes``, every other node zeros, and the target (node ``ring_size // 2``, at distance
  ``ring_size // 2``) must output that class. :math:`R(s, t) = \\lfloor n/2 \\rfloor \\lceil n/2
  \\rceil / n`.
* ``crossed-ring``: the same cycle with *crossing* edges between its two arcs, which lower the
  resistance but not the distance: with node :math:`i` and node :math:`n - i` both at distance
  :math:`i` from the source, the edges :math:`(i, n - i - 1)` and :math:`(n - i, i + 1)` for
  :math:`1 \\le i \\le n/2 - 2` each join consecutive distance levels (``ring_size`` even).
* ``clique-path``: a clique of ``clique_size`` nodes (source: node 0) whose last node starts a
  path of ``path_length`` edges ending at the target, so :math:`R(s, t) = 2/m + p`.
* ``tree-neighbors-match`` (Alon & Yahav, "On the bottleneck of graph neural networks and its
  practical implications", ICLR 2021): a complete binary tree of ``depth`` :math:`d` whose
  :math:`2^d` leaves each have a number of blue neighbours (a permutation of
  :math:`1..2^d`) and a label (another permutation, :math:`2^d` classes); the root (target)
  has a number of blue neighbours and must output the label of the leaf with the same number.
  The count is given as a one-hot input feature, not as explicit blue nodes, so the graph is
  the tree: features are ``[one-hot count (2^d), one-hot label (2^d)]`` for leaves,
  ``[one-hot count, 0]`` for the root and zeros for inner nodes.

The transfer tasks' features are ``[one-hot class (C), is_target]``.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch_geometric.data import Data

from graphkit.data.catalog import DatasetInfo
from graphkit.data.types import LoadedDataset, NodeSplit
from graphkit.errors import DatasetError
from graphkit.graph import as_graph

__all__ = [
    "ring_transfer",
    "crossed_ring",
    "clique_path",
    "tree_neighbors_match",
    "graph_split",
    "effective_resistance_dense",
    "load_oversquashing",
]


@dataclass(frozen=True)
class _Template:
    """One small graph: undirected edges ``[2, e]``, node count, source and target ids."""

    edges: np.ndarray
    num_nodes: int
    source: int
    target: int


def effective_resistance_dense(edges: np.ndarray, num_nodes: int, s: int, t: int) -> float:
    """:math:`R(s, t) = L^+_{ss} + L^+_{tt} - 2 L^+_{st}` with a dense pseudo-inverse (small graphs)."""
    laplacian = np.zeros((num_nodes, num_nodes))
    laplacian[edges[0], edges[1]] = -1.0
    laplacian[edges[1], edges[0]] = -1.0
    np.fill_diagonal(laplacian, -laplacian.sum(axis=1))
    pinv = np.linalg.pinv(laplacian)
    return float(pinv[s, s] + pinv[t, t] - 2 * pinv[s, t])


def _cycle(n: int) -> np.ndarray:
    nodes = np.arange(n)
    return np.stack([nodes, (nodes + 1) % n])


def _union(
    template: _Template, num_graphs: int, x: np.ndarray, y_target: np.ndarray,
    sources: np.ndarray | None = None,
) -> Data:
    """Disjoint union of ``num_graphs`` copies; ``x`` is ``[num_graphs, n, F]``.

    ``sources`` (local ids, one per copy) overrides ``template.source`` (Tree-NeighborsMatch:
    the matching leaf).
    """
    n = template.num_nodes
    offsets = np.arange(num_graphs) * n
    edges = (template.edges[:, None, :] + offsets[None, :, None]).reshape(2, -1)
    graph = as_graph(edges, num_nodes=num_graphs * n, directed=False, self_loops="error")
    y = np.full(num_graphs * n, -1, dtype=np.int64)
    y[offsets + template.target] = y_target
    data = graph.to_pyg(
        x=torch.from_numpy(x.reshape(num_graphs * n, -1).astype(np.float32)),
        y=torch.from_numpy(y),
    )
    data.graph_id = torch.from_numpy(np.repeat(np.arange(num_graphs), n))
    sources = np.full(num_graphs, template.source) if sources is None else sources
    data.source = torch.from_numpy(offsets + sources)
    data.target = torch.from_numpy(offsets + template.target)
    resistance = {s: effective_resistance_dense(template.edges, n, s, template.target)
                  for s in np.unique(sources).tolist()}
    data.resistance = torch.tensor([resistance[s] for s in sources.tolist()], dtype=torch.float64)
    return data


def _transfer(template: _Template, num_graphs: int, num_classes: int, seed: int) -> Data:
    """Source one-hot class → target label; features ``[one-hot (C), is_target]``."""
    _check_int("num_graphs", num_graphs, 1)
    _check_int("num_classes", num_classes, 2)
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, num_classes, size=num_graphs)
    x = np.zeros((num_graphs, template.num_nodes, num_classes + 1))
    x[np.arange(num_graphs), template.source, labels] = 1.0
    x[:, template.target, num_classes] = 1.0
    return _union(template, num_graphs, x, labels)


def ring_transfer(num_graphs: int = 500, ring_size: int = 10, num_classes: int = 5, seed: int = 0) -> Data:
    """Ring transfer: ``num_graphs`` cycles of ``ring_size`` nodes (see the module docstring).

    Args:
        num_graphs: copies (default 500). ring_size: nodes per cycle (default 10, ``>= 3``).
        num_classes: classes (default 5). seed: random seed.
    """
    _check_int("ring_size", ring_size, 3)
    template = _Template(_cycle(ring_size), ring_size, 0, ring_size // 2)
    return _transfer(template, num_graphs, num_classes, seed)


def crossed_ring(num_graphs: int = 500, ring_size: int = 10, num_classes: int = 5, seed: int = 0) -> Data:
    """Crossed ring: the ring with crossing edges between its arcs (see the module docstring).

    Args:
        num_graphs: copies (default 500). ring_size: nodes per cycle (default 10, even, ``>= 6``).
        num_classes: classes (default 5). seed: random seed.
    """
    _check_int("ring_size", ring_size, 6)
    if ring_size % 2:
        raise DatasetError(f"ring_size must be even for crossed-ring (two arcs of equal length); "
                           f"got {ring_size}.")
    n, half = ring_size, ring_size // 2
    level = np.arange(1, half - 1)
    crossings = np.concatenate([np.stack([level, n - level - 1]), np.stack([n - level, level + 1])], axis=1)
    template = _Template(np.concatenate([_cycle(n), crossings], axis=1), n, 0, half)
    return _transfer(template, num_graphs, num_classes, seed)


def clique_path(
    num_graphs: int = 500, clique_size: int = 5, path_length: int = 5, num_classes: int = 5, seed: int = 0
) -> Data:
    """Clique-path: a clique whose last node starts a path to the target (module docstring).

    Args:
        num_graphs: copies (default 500). clique_size: :math:`m` (default 5, ``>= 2``).
        path_length: :math:`p`, edges of the path (default 5, ``>= 1``).
        num_classes: classes (default 5). seed: random seed.
    """
    _check_int("clique_size", clique_size, 2)
    _check_int("path_length", path_length, 1)
    m, p = clique_size, path_length
    i, j = np.triu_indices(m, k=1)
    path = np.arange(m - 1, m + p)
    edges = np.concatenate([np.stack([i, j]), np.stack([path[:-1], path[1:]])], axis=1)
    template = _Template(edges, m + p, 0, m + p - 1)
    return _transfer(template, num_graphs, num_classes, seed)


def tree_neighbors_match(num_graphs: int = 1000, depth: int = 3, seed: int = 0) -> Data:
    """Tree-NeighborsMatch (Alon & Yahav, ICLR 2021; see the module docstring).

    Nodes are numbered in heap order (root 0, children of ``i`` are ``2i + 1`` and ``2i + 2``),
    so the leaves are the last :math:`2^d` nodes. Classes: :math:`2^d`.

    Args:
        num_graphs: trees (default 1000). depth: :math:`d` (default 3, ``1..10``). seed: random seed.
    """
    _check_int("num_graphs", num_graphs, 1)
    _check_int("depth", depth, 1)
    if depth > 10:
        raise DatasetError(f"depth must be <= 10 (a tree has 2^(depth+1) - 1 nodes); got {depth}.")
    leaves = 2**depth
    n = 2 * leaves - 1
    child = np.arange(1, n)
    template = _Template(np.stack([(child - 1) // 2, child]), n, 0, 0)
    rng = np.random.default_rng(seed)
    counts = np.stack([rng.permutation(leaves) for _ in range(num_graphs)])  # blue count - 1
    labels = np.stack([rng.permutation(leaves) for _ in range(num_graphs)])
    match = rng.integers(0, leaves, size=num_graphs)  # which leaf the root matches
    x = np.zeros((num_graphs, n, 2 * leaves))
    graphs = np.arange(num_graphs)[:, None]
    leaf_ids = np.arange(leaves - 1, n)[None, :]
    x[graphs, leaf_ids, counts] = 1.0
    x[graphs, leaf_ids, leaves + labels] = 1.0
    x[np.arange(num_graphs), 0, counts[np.arange(num_graphs), match]] = 1.0
    return _union(template, num_graphs, x, labels[np.arange(num_graphs), match], leaves - 1 + match)


def graph_split(
    num_graphs: int, train_ratio: float = 0.6, valid_ratio: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A random partition of graph ids into train / valid / test (the rest), sorted."""
    for name, value in (("train_ratio", train_ratio), ("valid_ratio", valid_ratio)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
            raise DatasetError(f"{name} must be in (0, 1); got {value!r}.")
    if train_ratio + valid_ratio >= 1:
        raise DatasetError(f"train_ratio + valid_ratio must be < 1 to leave test graphs; got "
                           f"{train_ratio} + {valid_ratio}.")
    order = np.random.default_rng(seed).permutation(num_graphs)
    num_train, num_valid = int(round(train_ratio * num_graphs)), int(round(valid_ratio * num_graphs))
    if min(num_train, num_valid, num_graphs - num_train - num_valid) < 1:
        raise DatasetError(f"num_graphs={num_graphs} is too small for train/valid/test ratios "
                           f"{train_ratio}/{valid_ratio}; use more graphs.")
    parts = order[:num_train], order[num_train:num_train + num_valid], order[num_train + num_valid:]
    return tuple(np.sort(part) for part in parts)


_GENERATORS: dict[str, Callable[..., Data]] = {
    "ring-transfer": ring_transfer,
    "crossed-ring": crossed_ring,
    "clique-path": clique_path,
    "tree-neighbors-match": tree_neighbors_match,
}
_SPLIT_OPTIONS = ("train_ratio", "valid_ratio")


def load_oversquashing(
    info: DatasetInfo,
    root: str | os.PathLike | None = None,
    *,
    task: str,
    split_id: int | None = None,
    seed: int = 0,
    download: bool = False,
    **options: Any,
) -> LoadedDataset:
    """Generate a catalogue over-squashing dataset with a split by graph over the target nodes.

    Graph and split use two independent seeds derived from ``seed`` (as
    :func:`~graphkit.data.synthetic.load_synthetic`). ``root``, ``split_id`` and ``download``
    are unused.

    Args:
        info: the catalogue entry (``info.options['generator']`` names the generator).
        task: ``'node'`` (the only task).
        seed: seed of the graphs and of the split.
        **options: generator options and ``train_ratio`` (default 0.6), ``valid_ratio`` (0.2).

    Raises:
        DatasetError: an unknown task or option (listing the valid ones) or a bad value.
    """
    if task != "node":
        raise DatasetError(f"dataset {info.name!r} is a node task; got task={task!r}.")
    generator = _GENERATORS[info.options["generator"]]
    valid = [p for p in inspect.signature(generator).parameters if p != "seed"] + list(_SPLIT_OPTIONS)
    merged = {k: v for k, v in info.options.items() if k != "generator"} | options
    unknown = sorted(set(merged) - set(valid))
    if unknown:
        raise DatasetError(f"dataset {info.name!r}: unknown option(s) {', '.join(unknown)}; "
                           f"valid options: {', '.join(valid)}.")
    graph_seed, split_seed = (int(s) for s in np.random.SeedSequence(seed).generate_state(2))
    data = generator(seed=graph_seed, **{k: v for k, v in merged.items() if k not in _SPLIT_OPTIONS})
    parts = graph_split(int(data.target.numel()), seed=split_seed,
                        **{k: v for k, v in merged.items() if k in _SPLIT_OPTIONS})
    split = NodeSplit(*(data.target[torch.from_numpy(part)] for part in parts))
    return LoadedDataset(info.name, task, data, split, info, seed=seed)


def _check_int(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise DatasetError(f"{name} must be an integer >= {minimum}; got {value!r}.")
