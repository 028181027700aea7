"""Open Graph Benchmark datasets read straight from OGB's file layout.

OGB (Hu et al., "Open Graph Benchmark: Datasets for Machine Learning on Graphs", NeurIPS 2020)
ships each dataset as a zip holding ``raw/*.csv.gz`` files (the graph) and ``split/<name>/``
files (the official split). graphkit reads those files itself, with pandas' C parser for the
CSVs, instead of going through ``ogb``'s dataset classes (ogb 1.3.6 cannot read its own
processed files under torch >= 2.6).

Layout under ``root / info.directory``::

    raw/edge.csv.gz              E x 2 edges (for link datasets: the training graph)
    raw/num-node-list.csv.gz     number of nodes
    raw/node-feat.csv.gz         N x F features (when the dataset has them)
    raw/node-label.csv.gz        N x 1 labels (node datasets)
    raw/edge_weight.csv.gz, raw/edge_year.csv.gz    per-edge attributes (ogbl-collab)
    split/<name>/{valid,test}.pt                    link split (torch pickles of numpy arrays)
    split/<name>/{train,valid,test}.csv.gz          node split (index lists)

Split ``.pt`` files are pickles. They are read only through :func:`load_split_pt`, which uses
``torch.load(weights_only=True)`` with an allow-list of the few numpy globals an array pickle
needs, so a crafted file cannot run code; where the catalogue records SHA-256 digests
(ogbl-ddi) every file is also verified before it is read.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

import numpy as np
import pandas as pd
import torch

from graphkit.data.catalog import DatasetInfo
from graphkit.data.download import download as download_file
from graphkit.data.download import extract_zip, verify_file
from graphkit.data.splits import training_graph
from graphkit.data.types import LinkSplit, LoadedDataset, NodeSplit
from graphkit.errors import DatasetError, DatasetNotFoundError, FileFormatError
from graphkit.graph import as_graph

__all__ = ["load_ogb_link", "load_ogb_node", "load_split_pt", "OGB_SPLIT_NAMES"]

#: Name of the official split folder (``split/<name>/``) of each OGB dataset, as in OGB's
#: ``master.csv``. A :class:`DatasetInfo` not listed here can set ``options['split_name']``.
OGB_SPLIT_NAMES = {
    "ogbl-ddi": "target",
    "ogbl-collab": "time",
    "ogbl-ppa": "throughput",
    "ogbl-citation2": "time",
    "ogbn-arxiv": "time",
    "ogbn-products": "sales_ranking",
}

# The function numpy pickles arrays with (``numpy._core.multiarray._reconstruct`` in numpy 2),
# taken from numpy itself so that the allow-list follows the installed version.
_reconstruct = np.ndarray.__reduce__(np.empty(0))[0]
_SAFE_NUMPY_GLOBALS: list[Any] = [
    _reconstruct,
    # files written with numpy < 2 (all OGB releases) name it under its old module
    (_reconstruct, "numpy.core.multiarray._reconstruct"),
    np.ndarray,
    np.dtype,
    # numpy >= 1.25 pickles dtypes as instances of per-type classes (numpy.dtypes.Int64DType...)
    *{type(np.dtype(code)) for code in "?bhilqBHILQefdFD"},
]

_EDGES = "raw/edge.csv.gz"
_NUM_NODES = "raw/num-node-list.csv.gz"
_NODE_FEAT = "raw/node-feat.csv.gz"
_NODE_LABEL = "raw/node-label.csv.gz"
_EDGE_ATTRIBUTES = {"weight": torch.float32, "year": torch.int64}


def load_split_pt(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read an OGB split ``.pt`` file (a dict of numpy arrays) without executing its pickle.

    The file is loaded with ``torch.load(weights_only=True)`` inside
    ``torch.serialization.safe_globals`` that admits only numpy's array reconstruction
    function, ``np.ndarray``, ``np.dtype`` and numpy's dtype classes; any other global in the
    pickle (``os.system``, ``builtins.eval``...) makes the load fail before anything runs.

    Args:
        path: the ``.pt`` file.

    Returns:
        The dict, with any torch tensors converted to numpy arrays (writable copies).

    Raises:
        FileFormatError: the file is not a loadable split (unsafe or unknown pickle content,
            corrupted file, or not a dict of arrays).
    """
    try:
        with torch.serialization.safe_globals(_SAFE_NUMPY_GLOBALS):
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError) as exc:
        raise FileFormatError(
            f"{path}: refused or failed to load this split file safely ({exc}). Only dicts of "
            "numpy arrays/tensors are accepted; delete the file and download the dataset again."
        ) from exc
    if not isinstance(obj, dict) or not all(
        isinstance(key, str) and isinstance(value, (np.ndarray, torch.Tensor))
        for key, value in obj.items()
    ):
        raise FileFormatError(
            f"{path}: expected a dict of named arrays (OGB split format); got {type(obj).__name__}."
        )
    # copies: arrays unpickled from bytes are read-only views, which torch cannot wrap safely
    return {
        key: value.numpy().copy() if isinstance(value, torch.Tensor) else np.array(value)
        for key, value in obj.items()
    }


