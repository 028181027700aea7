"""Seeded synthetic graphs, and the catalogue loader of the ``synthetic`` datasets.

Every generator takes a ``seed`` and draws from its own :class:`numpy.random.Generator` (never
the global random state), returns a ``torch_geometric.data.Data`` whose ``edge_index`` is
undirected (both directions stored), free of self-loops and duplicates (it goes through
:func:`graphkit.graph.as_graph`), and runs in time and memory linear in the number of nodes plus
edges: independent edges are drawn by geometric skipping over the pair index (Batagelj & Brandes,
"Efficient generation of large random networks", Phys. Rev. E 71, 2005), so no generator builds
an ``n × n`` array, whatever ``n``.
"""

from __future__ import annotations

import inspect
import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from scipy.spatial import cKDTree
from torch_geometric.data import Data

from graphkit.data.catalog import DatasetInfo
from graphkit.data.splits import random_link_split, random_node_split, training_graph
from graphkit.data.types import LoadedDataset
from graphkit.errors import DatasetError
from graphkit.graph import as_graph

__all__ = [
    "barabasi_albert",
    "csbm",
    "erdos_renyi",
    "load_synthetic",
    "planted_link_graph",
    "random_geometric",
    "sbm",
]


def sbm(
    num_nodes: int = 1000,
    num_blocks: int = 4,
    p_in: float = 0.05,
    p_out: float = 0.005,
    num_features: int = 32,
    feature_signal: float = 1.0,
    seed: int = 0,
):
    """Stochastic block model with planted communities and Gaussian node features.

    Nodes are split into ``num_blocks`` blocks of (nearly) equal size, assigned in random order;
    each pair inside a block is an edge with probability ``p_in``, each pair across blocks with
    probability ``p_out`` (Holland, Laskey & Leinhardt, "Stochastic blockmodels: first steps",
    Social Networks 5, 1983). Features follow :func:`csbm`'s Gaussian mixture.

    Args:
        num_nodes: number of nodes (default 1000).
        num_blocks: number of blocks = classes (default 4).
        p_in: within-block edge probability (default 0.05).
        p_out: between-block edge probability (default 0.005).
        num_features: feature dimension (default 32; 0 gives no ``x``).
        feature_signal: distance scale of the class means (default 1.0; 0 = pure noise).
        seed: random seed.

    Returns:
        ``Data`` with ``edge_index``, ``num_nodes``, ``x`` (``float32 [N, num_features]``) and
        ``y`` (``int64 [N]``, the block).
    """
    _check_int("num_nodes", num_nodes, 1)
    _check_int("num_blocks", num_blocks, 1)
    if num_blocks > num_nodes:
        raise DatasetError(f"num_blocks={num_blocks} must be <= num_nodes={num_nodes}.")
    _check_probability("p_in", p_in)
    _check_probability("p_out", p_out)
    _check_features(num_features, feature_signal)
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(num_nodes) % num_blocks)
    rows, cols = _block_model_edges(y, num_blocks, p_in, p_out, rng)
    return _data(rows, cols, num_nodes, x=_features(y, num_blocks, num_features, feature_signal, rng), y=y)


