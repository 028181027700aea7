"""Seeded link and node splits.

Link splits follow the usual protocol (as in PyG's ``RandomLinkSplit`` and SEAL): every
undirected edge is assigned to exactly one of train / valid / test *as a pair*; the training
graph used for message passing holds only the train edges; valid and test negatives are node
pairs that are not edges of the *full* graph, are not self-loops, and are distinct from each
other. Node splits are random and stratified by class when labels are single-label.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from graphkit.data.types import LinkSplit, NodeSplit
from graphkit.errors import DatasetError
from graphkit.graph import as_graph

__all__ = [
    "random_link_split",
    "random_node_split",
    "training_graph",
    "undirected_pairs",
]


def undirected_pairs(graph: Any) -> np.ndarray:
    """Each undirected edge once as a ``(2, M)`` array with ``u < v`` (self-loops dropped)."""
    g = as_graph(graph, directed=False, self_loops="remove")
    rows = g.row_ids()
    upper = rows < g.indices
    return np.stack([rows[upper], g.indices[upper]])


def training_graph(split: LinkSplit, num_nodes: int) -> torch.Tensor:
    """The message-passing ``edge_index`` of a link split: train positives in both directions."""
    edge_index, _ = as_graph(split.train_pos, num_nodes=num_nodes, directed=False).to_edge_index()
    return edge_index


def random_link_split(
    graph: Any,
    *,
    valid_ratio: float = 0.05,
    test_ratio: float = 0.1,
    neg_ratio: float = 1.0,
    seed: int = 0,
) -> LinkSplit:
    """Split the undirected edges of ``graph`` into train / valid / test positives.

    Args:
        graph: any input :func:`graphkit.as_graph` accepts (treated as undirected).
        valid_ratio: fraction of edges held out for validation (default 0.05).
        test_ratio: fraction of edges held out for test (default 0.1).
        neg_ratio: negatives per positive for valid and test (default 1.0).
        seed: seed of the permutation and of the negative sampling.

    Returns:
        A :class:`LinkSplit` whose negatives are non-edges of the full graph.

    Raises:
        DatasetError: when a ratio is out of range or the graph has too few edges or non-edges.
    """
    for name, value in (("valid_ratio", valid_ratio), ("test_ratio", test_ratio)):
        if not 0.0 <= value < 1.0:
            raise DatasetError(f"{name} must be in [0, 1); got {value}.")
    if valid_ratio + test_ratio >= 1.0:
        raise DatasetError(
            f"valid_ratio + test_ratio must be < 1 to leave training edges; got "
            f"{valid_ratio} + {test_ratio}."
        )
    if not neg_ratio > 0:  # also rejects NaN
        raise DatasetError(f"neg_ratio must be > 0; got {neg_ratio}.")
    g = as_graph(graph, directed=False, self_loops="remove")
    pairs = undirected_pairs(g)
    num_edges = pairs.shape[1]
    num_valid = int(round(valid_ratio * num_edges))
    num_test = int(round(test_ratio * num_edges))
    if num_edges - num_valid - num_test < 1 or (valid_ratio > 0 and num_valid == 0) or (
        test_ratio > 0 and num_test == 0
    ):
        raise DatasetError(
            f"graph has {num_edges} undirected edges: too few for valid_ratio={valid_ratio}, "
            f"test_ratio={test_ratio}; use a larger graph or larger ratios."
        )
    rng = np.random.default_rng(seed)
    pairs = pairs[:, rng.permutation(num_edges)]
    test, valid, train = np.split(pairs, [num_test, num_test + num_valid], axis=1)
    num_valid_neg = int(round(neg_ratio * num_valid))
    num_test_neg = int(round(neg_ratio * num_test))
    negatives = sample_non_edges(g.num_nodes, pairs, num_valid_neg + num_test_neg, rng)
    return LinkSplit(
        train_pos=_sorted_pairs(train),
        valid_pos=_sorted_pairs(valid),
        valid_neg=_sorted_pairs(negatives[:, :num_valid_neg]),
        test_pos=_sorted_pairs(test),
        test_neg=_sorted_pairs(negatives[:, num_valid_neg:]),
    )


def sample_non_edges(
    num_nodes: int, edges: np.ndarray, count: int, rng: np.random.Generator
) -> np.ndarray:
    """``count`` distinct unordered pairs ``u < v`` that are not in ``edges`` (rejection sampling).

    Args:
        num_nodes: number of nodes.
        edges: ``(2, M)`` undirected edges with ``u < v``.
        count: number of pairs wanted.
        rng: the generator to draw from.
    """
    total_pairs = num_nodes * (num_nodes - 1) // 2
    available = total_pairs - edges.shape[1]
    if count > available:
        raise DatasetError(
            f"cannot sample {count} negative pairs: the graph has only {available} non-edges; "
            "lower neg_ratio or the valid/test ratios."
        )
    edge_keys = np.sort(edges[0] * num_nodes + edges[1])
    chosen = np.empty(0, dtype=np.int64)
    while chosen.size < count:
        batch = max(2 * (count - chosen.size), 1024)
        u = rng.integers(0, num_nodes, batch)
        v = rng.integers(0, num_nodes, batch)
        u, v = np.minimum(u, v), np.maximum(u, v)
        keys = (u * num_nodes + v)[u != v]
        keys = keys[~_contains(edge_keys, keys)]
        # keep first occurrences only, in draw order, so the result depends on the seed alone
        merged = np.concatenate([chosen, keys])
        _, first = np.unique(merged, return_index=True)
        chosen = merged[np.sort(first)]
    chosen = chosen[:count]
    return np.stack([chosen // num_nodes, chosen % num_nodes])


def _contains(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    if sorted_keys.size == 0:
        return np.zeros(keys.shape, dtype=bool)
    pos = np.searchsorted(sorted_keys, keys).clip(max=sorted_keys.size - 1)
    return sorted_keys[pos] == keys


def _sorted_pairs(pairs: np.ndarray) -> torch.Tensor:
    order = np.lexsort((pairs[1], pairs[0]))
    return torch.from_numpy(np.ascontiguousarray(pairs[:, order]).astype(np.int64))


def random_node_split(
    y: torch.Tensor | np.ndarray,
    *,
    train_ratio: float = 0.6,
    valid_ratio: float = 0.2,
    seed: int = 0,
    stratify: bool = True,
    exclude: torch.Tensor | np.ndarray | None = None,
) -> NodeSplit:
    """Random train / valid / test node split; the rest after train and valid is test.

    Single-label ``y`` (shape ``[N]``) is split per class (stratified) so each part keeps the
    class proportions; multi-label ``y`` (shape ``[N, C]``) is split uniformly at random.
    Nodes in ``exclude`` are in no part, and the others are split as if they were absent (an
    empty ``exclude`` gives the same split as none).

    Args:
        y: node labels.
        train_ratio: fraction of nodes for training (default 0.6).
        valid_ratio: fraction for validation (default 0.2).
        seed: seed of the permutation.
        stratify: stratify by class (single-label only).
        exclude: ids of nodes to leave out of every part, e.g. nodes without a label
            (``LoadedDataset.extra['unlabelled_nodes']`` of CiteSeer).
    """
    if not (0 < train_ratio < 1 and 0 <= valid_ratio < 1 and train_ratio + valid_ratio < 1):
        raise DatasetError(
            f"need 0 < train_ratio, 0 <= valid_ratio and train_ratio + valid_ratio < 1; got "
            f"train_ratio={train_ratio}, valid_ratio={valid_ratio}."
        )
    labels = y.numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
    n = labels.shape[0]
    kept = _kept_nodes(n, exclude)
    rng = np.random.default_rng(seed)
    if stratify and labels.ndim == 1:
        groups = [kept[labels[kept] == c] for c in np.unique(labels[kept])]
    else:
        groups = [kept]
    parts: list[list[np.ndarray]] = [[], [], []]
    for members in groups:
        members = rng.permutation(members)
        n_train = int(round(train_ratio * members.size))
        n_valid = int(round(valid_ratio * members.size))
        for i, chunk in enumerate(np.split(members, [n_train, n_train + n_valid])):
            parts[i].append(chunk)
    train, valid, test = (torch.from_numpy(np.sort(np.concatenate(p))).long() for p in parts)
    if train.numel() == 0 or test.numel() == 0:
        raise DatasetError(f"node split of {kept.size} nodes left an empty train or test part.")
    return NodeSplit(train, valid, test)


def _kept_nodes(n: int, exclude: torch.Tensor | np.ndarray | None) -> np.ndarray:
    """Sorted ids of the ``n`` nodes not in ``exclude``; out-of-range ids are an error."""
    if exclude is None:
        return np.arange(n)
    ids = np.asarray(exclude.numpy() if isinstance(exclude, torch.Tensor) else exclude)
    if ids.size and (ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer)
                     or ids.min() < 0 or ids.max() >= n):
        raise DatasetError(
            f"exclude must be a 1-D array of node ids in 0..{n - 1} (y has {n} nodes); got "
            f"shape {tuple(ids.shape)}, dtype {ids.dtype}"
            + (f", range {ids.min()}..{ids.max()}." if ids.size else ".")
        )
    keep = np.ones(n, dtype=bool)
    keep[ids.astype(np.int64)] = False
    return np.flatnonzero(keep)