def load_ogb_link(
    info: DatasetInfo,
    root: Path,
    *,
    task: str,
    split_id: int | None,
    seed: int,
    download: bool,
    **options: Any,
) -> LoadedDataset:
    """Load an OGB link prediction dataset (ogbl-*) with its official split.

    The training positives are the edges of ``raw/edge.csv.gz`` (OGB's link datasets ship the
    training graph as the graph; for ogbl-ddi this is exactly ``split/target/train.pt``), each
    undirected edge listed once. Valid and test come from ``split/<name>/{valid,test}.pt``:
    ``edge``/``edge_neg`` arrays give global negatives (``[2, M]``); citation2-style
    ``source_node``/``target_node``/``target_node_neg`` give ``negatives='per_positive'``
    (``[P, K]`` negative targets per positive).

    Args:
        info: the catalogue entry (``loader='ogb_link'``).
        root: the data root; files are read from ``root / info.directory``.
        task: must be ``'link'``.
        split_id: ignored (OGB has one official split).
        seed: ignored (the split is fixed).
        download: download and extract ``info.url`` into ``root`` when files are missing.
        **options: none are accepted.

    Returns:
        A :class:`LoadedDataset` whose ``data`` has ``num_nodes``, ``edge_index`` (the training
        graph, both directions), ``x`` when the dataset has node features and, when the files
        carry them (ogbl-collab), ``{train,valid,test}_edge_{weight,year}`` aligned with the
        columns of the split's ``*_pos`` tensors.

    Raises:
        DatasetNotFoundError: files are missing and ``download`` is false (or the download
            failed); the message names the directory, the files and the URL.
        ChecksumError: a file does not match its catalogue checksum.
        FileFormatError: a file is malformed.
    """
    from torch_geometric.data import Data

    _check_call(info, task, "link", options)
    split_dir = f"split/{_split_name(info)}"
    directory = _ensure_files(
        info, root, [_EDGES, _NUM_NODES, f"{split_dir}/valid.pt", f"{split_dir}/test.pt"], download
    )
    num_nodes = _read_num_nodes(directory / _NUM_NODES)
    train_pos = _pairs(_read_csv(directory / _EDGES, np.int64), directory / _EDGES, num_nodes)
    attributes: dict[str, torch.Tensor] = {}
    for key, dtype in _EDGE_ATTRIBUTES.items():
        path = directory / f"raw/edge_{key}.csv.gz"
        if path.is_file():
            values = _read_csv(path, np.float64).reshape(-1)
            attributes[f"train_edge_{key}"] = _aligned(values, train_pos, path, dtype)
    negatives = info.options.get("negatives", "global")
    parts = {}
    for part in ("valid", "test"):
        path = directory / split_dir / f"{part}.pt"
        arrays = load_split_pt(path)
        parts[part] = _link_part(arrays, path, num_nodes, negatives)
        for key, dtype in _EDGE_ATTRIBUTES.items():
            if key in arrays:
                attributes[f"{part}_edge_{key}"] = _aligned(arrays[key], parts[part][0], path, dtype)
    split = LinkSplit(
        train_pos=train_pos,
        valid_pos=parts["valid"][0],
        valid_neg=parts["valid"][1],
        test_pos=parts["test"][0],
        test_neg=parts["test"][1],
        negatives=negatives,
    )
    data = Data(edge_index=training_graph(split, num_nodes), num_nodes=num_nodes, **attributes)
    if (directory / _NODE_FEAT).is_file():
        data.x = _node_features(directory / _NODE_FEAT, num_nodes)
    return LoadedDataset(name=info.name, task="link", data=data, split=split, info=info)