def csbm(
    num_nodes: int = 1000,
    num_classes: int = 2,
    avg_degree: float = 10.0,
    homophily: float = 0.5,
    num_features: int = 32,
    feature_signal: float = 1.0,
    seed: int = 0,
):
    """Contextual stochastic block model with controllable homophily.

    A block model (Deshpande, Sen, Montanari & Mossel, "Contextual stochastic block models",
    NeurIPS 2018) whose two edge probabilities are set from the expected number of edges
    :math:`E = N \\bar d / 2` and the requested edge homophily :math:`h` (the expected fraction of
    edges joining nodes of the same class):

    .. math::
        p_{in} = \\frac{h E}{\\sum_c \\binom{n_c}{2}}, \\qquad
        p_{out} = \\frac{(1 - h) E}{\\sum_{a < b} n_a n_b}.

    Features are a Gaussian mixture :math:`x_i = s\\,\\mu_{y_i} + \\varepsilon_i` with
    :math:`\\varepsilon_i \\sim \\mathcal N(0, I)` and class means :math:`\\mu_c` independent
    random unit vectors, :math:`s` = ``feature_signal``.

    Args:
        num_nodes: number of nodes (default 1000).
        num_classes: number of classes, >= 2 (default 2).
        avg_degree: expected average degree (default 10).
        homophily: expected fraction of within-class edges in [0, 1] (default 0.5).
        num_features: feature dimension (default 32; 0 gives no ``x``).
        feature_signal: scale ``s`` of the class means (default 1.0; 0 = pure noise).
        seed: random seed.

    Returns:
        ``Data`` with ``edge_index``, ``num_nodes``, ``x`` and ``y`` (the class).

    Raises:
        DatasetError: an argument is out of range, or the requested degree and homophily need
            an edge probability above 1.
    """
    _check_int("num_nodes", num_nodes, 2)
    _check_int("num_classes", num_classes, 2)
    if num_classes > num_nodes:
        raise DatasetError(f"num_classes={num_classes} must be <= num_nodes={num_nodes}.")
    _check_probability("homophily", homophily)
    if not avg_degree >= 0:
        raise DatasetError(f"avg_degree must be >= 0; got {avg_degree}.")
    _check_features(num_features, feature_signal)
    sizes = np.bincount(np.arange(num_nodes) % num_classes).astype(np.float64)
    within_pairs = float(np.sum(sizes * (sizes - 1) / 2))
    between_pairs = num_nodes * (num_nodes - 1) / 2 - within_pairs
    expected_edges = num_nodes * avg_degree / 2
    p_in = homophily * expected_edges / within_pairs if within_pairs else 0.0
    p_out = (1 - homophily) * expected_edges / between_pairs
    if p_in > 1 or p_out > 1:
        raise DatasetError(
            f"csbm: avg_degree={avg_degree} with homophily={homophily} needs edge probabilities "
            f"p_in={p_in:.3g}, p_out={p_out:.3g} > 1; lower avg_degree or move homophily "
            "towards the class balance."
        )
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(num_nodes) % num_classes)
    rows, cols = _block_model_edges(y, num_classes, p_in, p_out, rng)
    x = _features(y, num_classes, num_features, feature_signal, rng)
    return _data(rows, cols, num_nodes, x=x, y=y)


