"""Loaders of the classic small benchmark graphs: Planetoid, WebKB, Actor, BlogCatalog, WalkPool.

Every loader has the signature ``(info, root, *, task, split_id, seed, download, **options) ->
LoadedDataset`` and is reached through :func:`graphkit.data.load`.

* **Planetoid** (Cora, CiteSeer; Yang et al., ICML 2016), **WebKB** (Texas, Wisconsin, Cornell)
  and **Actor** (Pei et al., "Geom-GCN", ICLR 2020) are read by PyG's own dataset classes. The
  data root may be read-only, and PyG writes ``processed/`` next to ``raw/``, so PyG runs on a
  mirror under :func:`graphkit.data.root.cache_dir` (``<cache>/pyg/<directory>``) whose ``raw/``
  holds symbolic links to the raw files of the data root (or files PyG downloaded there).
* **BlogCatalog** (Tang & Liu, KDD 2009) is the ``.mat`` file of the DeepWalk repository.
* **WalkPool** graphs (USAir, NS, PB, Yeast, Celegans; Zhang & Chen, "Link prediction based on
  graph neural networks", NeurIPS 2018; Pan et al., "Neural link prediction with walk pooling",
  ICLR 2022) come with 10 fixed train/test splits; see :func:`load_walkpool` for how the
  validation part is drawn.

Node-task graphs are returned undirected without self-loops (WebKB and Actor are stored as
directed graphs with a few self-loops; they are symmetrised as in most heterophily baselines,
e.g. H2GCN, Zhu et al., NeurIPS 2020; their option ``direction='out'`` keeps the stored
directions as the geom-gcn code does). Link tasks return ``data.edge_index`` = the training graph
(train positives in both directions) so no valid or test edge can leak into message passing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.io
import scipy.sparse as sp
import torch
from torch_geometric.data import Data

from graphkit.data.catalog import DatasetInfo
from graphkit.data.download import download as download_url
from graphkit.data.download import verify_file
from graphkit.data.root import cache_dir
from graphkit.data.splits import random_link_split, random_node_split, training_graph
from graphkit.data.types import LinkSplit, LoadedDataset, NodeSplit
from graphkit.errors import DatasetError, DatasetNotFoundError, FileFormatError
from graphkit.graph import as_graph

__all__ = [
    "load_planetoid",
    "load_webkb",
    "load_actor",
    "load_blogcatalog",
    "load_walkpool",
]

NUM_GEOM_GCN_SPLITS = 10
NUM_WALKPOOL_SPLITS = 10
_LINK_OPTIONS = {"valid_ratio": 0.05, "test_ratio": 0.1}


# --------------------------------------------------------------------------------------------
# Planetoid, WebKB, Actor (through PyG)
# --------------------------------------------------------------------------------------------


def load_planetoid(
    info: DatasetInfo, root: Path, *, task: str, split_id: int | None, seed: int,
    download: bool, **options: Any,
) -> LoadedDataset:
    """Cora or CiteSeer with the public Planetoid split (node task) or a random link split.

    Node task: the public split of Yang et al. (ICML 2016), 20 labelled nodes per class for
    training, 500 validation and 1,000 test nodes (``split_id`` is ignored). Link task: a seeded
    :func:`~graphkit.data.splits.random_link_split` (options ``valid_ratio=0.05``,
    ``test_ratio=0.1``).

    Args:
        info: catalogue entry (``options['pyg_name']`` is PyG's name, e.g. ``'Cora'``).
        root: data root; raw files are read from ``root / info.directory / 'raw'``.
        task: ``'node'`` or ``'link'``.
        split_id: ignored (one public split).
        seed: seed of the random link split.
        download: let PyG download missing raw files into graphkit's cache.
        **options: link task only: ``valid_ratio``, ``test_ratio``.

    Returns:
        The :class:`LoadedDataset`.
    """
    from torch_geometric.datasets import Planetoid

    name = str(info.options["pyg_name"])
    raw_files = [
        f"ind.{name.lower()}.{part}"
        for part in ("x", "tx", "allx", "y", "ty", "ally", "graph", "test.index")
    ]
    data = _pyg_data(
        info, root, raw_files, download,
        lambda base, reload: Planetoid(str(base), name, force_reload=reload),
    )
    if task == "link":
        return _random_link_task(info, data, seed, options)
    _no_options(info, task, options)
    split = NodeSplit(*(_mask_to_index(m) for m in (data.train_mask, data.val_mask, data.test_mask)))
    test_index = cache_dir("pyg") / info.directory / "raw" / f"ind.{name.lower()}.test.index"
    extra = {"unlabelled_nodes": _planetoid_unlabelled_nodes(test_index)}
    return LoadedDataset(info.name, "node", _node_data(data), split, info, extra=extra)


def _planetoid_unlabelled_nodes(test_index: Path) -> torch.Tensor:
    """Ids of the nodes the Planetoid files give no label (CiteSeer's 15; none in Cora).

    The test nodes are stored as a block of ids ``min..max`` of ``ind.<name>.test.index``; an
    id of that range missing from the file is a node without a feature row or a label, and PyG
    fills it with zero features and class 0. Random node splits should leave these nodes out,
    as the Neural Sheaf Diffusion code does (``exclude=`` of
    :func:`~graphkit.data.splits.random_node_split`); the public split never uses them.
    """
    try:
        ids = np.array([int(token) for token in test_index.read_text().split()], dtype=np.int64)
    except ValueError as exc:
        raise FileFormatError(f"{test_index}: expected one node id per line ({exc}).") from exc
    if ids.size == 0:
        raise FileFormatError(f"{test_index}: no test node ids.")
    block = np.arange(ids.min(), ids.max() + 1)
    return torch.from_numpy(block[~np.isin(block, ids)])


def load_webkb(
    info: DatasetInfo, root: Path, *, task: str, split_id: int | None, seed: int,
    download: bool, **options: Any,
) -> LoadedDataset:
    """Texas, Wisconsin or Cornell (WebKB) with the 10 geom-gcn splits or a random link split.

    Node task: split ``split_id`` (0-9, default 0) of the 60/20/20 splits of Pei et al.
    (ICLR 2020); option ``direction`` (``'undirected'``, default, ``'out'`` or ``'in'``, see
    :data:`DIRECTIONS`) sets the message direction over the stored directed edges, and option
    ``self_loops`` (``'remove'``, default, or ``'keep'``) what happens to the stored self-loops
    (Cornell 3, Texas 16, Wisconsin 16: ``'keep'`` matches code that builds its adjacency from
    the raw edge file, such as geom-gcn's and Yan et al.'s). Link task: a
    seeded random link split (options ``valid_ratio``, ``test_ratio``). Arguments as in
    :func:`load_planetoid`.
    """
    from torch_geometric.datasets import WebKB

    name = str(info.options["pyg_name"]).lower()
    raw_files = _geom_gcn_raw_files(name)
    data = _pyg_data(
        info, root, raw_files, download,
        lambda base, reload: WebKB(str(base), name, force_reload=reload),
    )
    return _geom_gcn_task(info, data, task, split_id, seed, options)


def load_actor(
    info: DatasetInfo, root: Path, *, task: str, split_id: int | None, seed: int,
    download: bool, **options: Any,
) -> LoadedDataset:
    """Actor (film co-occurrence) with the 10 geom-gcn splits or a random link split.

    Same protocol and arguments as :func:`load_webkb`; the raw files are the ``film`` files of
    the geom-gcn repository.
    """
    from torch_geometric.datasets import Actor

    data = _pyg_data(
        info, root, _geom_gcn_raw_files("film"), download,
        lambda base, reload: Actor(str(base / info.directory), force_reload=reload),
    )
    return _geom_gcn_task(info, data, task, split_id, seed, options)


def _geom_gcn_raw_files(prefix: str) -> list[str]:
    files = ["out1_node_feature_label.txt", "out1_graph_edges.txt"]
    return files + [f"{prefix}_split_0.6_0.2_{i}.npz" for i in range(NUM_GEOM_GCN_SPLITS)]


def _geom_gcn_task(
    info: DatasetInfo, data: Data, task: str, split_id: int | None, seed: int,
    options: dict[str, Any],
) -> LoadedDataset:
    if task == "link":
        return _random_link_task(info, data, seed, options)
    options = dict(options)
    direction = options.pop("direction", "undirected")
    self_loops = options.pop("self_loops", "remove")
    _no_options(info, task, options)
    column = _check_split_id(info, split_id, NUM_GEOM_GCN_SPLITS)
    split = NodeSplit(*(
        _mask_to_index(mask[:, column]) for mask in (data.train_mask, data.val_mask, data.test_mask)
    ))
    node_data = _node_data(data, direction, self_loops)
    return LoadedDataset(info.name, "node", node_data, split, info, split_id=column)


def _pyg_data(
    info: DatasetInfo,
    root: Path,
    raw_files: list[str],
    download: bool,
    make: Callable[[Path, bool], Any],
) -> Data:
    """Run a PyG dataset class on a writable mirror of ``root / info.directory / 'raw'``.

    The mirror is ``cache_dir('pyg') / info.directory``; its ``raw/`` gets a symbolic link to
    every raw file present in the data root (links into another data root are dropped). Files
    absent from the data root may already be in the mirror as real files from an earlier
    ``download=True``. PyG reprocesses whenever the content of ``raw/`` changed.

    Args:
        info: the catalogue entry.
        root: the data root.
        raw_files: the file names PyG expects in ``raw/``.
        download: allow PyG to download missing files into the mirror.
        make: ``make(base, force_reload)`` builds the PyG dataset rooted in ``base`` (the
            ``pyg`` cache folder).
    """
    source = root / info.directory / "raw"
    base = cache_dir("pyg")
    raw = base / info.directory / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    changed = False
    for name in raw_files:
        target, link = (source / name).absolute(), raw / name
        if not target.is_file():
            if link.is_symlink():  # a link into another data root: not this root's data
                link.unlink()
                changed = True
            continue
        if link.is_symlink() and Path(link.readlink()) == target:
            continue
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target)
        changed = True
    missing = [name for name in raw_files if not (raw / name).is_file()]
    if missing:
        if not download:
            raise DatasetNotFoundError(
                f"dataset {info.name!r}: {len(missing)} raw file(s) missing from {source}: "
                f"{', '.join(missing)}. Put the files there (or point root= / GRAPHKIT_DATA at a "
                "data root that has them), or pass download=True (CLI: --download) to fetch "
                f"them from {info.url}."
            )
        for name in raw_files:  # PyG writes through existing links; let it write real files
            if (raw / name).is_symlink():
                (raw / name).unlink()
        changed = True
    try:
        dataset = make(base, changed)
    except OSError as exc:  # network failures (urllib.error.URLError is an OSError)
        if not missing:
            raise
        raise DatasetNotFoundError(
            f"dataset {info.name!r}: downloading the raw files into {raw} failed ({exc}). "
            f"Download {', '.join(missing)} from {info.url} by hand into {source}."
        ) from exc
    return dataset[0]


#: Message-passing directions of a graph stored directed (WebKB, Actor).
DIRECTIONS = ("undirected", "out", "in")


def _node_data(data: Data, direction: str = "undirected", self_loops: str = "remove") -> Data:
    """``Data(x, y, edge_index, num_nodes)`` with messages in ``direction``, stored loops removed or kept.

    ``'undirected'`` symmetrises the stored edges. For a stored edge :math:`u \\to v`, ``'in'``
    sends messages along it (:math:`v` aggregates over its in-neighbours) and ``'out'`` against
    it (:math:`u` aggregates over the nodes it points to: the operator :math:`\\hat A X` of the
    geom-gcn code and of the baselines run with it, whose adjacency has :math:`A_{uv} = 1`).
    """
    if direction not in DIRECTIONS:
        raise DatasetError(
            f"direction={direction!r} is not one of {', '.join(DIRECTIONS)} (the message "
            "direction over the stored edges; 'undirected' symmetrises them)."
        )
    if self_loops not in ("remove", "keep"):
        raise DatasetError(
            f"self_loops={self_loops!r} is not one of remove, keep (what happens to the "
            "self-loops stored in the edge file)."
        )
    stored = data.edge_index.flip(0) if direction == "out" else data.edge_index
    graph = as_graph(stored, num_nodes=data.num_nodes, directed=direction != "undirected",
                     self_loops=self_loops)
    edge_index, _ = graph.to_edge_index()
    return Data(x=data.x, y=data.y, edge_index=edge_index, num_nodes=data.num_nodes)


def _mask_to_index(mask: torch.Tensor) -> torch.Tensor:
    return mask.nonzero().view(-1).long()


# --------------------------------------------------------------------------------------------
# BlogCatalog
# --------------------------------------------------------------------------------------------


def load_blogcatalog(
    info: DatasetInfo, root: Path, *, task: str, split_id: int | None, seed: int,
    download: bool, **options: Any,
) -> LoadedDataset:
    """BlogCatalog: 10,312 bloggers, 333,983 friendships, 39 overlapping interest groups.

    Node task (multi-label classification, the DeepWalk / node2vec protocol of Perozzi et al.,
    KDD 2014): ``data.y`` is a dense ``float [N, 39]`` 0/1 matrix and the split is a seeded
    uniform random split with ``train_ratio`` (default 0.5) of the nodes for training,
    ``valid_ratio`` (default 0.1) for validation and the rest for test. The published
    protocol has no validation set (pass ``valid_ratio=0``); graphkit's default keeps one so
    that benchmark models are selected on validation nodes, never on test nodes. The graph has no node features (``data.x`` is ``None``). Link task: a seeded
    random link split (options ``valid_ratio=0.05``, ``test_ratio=0.1``).

    The file's SHA-256 is checked against the catalogue. With ``download=True`` a missing file
    is downloaded (checksummed) into ``root / 'BlogCatalog'``.

    Args:
        info: catalogue entry.
        root: data root; the file is ``root / 'BlogCatalog' / 'blogcatalog.mat'``.
        task: ``'node'`` or ``'link'``.
        split_id: ignored (random splits).
        seed: seed of the split.
        download: download the file when it is missing.
        **options: node task: ``train_ratio``, ``valid_ratio``; link task: ``valid_ratio``,
            ``test_ratio``.
    """
    spec = info.files[0]
    path = root / info.directory / spec.path
    if not path.is_file():
        if not download:
            raise DatasetNotFoundError(
                f"dataset {info.name!r}: file {path} not found (expected {spec.path} in "
                f"{path.parent}). Pass download=True (CLI: --download) to fetch it from "
                f"{info.url}, or point root= / GRAPHKIT_DATA at a data root that has it."
            )
        download_url(info.url, path, sha256=info.url_sha256)
    if spec.sha256:
        verify_file(path, spec.sha256)
    mat = _loadmat(path, ("network", "group"))
    adjacency = _square_sparse(mat["network"], path, "network")
    graph = as_graph(adjacency, directed=False, self_loops="remove")
    num_nodes = graph.num_nodes
    if task == "link":
        return _random_link_task(info, graph.to_pyg(), seed, options)
    params = _options(info, task, options, {"train_ratio": 0.5, "valid_ratio": 0.1})
    labels = mat["group"]
    if labels.shape[0] != num_nodes:
        raise FileFormatError(
            f"{path}: 'group' has {labels.shape[0]} rows but 'network' has {num_nodes} nodes."
        )
    y = torch.from_numpy(np.asarray(sp.csr_matrix(labels).todense() != 0, dtype=np.float32))
    split = random_node_split(y, seed=seed, stratify=False, **params)
    edge_index, _ = graph.to_edge_index()
    data = Data(edge_index=edge_index, y=y, num_nodes=num_nodes)
    return LoadedDataset(info.name, "node", data, split, info, seed=seed)


# --------------------------------------------------------------------------------------------
# WalkPool / SEAL graphs
# --------------------------------------------------------------------------------------------


def load_walkpool(
    info: DatasetInfo, root: Path, *, task: str, split_id: int | None, seed: int,
    download: bool, **options: Any,
) -> LoadedDataset:
    """A WalkPool/SEAL graph with one of its 10 fixed train/test splits.

    The graph is ``root/WalkPool/<File>.mat`` (key ``net``, checksummed); split ``split_id``
    (0-9, default 0) is ``root/WalkPool/splitted/<File>_split_<split_id + 1>.mat`` (90 % of the
    edges observed) or ``splitted_0_5/`` (50 %, the ``-50`` datasets), with keys ``train_pos``,
    ``train_neg``, ``test_pos``, ``test_neg`` holding 1-based node pairs of shape ``[E, 2]``;
    they are converted to 0-based ids and checked (positives are edges of the graph, negatives
    are not, train and test positives are disjoint).

    The files have no validation part. As in WalkPool's ``load_splitted_data`` (Pan et al.,
    ICLR 2022, option ``--val-ratio 0.05``), ``floor(valid_ratio * len(train_pos))`` training
    positives and ``floor(valid_ratio * len(train_neg))`` training negatives, drawn at random
    (seeded by ``seed``, two independent permutations), become the validation positives and
    negatives and are removed from the training parts. Unlike WalkPool's default
    (``--observe-val-and-injection``), the message-passing graph ``data.edge_index`` holds the
    remaining training positives only. The graphs have no node features.

    Args:
        info: catalogue entry (``options['file']``, ``options['observed']``).
        root: data root.
        task: ``'link'``.
        split_id: which fixed split, 0-9 (default 0).
        seed: seed of the validation draw.
        download: not supported (the files are not published as one archive): a missing file
            raises :class:`DatasetNotFoundError` saying where to get it.
        **options: ``valid_ratio`` (default 0.05).

    Raises:
        DatasetNotFoundError: a file is missing.
        FileFormatError: the split file is malformed (missing key, ids not 1-based, a positive
            that is not an edge or a negative that is one).
    """
    params = _options(info, task, options, {"valid_ratio": 0.05})
    valid_ratio = params["valid_ratio"]
    if not 0.0 <= valid_ratio < 1.0:
        raise DatasetError(f"valid_ratio must be in [0, 1); got {valid_ratio}.")
    column = _check_split_id(info, split_id, NUM_WALKPOOL_SPLITS)
    stem = str(info.options["file"])
    folder = root / info.directory
    split_folder = folder / ("splitted" if float(info.options["observed"]) == 0.9 else "splitted_0_5")
    graph_path = folder / info.files[0].path
    split_path = split_folder / f"{stem}_split_{column + 1}.mat"
    for path in (graph_path, split_path):
        if not path.is_file():
            hint = "; graphkit cannot download these files" if download else ""
            raise DatasetNotFoundError(
                f"dataset {info.name!r}: file {path} not found{hint}. Get {path.name} from "
                f"{info.url} (folder {path.parent.relative_to(folder.parent)}), put it in "
                f"{path.parent}, or point root= / GRAPHKIT_DATA at a data root that has it."
            )
    if info.files[0].sha256:
        verify_file(graph_path, info.files[0].sha256)
    adjacency = _square_sparse(_loadmat(graph_path, ("net",))["net"], graph_path, "net")
    graph = as_graph(adjacency, directed=False, self_loops="remove")
    num_nodes = graph.num_nodes
    mat = _loadmat(split_path, ("train_pos", "train_neg", "test_pos", "test_neg"))
    parts = {key: _one_based_pairs(mat[key], num_nodes, split_path, key) for key in mat}
    _check_walkpool_split(graph, parts, split_path)
    rng = np.random.default_rng(seed)
    valid_pos, train_pos = _hold_out(parts["train_pos"], valid_ratio, rng)
    valid_neg, train_neg = _hold_out(parts["train_neg"], valid_ratio, rng)
    split = LinkSplit(
        train_pos=_as_pairs(train_pos), valid_pos=_as_pairs(valid_pos),
        valid_neg=_as_pairs(valid_neg), test_pos=_as_pairs(parts["test_pos"]),
        test_neg=_as_pairs(parts["test_neg"]), train_neg=_as_pairs(train_neg),
    )
    data = Data(edge_index=training_graph(split, num_nodes), num_nodes=num_nodes)
    return LoadedDataset(info.name, "link", data, split, info, split_id=column, seed=seed)


def _one_based_pairs(array: Any, num_nodes: int, path: Path, key: str) -> np.ndarray:
    """``[E, 2]`` (or ``[2, E]``) 1-based pairs of a split file as a 0-based ``(2, E)`` array."""
    pairs = np.asarray(array)
    if pairs.ndim != 2 or 2 not in pairs.shape or not np.issubdtype(pairs.dtype, np.number):
        raise FileFormatError(
            f"{path}: {key!r} must be an [E, 2] array of node pairs; got shape {pairs.shape} "
            f"and dtype {pairs.dtype}."
        )
    pairs = pairs.T if pairs.shape[1] == 2 else pairs
    if not np.all(pairs == np.round(pairs)):
        raise FileFormatError(f"{path}: {key!r} holds non-integer node ids.")
    pairs = pairs.astype(np.int64)
    if pairs.size and (pairs.min() < 1 or pairs.max() > num_nodes):
        raise FileFormatError(
            f"{path}: {key!r} ids range over [{pairs.min()}, {pairs.max()}]; expected 1-based "
            f"ids in [1, {num_nodes}] for a graph of {num_nodes} nodes. The file is 0-based or "
            "belongs to another graph; use the original WalkPool/SEAL split files."
        )
    return pairs - 1


def _check_walkpool_split(graph: Any, parts: dict[str, np.ndarray], path: Path) -> None:
    """Positives must be edges of the graph, negatives non-edges, train/test positives disjoint."""
    adjacency = graph.to_scipy()
    for key, pairs in parts.items():
        is_edge = np.asarray(adjacency[pairs[0], pairs[1]]).ravel() != 0
        wrong = ~is_edge if key.endswith("_pos") else is_edge
        if wrong.any():
            u, v = pairs[:, np.flatnonzero(wrong)[0]] + 1
            kind = "not an edge" if key.endswith("_pos") else "an edge"
            raise FileFormatError(
                f"{path}: {int(wrong.sum())} pair(s) of {key!r} are {kind} of the graph (first: "
                f"1-based ({u}, {v})); the split file does not match the graph file."
            )
    n = graph.num_nodes
    keys = {key: np.minimum(p[0], p[1]) * n + np.maximum(p[0], p[1]) for key, p in parts.items()}
    if np.intersect1d(keys["train_pos"], keys["test_pos"]).size:
        raise FileFormatError(f"{path}: 'train_pos' and 'test_pos' share edges (test leakage).")


def _hold_out(
    pairs: np.ndarray, ratio: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``(held_out, rest)``: ``floor(ratio * M)`` random columns of ``pairs`` and the others."""
    perm = rng.permutation(pairs.shape[1])
    count = math.floor(ratio * pairs.shape[1])
    return pairs[:, perm[:count]], pairs[:, perm[count:]]


def _as_pairs(pairs: np.ndarray) -> torch.Tensor:
    """Pairs as ``int64 [2, M]`` with ``u < v`` in each column, sorted lexicographically."""
    pairs = np.sort(pairs, axis=0)
    order = np.lexsort((pairs[1], pairs[0]))
    return torch.from_numpy(np.ascontiguousarray(pairs[:, order]))


# --------------------------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------------------------


def _random_link_task(
    info: DatasetInfo, data: Data, seed: int, options: dict[str, Any]
) -> LoadedDataset:
    params = _options(info, "link", options, _LINK_OPTIONS)
    split = random_link_split(data, seed=seed, **params)
    num_nodes = int(data.num_nodes)
    out = Data(edge_index=training_graph(split, num_nodes), num_nodes=num_nodes)
    if getattr(data, "x", None) is not None:
        out.x = data.x
    return LoadedDataset(info.name, "link", out, split, info, seed=seed)


def _options(
    info: DatasetInfo, task: str, options: dict[str, Any], defaults: dict[str, float]
) -> dict[str, float]:
    """``defaults`` updated with ``options``; unknown keys raise :class:`DatasetError`."""
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        allowed = ", ".join(defaults) or "none"
        raise DatasetError(
            f"dataset {info.name!r} ({task} task): unknown option(s) {', '.join(unknown)}; "
            f"allowed: {allowed}."
        )
    return {**defaults, **{key: float(value) for key, value in options.items()}}


def _no_options(info: DatasetInfo, task: str, options: dict[str, Any]) -> None:
    _options(info, task, options, {})


def _check_split_id(info: DatasetInfo, split_id: int | None, count: int) -> int:
    if split_id is None:
        return 0
    if isinstance(split_id, bool) or not isinstance(split_id, (int, np.integer)) or not (
        0 <= split_id < count
    ):
        raise DatasetError(
            f"dataset {info.name!r}: split={split_id!r} is not a valid split id; "
            f"choose an integer in the range 0-{count - 1}."
        )
    return int(split_id)


def _loadmat(path: Path, keys: tuple[str, ...]) -> dict[str, Any]:
    try:
        mat = scipy.io.loadmat(path)
    except (ValueError, TypeError, OSError, NotImplementedError) as exc:
        raise FileFormatError(f"{path} is not a readable MATLAB .mat file ({exc}).") from exc
    missing = [key for key in keys if key not in mat]
    if missing:
        found = sorted(key for key in mat if not key.startswith("__"))
        raise FileFormatError(
            f"{path}: missing key(s) {', '.join(missing)}; found: {', '.join(found) or 'none'}."
        )
    return {key: mat[key] for key in keys}


def _square_sparse(matrix: Any, path: Path, key: str) -> sp.csr_matrix:
    if not (sp.issparse(matrix) or isinstance(matrix, np.ndarray)) or matrix.ndim != 2 or (
        matrix.shape[0] != matrix.shape[1]
    ):
        raise FileFormatError(
            f"{path}: {key!r} must be a square adjacency matrix; got "
            f"{type(matrix).__name__} of shape {getattr(matrix, 'shape', None)}."
        )
    return sp.csr_matrix(matrix)