def load_ogb_node(
    info: DatasetInfo,
    root: Path,
    *,
    task: str,
    split_id: int | None,
    seed: int,
    download: bool,
    **options: Any,
) -> LoadedDataset:
    """Load an OGB node property prediction dataset (ogbn-*) with its official split.

    Args:
        info: the catalogue entry (``loader='ogb_node'``).
        root: the data root; files are read from ``root / info.directory``.
        task: must be ``'node'``.
        split_id: ignored (OGB has one official split).
        seed: ignored (the split is fixed).
        download: download and extract ``info.url`` into ``root`` when files are missing.
        **options: none are accepted.

    Returns:
        A :class:`LoadedDataset` whose ``data`` has ``x`` (``float32 [N, F]``), ``y`` (``int64
        [N]``), ``num_nodes`` and an undirected ``edge_index``, and whose split is a
        :class:`NodeSplit` read from ``split/<name>/{train,valid,test}.csv.gz``.

    Raises:
        DatasetNotFoundError: files are missing and ``download`` is false (or the download
            failed); the message names the directory, the files and the URL.
        ChecksumError: a file does not match its catalogue checksum.
        FileFormatError: a file is malformed.
    """
    _check_call(info, task, "node", options)
    split_dir = f"split/{_split_name(info)}"
    split_files = [f"{split_dir}/{part}.csv.gz" for part in ("train", "valid", "test")]
    directory = _ensure_files(
        info, root, [_EDGES, _NUM_NODES, _NODE_FEAT, _NODE_LABEL, *split_files], download
    )
    num_nodes = _read_num_nodes(directory / _NUM_NODES)
    edges = _pairs(_read_csv(directory / _EDGES, np.int64), directory / _EDGES, num_nodes)
    x = _node_features(directory / _NODE_FEAT, num_nodes)
    labels = _read_csv(directory / _NODE_LABEL, np.int64)
    if labels.shape != (num_nodes, 1):
        raise FileFormatError(
            f"{directory / _NODE_LABEL}: expected one label per node ({num_nodes} x 1); got "
            f"shape {labels.shape}."
        )
    indices = []
    for name in split_files:
        idx = np.sort(_read_csv(directory / name, np.int64).reshape(-1))
        if idx.size and (idx[0] < 0 or idx[-1] >= num_nodes):
            raise FileFormatError(
                f"{directory / name}: node ids must lie in [0, {num_nodes}); got "
                f"{idx[0]}..{idx[-1]}."
            )
        indices.append(torch.from_numpy(idx))
    graph = as_graph(edges, num_nodes=num_nodes, directed=False)
    data = graph.to_pyg(x=x, y=torch.from_numpy(labels[:, 0].copy()))
    return LoadedDataset(
        name=info.name, task="node", data=data, split=NodeSplit(*indices), info=info
    )


def _check_call(info: DatasetInfo, task: str, expected: str, options: dict[str, Any]) -> None:
    if task != expected:
        raise DatasetError(f"{info.name} is loaded for task={expected!r}; got task={task!r}.")
    if options:
        raise DatasetError(
            f"{info.name}: unknown option(s) {', '.join(sorted(options))}; OGB loaders take none."
        )


def _split_name(info: DatasetInfo) -> str:
    name = info.options.get("split_name") or OGB_SPLIT_NAMES.get(info.name)
    if name is None:
        raise DatasetError(
            f"{info.name}: unknown OGB split folder; set options['split_name'] in its "
            "DatasetInfo to the folder under split/ (see OGB's master.csv)."
        )
    return str(name)


def _ensure_files(info: DatasetInfo, root: Path, required: list[str], download: bool) -> Path:
    """The dataset directory, downloading it when files are missing; verifies known checksums."""
    directory = Path(root) / info.directory
    required = list(dict.fromkeys([*required, *(spec.path for spec in info.files)]))
    missing = [name for name in required if not (directory / name).is_file()]
    if missing and not download:
        raise DatasetNotFoundError(
            f"{info.name}: missing files in {directory}: {', '.join(missing)} (expected there: "
            f"{', '.join(required)}). Pass download=True (--download on the command line) to "
            f"fetch {info.url}, or download and unzip it yourself so that these files land in "
            f"{directory}, or point GRAPHKIT_DATA (root=, --root) at a data root that has them."
        )
    if missing:
        _download_archive(info, Path(root), directory, required)
        missing = [name for name in required if not (directory / name).is_file()]
        if missing:
            raise DatasetNotFoundError(
                f"{info.name}: the archive {info.url} did not provide {', '.join(missing)} in "
                f"{directory}; the archive layout may have changed, place the files there by hand."
            )
    for spec in info.files:
        if spec.sha256 is not None:
            verify_file(directory / spec.path, spec.sha256)
    return directory


def _download_archive(info: DatasetInfo, root: Path, directory: Path, required: list[str]) -> None:
    """Download ``info.url`` (a zip) and move its single top folder to ``directory``."""
    if info.url is None:
        raise DatasetNotFoundError(
            f"{info.name} has no download address; place {', '.join(required)} in {directory}."
        )
    archive = root / (PurePosixPath(urlparse(info.url).path).name or f"{info.directory}.zip")
    try:
        download_file(info.url, archive, sha256=info.url_sha256)
    except DatasetNotFoundError as exc:
        raise DatasetNotFoundError(
            f"{exc} Or unzip it yourself so that {', '.join(required)} land in {directory}."
        ) from exc
    try:
        with tempfile.TemporaryDirectory(dir=root, prefix=f".{info.directory}.") as tmp:
            extract_zip(archive, tmp)
            entries = list(Path(tmp).iterdir())
            top = entries[0] if len(entries) == 1 and entries[0].is_dir() else Path(tmp)
            _move_tree(top, directory)
    finally:
        archive.unlink()