def erdos_renyi(num_nodes: int = 1000, p: float = 0.01, seed: int = 0):
    """Erdős–Rényi :math:`G(n, p)`: each of the :math:`\\binom{n}{2}` pairs is an edge with
    probability ``p`` (Gilbert, "Random graphs", Ann. Math. Statist. 30, 1959).

    Args:
        num_nodes: number of nodes (default 1000).
        p: edge probability (default 0.01).
        seed: random seed.

    Returns:
        ``Data`` with ``edge_index`` and ``num_nodes``; the number of undirected edges is
        Binomial(n(n-1)/2, p).
    """
    _check_int("num_nodes", num_nodes, 1)
    _check_probability("p", p)
    rng = np.random.default_rng(seed)
    i, j = _triangle_pairs(_bernoulli_indices(rng, num_nodes * (num_nodes - 1) // 2, p), num_nodes)
    return _data(i, j, num_nodes)


def barabasi_albert(num_nodes: int = 1000, m: int = 3, seed: int = 0):
    """Barabási–Albert preferential attachment graph (Barabási & Albert, "Emergence of scaling
    in random networks", Science 286, 1999).

    Starts from a star on nodes ``0..m`` (centre 0); each later node attaches to ``m`` distinct
    earlier nodes chosen with probability proportional to their degree. The graph therefore has
    exactly :math:`m (n - m)` edges, and every node added after the star has degree >= ``m``.
    Runs a Python loop over the nodes: O(n m) time.

    Args:
        num_nodes: number of nodes, > ``m`` (default 1000).
        m: edges added per new node (default 3).
        seed: random seed.

    Returns:
        ``Data`` with ``edge_index`` and ``num_nodes``.
    """
    _check_int("m", m, 1)
    _check_int("num_nodes", num_nodes, m + 1)
    rng = np.random.default_rng(seed)
    # Each node appears in `ends` once per incident edge, so a uniform pick is degree-biased.
    ends = [0] * m + list(range(1, m + 1))
    rows, cols = [0] * m, list(range(1, m + 1))
    draws = iter(())
    for node in range(m + 1, num_nodes):
        targets: set[int] = set()
        while len(targets) < m:
            u = next(draws, None)
            if u is None:  # uniforms are drawn in fixed-size chunks, so the stream is seeded
                draws = iter(rng.random(_CHUNK).tolist())
                continue
            targets.add(ends[int(u * len(ends))])
        for target in sorted(targets):
            rows.append(node)
            cols.append(target)
            ends.append(target)
        ends.extend([node] * m)
    return _data(np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), num_nodes)


def random_geometric(num_nodes: int = 1000, radius: float = 0.05, dim: int = 2, seed: int = 0):
    """Random geometric graph (Penrose, "Random Geometric Graphs", Oxford 2003): nodes uniform
    in the unit cube :math:`[0, 1)^{dim}`, an edge between every two nodes at Euclidean
    distance <= ``radius`` (found with a k-d tree, no pairwise distance matrix).

    Args:
        num_nodes: number of nodes (default 1000).
        radius: connection radius (default 0.05).
        dim: dimension of the cube (default 2).
        seed: random seed.

    Returns:
        ``Data`` with ``edge_index``, ``num_nodes`` and ``x``: the positions, ``float32 [N, dim]``.
    """
    _check_int("num_nodes", num_nodes, 1)
    _check_int("dim", dim, 1)
    if not radius >= 0:
        raise DatasetError(f"radius must be >= 0; got {radius}.")
    rng = np.random.default_rng(seed)
    positions = rng.random((num_nodes, dim))
    pairs = cKDTree(positions).query_pairs(r=radius, output_type="ndarray").astype(np.int64)
    return _data(pairs[:, 0], pairs[:, 1], num_nodes, x=positions)


def planted_link_graph(
    num_communities: int = 20,
    community_size: int = 20,
    p_in: float = 0.7,
    p_out: float = 0.002,
    seed: int = 0,
):
    """Dense communities in a sparse background: a graph whose missing links are predictable.

    A block model of ``num_communities`` blocks of ``community_size`` nodes (block ``c`` is
    nodes ``c * community_size ..``) with edge probability ``p_in`` inside a block and ``p_out``
    across. Two nodes of one community share about :math:`p_{in}^2 (s - 2)` common neighbours
    (about 9 with the defaults) and two nodes of different communities about
    :math:`2 p_{in} p_{out} s` (about 0.06), while the non-edges of the graph are overwhelmingly
    cross-community pairs.

    What a correct predictor should score, on :func:`graphkit.data.random_link_split` of the
    default graph (10% test edges, one negative per positive): common neighbours, Adamic–Adar or
    any heuristic that counts shared neighbours in the training graph reaches an AUC above 0.95
    (the test suite checks common neighbours), a random scorer 0.5. A model far below 0.95 on
    this graph is broken (leaking, mis-sorting or mis-aligning pairs), not just weak.

    Args:
        num_communities: number of communities (default 20).
        community_size: nodes per community (default 20).
        p_in: edge probability inside a community (default 0.7).
        p_out: edge probability across communities (default 0.002).
        seed: random seed.

    Returns:
        ``Data`` with ``edge_index``, ``num_nodes`` and ``y`` (the community of each node).
    """
    _check_int("num_communities", num_communities, 1)
    _check_int("community_size", community_size, 2)
    _check_probability("p_in", p_in)
    _check_probability("p_out", p_out)
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(num_communities), community_size)
    rows, cols = _block_model_edges(y, num_communities, p_in, p_out, rng)
    return _data(rows, cols, y.size, y=y)


_CHUNK = 1 << 16  # uniforms drawn at a time by barabasi_albert

_GENERATORS: dict[str, Callable[..., Any]] = {
    "sbm": sbm,
    "csbm": csbm,
    "barabasi-albert": barabasi_albert,
    "erdos-renyi": erdos_renyi,
    "random-geometric": random_geometric,
    "planted-link": planted_link_graph,
}
_SPLIT_OPTIONS = {
    "node": ("train_ratio", "valid_ratio"),
    "link": ("valid_ratio", "test_ratio", "neg_ratio"),
}


def load_synthetic(
    info: DatasetInfo,
    root: str | os.PathLike | None = None,
    *,
    task: str,
    split_id: int | None = None,
    seed: int = 0,
    download: bool = False,
    **options: Any,
) -> LoadedDataset:
    """Generate a catalogue ``synthetic`` dataset and split it.

    The generator named by ``info.options['generator']`` receives the generator options (the
    catalogue's, overridden by ``options``); the split options go to
    :func:`~graphkit.data.random_node_split` (``train_ratio``, ``valid_ratio``) or
    :func:`~graphkit.data.random_link_split` (``valid_ratio``, ``test_ratio``, ``neg_ratio``).
    Graph and split draw from two independent seeds derived from ``seed``
    (``numpy.random.SeedSequence(seed).generate_state(2)``), so the split is not correlated
    with the random choices that built the graph.

    Args:
        info: the catalogue entry.
        root: unused (nothing is read or written).
        task: ``'node'`` or ``'link'``.
        split_id: unused (splits are random).
        seed: seed of the graph and of the split.
        download: unused.
        **options: generator and split options.

    Returns:
        The dataset: for ``'node'`` the generated ``Data`` with a stratified
        :class:`~graphkit.data.types.NodeSplit`; for ``'link'`` a ``Data`` holding the training
        graph (and ``x`` when the generator makes features) with a
        :class:`~graphkit.data.types.LinkSplit`.

    Raises:
        DatasetError: an unknown generator, task or option (the message lists the valid ones).
    """
    name = info.options.get("generator")
    if name not in _GENERATORS:
        raise DatasetError(
            f"dataset {info.name!r}: unknown generator {name!r}; expected one of "
            f"{', '.join(_GENERATORS)}."
        )
    if task not in _SPLIT_OPTIONS:
        raise DatasetError(f"task must be 'node' or 'link'; got {task!r}.")
    generator = _GENERATORS[name]
    generator_options = [p for p in inspect.signature(generator).parameters if p != "seed"]
    merged = {k: v for k, v in info.options.items() if k != "generator"} | options
    unknown = sorted(set(merged) - set(generator_options) - set(_SPLIT_OPTIONS[task]))
    if unknown:
        raise DatasetError(
            f"dataset {info.name!r} ({task} task): unknown option(s) {', '.join(unknown)}; "
            f"valid options: {', '.join(generator_options + list(_SPLIT_OPTIONS[task]))}."
        )
    graph_seed, split_seed = (int(s) for s in np.random.SeedSequence(seed).generate_state(2))
    data = generator(seed=graph_seed, **{k: v for k, v in merged.items() if k in generator_options})
    split_options = {k: v for k, v in merged.items() if k in _SPLIT_OPTIONS[task]}
    if task == "node":
        if getattr(data, "y", None) is None:
            raise DatasetError(f"dataset {info.name!r} has no node labels; use task='link'.")
        split = random_node_split(data.y, seed=split_seed, **split_options)
    else:
        split = random_link_split(data, seed=split_seed, **split_options)
        train = Data(edge_index=training_graph(split, data.num_nodes), num_nodes=data.num_nodes)
        if getattr(data, "x", None) is not None:
            train.x = data.x
        data = train
    return LoadedDataset(info.name, task, data, split, info, seed=seed)