def _move_tree(src: Path, dst: Path) -> None:
    """Move ``src`` to ``dst``: a rename when ``dst`` is absent, else file by file (overwriting)."""
    if not dst.exists():
        os.replace(src, dst)
        return
    for path in sorted(src.rglob("*")):
        if path.is_file():
            target = dst / path.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)


def _read_csv(path: Path, dtype: type) -> np.ndarray:
    """A headerless numeric CSV (optionally gzipped) as a 2-D array."""
    try:
        frame = pd.read_csv(path, header=None, dtype=dtype, engine="c")
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as exc:
        raise FileFormatError(f"{path}: cannot read as a numeric CSV ({exc}).") from exc
    return frame.to_numpy(copy=True)  # pandas >= 3 hands out read-only views


def _read_num_nodes(path: Path) -> int:
    counts = _read_csv(path, np.int64).reshape(-1)
    if counts.size != 1 or counts[0] <= 0:
        raise FileFormatError(
            f"{path}: expected the node count of one graph (a single positive integer); got "
            f"{counts.tolist()}."
        )
    return int(counts[0])


def _pairs(array: np.ndarray, path: Path, num_nodes: int, key: str = "edges") -> torch.Tensor:
    """An ``(M, 2)`` integer array of node pairs as an ``int64 [2, M]`` tensor, ids checked."""
    if array.ndim != 2 or array.shape[1] != 2 or not np.issubdtype(array.dtype, np.integer):
        raise FileFormatError(
            f"{path}: {key} must be an integer array of shape (M, 2); got {array.dtype} "
            f"{array.shape}."
        )
    if array.size and (array.min() < 0 or array.max() >= num_nodes):
        raise FileFormatError(
            f"{path}: {key} has node ids outside [0, {num_nodes}) (min {array.min()}, max "
            f"{array.max()}); the file does not belong to this dataset."
        )
    return torch.from_numpy(np.ascontiguousarray(array.T, dtype=np.int64))


def _link_part(
    arrays: dict[str, np.ndarray], path: Path, num_nodes: int, negatives: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(positives [2, P], negatives)`` of a valid/test split file."""
    keys = ("source_node", "target_node", "target_node_neg") if negatives == "per_positive" else (
        "edge", "edge_neg"
    )
    absent = [key for key in keys if key not in arrays]
    if absent:
        raise FileFormatError(
            f"{path}: missing {', '.join(absent)} (has {', '.join(arrays)}); expected the OGB "
            f"{'per-positive' if negatives == 'per_positive' else 'global'} negative format."
        )
    if negatives == "global":
        return (
            _pairs(arrays["edge"], path, num_nodes, "edge"),
            _pairs(arrays["edge_neg"], path, num_nodes, "edge_neg"),
        )
    source, target = arrays["source_node"].reshape(-1), arrays["target_node"].reshape(-1)
    if source.shape != target.shape:
        raise FileFormatError(
            f"{path}: source_node and target_node differ in length ({source.size} vs {target.size})."
        )
    positives = _pairs(np.stack([source, target], axis=1), path, num_nodes, "source/target_node")
    neg = arrays["target_node_neg"]
    if neg.ndim != 2 or neg.shape[0] != source.size or not np.issubdtype(neg.dtype, np.integer):
        raise FileFormatError(
            f"{path}: target_node_neg must be an integer array of shape ({source.size}, K); got "
            f"{neg.dtype} {neg.shape}."
        )
    if neg.size and (neg.min() < 0 or neg.max() >= num_nodes):
        raise FileFormatError(f"{path}: target_node_neg has node ids outside [0, {num_nodes}).")
    return positives, torch.from_numpy(np.ascontiguousarray(neg, dtype=np.int64))


def _aligned(values: np.ndarray, pairs: torch.Tensor, path: Path, dtype: torch.dtype) -> torch.Tensor:
    """Per-edge values (weights, years) checked to have one entry per pair."""
    values = np.asarray(values).reshape(-1)
    if values.size != pairs.shape[1]:
        raise FileFormatError(
            f"{path}: {values.size} per-edge values for {pairs.shape[1]} edges; the files do not "
            "match."
        )
    return torch.from_numpy(np.ascontiguousarray(values)).to(dtype)


def _node_features(path: Path, num_nodes: int) -> torch.Tensor:
    x = _read_csv(path, np.float32)
    if x.shape[0] != num_nodes:
        raise FileFormatError(f"{path}: {x.shape[0]} feature rows for {num_nodes} nodes.")
    return torch.from_numpy(x)