def _check_features(num_features: Any, feature_signal: Any) -> None:
    _check_int("num_features", num_features, 0)
    if isinstance(feature_signal, bool) or not isinstance(feature_signal, (int, float)) or not (
        math.isfinite(feature_signal)
    ):
        raise DatasetError(f"feature_signal must be a finite number; got {feature_signal!r}.")


def _check_int(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise DatasetError(f"{name} must be an integer >= {minimum}; got {value!r}.")


def _check_probability(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise DatasetError(f"{name} must be a probability in [0, 1]; got {value!r}.")


def _bernoulli_indices(rng: np.random.Generator, total: int, p: float) -> np.ndarray:
    """Sorted indices in ``[0, total)``, each kept independently with probability ``p``.

    Geometric skipping: the gaps between kept indices are i.i.d. Geometric(p), so the work is
    proportional to the number kept, not to ``total``.
    """
    if total == 0 or p == 0:
        return np.empty(0, dtype=np.int64)
    if p == 1:
        return np.arange(total, dtype=np.int64)
    chunks = []
    last = -1
    while True:
        expected = (total - 1 - last) * p
        gaps = rng.geometric(p, size=int(expected + 6 * math.sqrt(expected) + 16))
        kept = last + np.cumsum(gaps)
        chunks.append(kept[kept < total])
        if kept[-1] >= total:
            return np.concatenate(chunks)
        last = int(kept[-1])


def _triangle_pairs(index: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Map indices of the row-major strict upper triangle of an ``n × n`` matrix to ``(i, j)``.

    Row ``i`` holds ``n - 1 - i`` pairs and starts at offset ``i (2n - i - 1) / 2``.
    """
    def offset(i: np.ndarray) -> np.ndarray:
        return i * (2 * n - i - 1) // 2

    b = 2 * n - 1
    i = np.floor((b - np.sqrt(np.maximum(b * b - 8 * index, 0).astype(np.float64))) / 2)
    i = np.clip(i.astype(np.int64), 0, max(n - 2, 0))
    i += offset(i + 1) <= index  # correct a float rounding error in either direction
    i -= offset(i) > index
    return i, index - offset(i) + i + 1


def _block_model_edges(
    y: np.ndarray, num_blocks: int, p_in: float, p_out: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Edges of a block model with block labels ``y`` (each pair drawn independently)."""
    members = [np.flatnonzero(y == b) for b in range(num_blocks)]
    rows, cols = [], []
    for a, left in enumerate(members):
        i, j = _triangle_pairs(_bernoulli_indices(rng, left.size * (left.size - 1) // 2, p_in), left.size)
        rows.append(left[i])
        cols.append(left[j])
        for right in members[a + 1:]:
            index = _bernoulli_indices(rng, left.size * right.size, p_out)
            rows.append(left[index // right.size])
            cols.append(right[index % right.size])
    return np.concatenate(rows), np.concatenate(cols)


def _features(
    y: np.ndarray, num_classes: int, num_features: int, signal: float, rng: np.random.Generator
) -> np.ndarray | None:
    """Gaussian mixture features: ``signal * mean[y] + N(0, I)``, class means random unit vectors."""
    if num_features == 0:
        return None
    means = rng.standard_normal((num_classes, num_features))
    means /= np.linalg.norm(means, axis=1, keepdims=True)
    return signal * means[y] + rng.standard_normal((y.size, num_features))


def _data(rows: np.ndarray, cols: np.ndarray, num_nodes: int, **attributes: Any):
    """Canonical undirected PyG ``Data``, with numpy attributes converted to tensors."""
    graph = as_graph(np.stack([rows, cols]), num_nodes=num_nodes, self_loops="error")
    tensors = {}
    for key, value in attributes.items():
        if value is not None:
            is_float = np.issubdtype(value.dtype, np.floating)
            tensors[key] = torch.from_numpy(value.astype(np.float32 if is_float else np.int64))
    return graph.to_pyg(**tensors)
