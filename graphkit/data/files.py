"""Read and write user graph files: edge lists, MATLAB ``.mat`` and numpy ``.npz``.

:func:`load_file` picks the format from the file suffix and returns the canonical
:class:`graphkit.graph.Graph` (built by :func:`graphkit.graph.as_graph`, so duplicates are merged
and undirected graphs symmetrised exactly as for every other input).

Edge lists (``.txt``, ``.csv``, ``.tsv``, ``.edges``, ``.el``) hold one edge per line, ``src dst``
or ``src dst weight``; every line has the same number of columns. Text after the comment
character and blank lines are skipped. Node ids that are all non-negative integers are used as
node indices (``num_nodes = max id + 1``); otherwise every id is a label, nodes are numbered in
order of first appearance and :attr:`Graph.node_labels` maps index to label.

The numeric case is parsed by pandas' C reader (millions of lines per second). Only when that
fast path meets something it cannot vouch for does a line-by-line parser run, which either
parses the file or raises :class:`~graphkit.errors.FileFormatError` naming the file, the 1-based
line number and the line's content.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import os
import re
from pathlib import Path
from typing import Any, get_args

import numpy as np
import scipy.sparse as sp

from graphkit.errors import (
    DatasetError,
    DatasetNotFoundError,
    FileFormatError,
    GraphInputError,
)
from graphkit.graph import Graph, SelfLoops, as_graph, matrix_edges

__all__ = ["EDGE_LIST_SUFFIXES", "load_file", "save_edge_list"]

EDGE_LIST_SUFFIXES = (".txt", ".csv", ".tsv", ".edges", ".el")
_SUFFIX_DELIMITERS = {".csv": ",", ".tsv": "\t"}
_HEADERS = (("source", "target"), ("source", "target", "weight"))
# First line written by save_edge_list; it records isolated nodes past the largest id.
_MARKER = "graphkit edge list:"
_MARKER_NUM_NODES = re.compile(re.escape(_MARKER) + r"\s*num_nodes=(\d+)")
_INT_ID = re.compile(r"[+-]?[0-9]+")
# Numeric ids index a dense array of nodes; larger ids are almost surely not indices.
_MAX_NODE_ID = 2**31 - 1
_SHOWN_CHARS = 200


@dataclasses.dataclass
class _Edges:
    """Parsed edges before canonicalisation."""

    rows: np.ndarray
    cols: np.ndarray
    weights: np.ndarray | None
    num_nodes: int
    labels: tuple[str, ...] | None = None


def load_file(
    path: str | os.PathLike,
    *,
    directed: bool = False,
    weighted: bool | None = None,
    delimiter: str | None = None,
    comment: str | None = "#",
    self_loops: SelfLoops = "keep",
    key: str | None = None,
) -> Graph:
    """Load a graph file into the canonical :class:`~graphkit.graph.Graph`.

    Formats, chosen by suffix:

    * edge lists ``.txt .csv .tsv .edges .el``: ``src dst [weight]`` per line. The delimiter is
      a comma for ``.csv``, a tab for ``.tsv`` and any run of whitespace otherwise. Files with an
      explicit delimiter (``.csv``, ``.tsv`` or ``delimiter=``) may start with the header
      ``source,target`` or ``source,target,weight`` (case-insensitive). A first line
      ``# graphkit edge list: num_nodes=N`` (written by :func:`save_edge_list`) sets the number
      of nodes, so isolated nodes survive a round trip (numeric ids only).
    * ``.mat`` (MATLAB ≤ 7.2, read with :func:`scipy.io.loadmat`): the adjacency matrix stored
      under ``key``, or else the file's only square sparse matrix.
    * ``.npz``: a :func:`scipy.sparse.save_npz` matrix, or arrays ``edge_index`` (``[2, E]``
      integers) with optional ``edge_weight`` (``[E]``) and ``num_nodes`` (scalar).

    Args:
        path: the file.
        directed: keep edge directions (default ``False``: symmetrise, see
            :func:`graphkit.graph.as_graph`).
        weighted: ``None`` (default) keeps weights when the file has them (a third edge-list
            column, an ``edge_weight`` array, matrix values other than 1); ``True`` requires
            them; ``False`` drops them (an edge-list weight column is still validated).
        delimiter: one character separating edge-list columns; default from the suffix.
        comment: one character starting a comment in edge lists (default ``'#'``), or ``None``.
        self_loops: ``'keep'`` (default), ``'remove'`` or ``'error'``.
        key: the variable holding the adjacency matrix in a ``.mat`` file.

    Returns:
        The canonical graph; ``node_labels`` holds the original ids when they are not all
        non-negative integers.

    Raises:
        DatasetNotFoundError: ``path`` does not exist.
        DatasetError: an argument is invalid or does not apply to this format.
        FileFormatError: the file is malformed; for edge lists the message names the file, the
            1-based line number and the line.
    """
    path = Path(path)
    if self_loops not in get_args(SelfLoops):
        raise DatasetError(f"self_loops={self_loops!r} is not one of {get_args(SelfLoops)}.")
    if not path.is_file():
        raise DatasetNotFoundError(f"graph file {str(path)!r} does not exist (or is not a file).")
    suffix = path.suffix.lower()
    if suffix in EDGE_LIST_SUFFIXES:
        if key is not None:
            raise DatasetError(f"key={key!r} only applies to .mat files; {path.name} is an edge list.")
        edges = _read_edge_list(path, _delimiter(delimiter, suffix), _comment(comment))
    elif suffix in (".mat", ".npz"):
        if delimiter is not None:
            raise DatasetError(f"delimiter= only applies to edge lists; {path.name} is {suffix}.")
        if suffix == ".mat":
            edges = _read_mat(path, key)
        else:
            if key is not None:
                raise DatasetError(f"key={key!r} only applies to .mat files; {path.name} is .npz.")
            edges = _read_npz(path)
    else:
        raise FileFormatError(
            f"{path}: unsupported suffix {suffix!r}; expected one of "
            f"{', '.join(EDGE_LIST_SUFFIXES)}, .mat, .npz (rename the file or convert it)."
        )
    weights = edges.weights
    if weighted is True and weights is None:
        raise FileFormatError(
            f"{path}: weighted=True but the file holds no edge weights; "
            "add a weight column/array or pass weighted=None."
        )
    if weighted is False:
        weights = None
    try:
        graph = as_graph(
            np.stack([edges.rows, edges.cols]),
            edge_weight=weights,
            num_nodes=edges.num_nodes,
            directed=directed,
            self_loops=self_loops,
        )
    except GraphInputError as err:
        raise FileFormatError(f"{path}: {err}") from err
    if edges.labels is not None:
        graph = dataclasses.replace(graph, node_labels=edges.labels)
    return graph


def save_edge_list(graph: Any, path: str | os.PathLike, *, delimiter: str | None = None) -> Path:
    """Write ``graph`` as an edge list that :func:`load_file` reads back unchanged.

    The first line is the comment ``# graphkit edge list: num_nodes=N, directed=..``; then one
    ``src dst [weight]`` line per edge: each undirected edge once (``src <= dst``), every stored
    edge of a directed graph. Weights are written with ``repr`` precision, so they round-trip
    exactly. Node labels, when the graph has them, are written with ``str``; a labelled graph
    loses its isolated nodes, and labels that all look like non-negative integers are read back
    as node ids.

    Args:
        graph: any input accepted by :func:`graphkit.graph.as_graph`.
        path: the output file; its suffix picks the default delimiter like :func:`load_file`.
        delimiter: one character between columns (default from the suffix, a space otherwise).

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        DatasetError: a label is empty or contains the delimiter, whitespace, ``#`` or a newline.
    """
    import pandas as pd

    path = Path(path)
    g = as_graph(graph)
    sep = _delimiter(delimiter, path.suffix.lower()) or " "
    rows, cols = g.row_ids(), g.indices
    keep = np.ones(rows.shape[0], dtype=bool) if g.directed else rows <= cols
    columns: dict[str, np.ndarray] = {"source": rows[keep], "target": cols[keep]}
    if g.weights is not None:
        columns["weight"] = g.weights[keep]
    marker = f"# {_MARKER} num_nodes={g.num_nodes}, directed={str(g.directed).lower()}"
    if g.node_labels is not None:
        labels = np.array([str(label) for label in g.node_labels], dtype=object)
        for label in labels:
            if not label or label != label.strip() or any(c in label for c in (sep, "#", "\n")) or (
                sep == " " and any(c.isspace() for c in label)
            ):
                raise DatasetError(
                    f"save_edge_list: node label {label!r} cannot be written to an edge list "
                    f"with delimiter {sep!r}; relabel the nodes (e.g. networkx.relabel_nodes)."
                )
        columns["source"] = labels[columns["source"]]
        columns["target"] = labels[columns["target"]]
        marker = f"# {_MARKER} labelled, directed={str(g.directed).lower()}"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(marker + "\n")
        pd.DataFrame(columns).to_csv(
            handle, sep=sep, header=False, index=False, quoting=csv.QUOTE_NONE, lineterminator="\n"
        )
    return path


def _delimiter(delimiter: str | None, suffix: str) -> str | None:
    """The column delimiter, ``None`` meaning any run of whitespace."""
    if delimiter is None:
        return _SUFFIX_DELIMITERS.get(suffix)
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in "\n\r":
        raise DatasetError(
            f"delimiter must be one character (such as ',' or '\\t') or None for whitespace; "
            f"got {delimiter!r}."
        )
    return delimiter


def _comment(comment: str | None) -> str | None:
    if comment is not None and (not isinstance(comment, str) or len(comment) != 1):
        raise DatasetError(f"comment must be one character (such as '#') or None; got {comment!r}.")
    return comment


def _read_edge_list(path: Path, sep: str | None, comment: str | None) -> _Edges:
    num_nodes, header_line = _prescan(path, sep, comment)
    edges = _read_fast(path, sep, comment, header_line)
    if edges is None:
        edges = _read_slow(path, sep, comment, header_line)
    if num_nodes is not None and edges.labels is None:
        if num_nodes < edges.num_nodes:
            raise FileFormatError(
                f"{path}, line 1: num_nodes={num_nodes} is smaller than the largest node id + 1 "
                f"({edges.num_nodes}); fix or delete that line."
            )
        edges.num_nodes = num_nodes
    return edges


def _strip_comment(line: str, comment: str | None) -> str:
    if comment is not None:
        line = line.split(comment, 1)[0]
    return line.strip()


def _fields(text: str, sep: str | None) -> list[str]:
    return text.split() if sep is None else [field.strip() for field in text.split(sep)]


def _prescan(path: Path, sep: str | None, comment: str | None) -> tuple[int | None, int | None]:
    """``(num_nodes from a graphkit marker line, line number of a header)`` (or ``None``s)."""
    num_nodes = None
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        for lineno, line in enumerate(handle, start=1):
            if lineno == 1 and comment is not None and line.lstrip().startswith(comment):
                found = _MARKER_NUM_NODES.search(line)
                num_nodes = int(found.group(1)) if found else None
            text = _strip_comment(line, comment)
            if not text:
                continue
            fields = tuple(field.lower() for field in _fields(text, sep))
            is_header = sep is not None and fields in _HEADERS
            return num_nodes, lineno if is_header else None
    return num_nodes, None


def _read_fast(path: Path, sep: str | None, comment: str | None, header_line: int | None):
    """Vectorised parse with pandas; ``None`` when the file needs the line-by-line parser."""
    import pandas as pd

    options = dict(
        sep=r"\s+" if sep is None else sep,
        header=None,
        comment=comment,
        skip_blank_lines=True,
        skipinitialspace=True,
        skiprows=header_line or 0,
        quoting=csv.QUOTE_NONE,
        encoding="utf-8",
        engine="c",
    )
    try:
        frame = pd.read_csv(path, **options)
        if frame.shape[1] not in (2, 3):
            return None
        src, dst = frame[0].to_numpy(), frame[1].to_numpy()
        numeric = all(np.issubdtype(a.dtype, np.integer) for a in (src, dst)) and (
            src.size == 0 or min(src.min(), dst.min()) >= 0
        )
        if not numeric:
            frame = pd.read_csv(path, dtype=str, na_filter=False, **options)
            if frame.shape[1] not in (2, 3):
                return None
            src = np.array([s.strip() for s in frame[0].to_numpy()], dtype=object)
            dst = np.array([s.strip() for s in frame[1].to_numpy()], dtype=object)
            if src.size and (not src.all() or not dst.all()):  # an empty id
                return None
        weights = None
        if frame.shape[1] == 3:
            weights = frame[2].to_numpy()
            if weights.dtype == object:
                weights = weights.astype(np.float64)
            if not np.issubdtype(weights.dtype, np.number) or not np.all(np.isfinite(weights)):
                return None
            weights = weights.astype(np.float64)
    except ValueError:  # pandas ParserError/EmptyDataError, bad UTF-8, unparsable weights
        return None
    if numeric:
        src, dst = src.astype(np.int64), dst.astype(np.int64)
        if src.size and max(src.max(), dst.max()) > _MAX_NODE_ID:
            return None  # the line-by-line parser reports the offending line
        num_nodes = int(max(src.max(initial=-1), dst.max(initial=-1))) + 1
        edges = _Edges(src, dst, weights, num_nodes)
    else:
        codes, uniques = pd.factorize(np.column_stack([src, dst]).ravel())
        codes = codes.reshape(-1, 2).astype(np.int64)
        labels = tuple(str(label) for label in uniques)
        edges = _Edges(codes[:, 0].copy(), codes[:, 1].copy(), weights, len(labels), labels)
    return edges if edges.rows.size else None


def _read_slow(path: Path, sep: str | None, comment: str | None, header_line: int | None) -> _Edges:
    """Line-by-line parser: the reference behaviour, and the one that reports bad lines."""
    src: list[str] = []
    dst: list[str] = []
    weights: list[float] = []
    line_numbers: list[int] = []
    num_columns = first_line = None

    def fail(lineno: int, raw: str, problem: str) -> FileFormatError:
        shown = raw.rstrip("\r\n")
        if len(shown) > _SHOWN_CHARS:
            shown = shown[:_SHOWN_CHARS] + "..."
        return FileFormatError(f"{path}, line {lineno}: {problem}: {shown!r}")

    with path.open("rb") as handle:
        for lineno, raw_bytes in enumerate(handle, start=1):
            try:
                raw = raw_bytes.decode("utf-8")
            except UnicodeDecodeError:
                raise fail(lineno, repr(raw_bytes), "not valid UTF-8 text") from None
            text = _strip_comment(raw, comment)
            if not text or lineno == header_line:
                continue
            fields = _fields(text, sep)
            if num_columns is None:
                if len(fields) not in (2, 3):
                    raise fail(
                        lineno, raw,
                        f"expected 2 columns (src dst) or 3 (src dst weight), found {len(fields)}",
                    )
                num_columns, first_line = len(fields), lineno
            elif len(fields) != num_columns:
                raise fail(
                    lineno, raw,
                    f"expected {num_columns} columns like line {first_line}, found {len(fields)}",
                )
            if not fields[0] or not fields[1]:
                raise fail(lineno, raw, "empty node id")
            if num_columns == 3:
                try:
                    weight = float(fields[2])
                except ValueError:
                    raise fail(lineno, raw, f"weight {fields[2]!r} is not a number") from None
                if not math.isfinite(weight):
                    raise fail(lineno, raw, f"weight {fields[2]!r} is not finite")
                weights.append(weight)
            src.append(fields[0])
            dst.append(fields[1])
            line_numbers.append(lineno)
    if not src:
        raise FileFormatError(f"{path}: the file holds no edges (only blank or comment lines).")
    weight_array = np.array(weights, dtype=np.float64) if num_columns == 3 else None
    tokens = src + dst
    if all(_INT_ID.fullmatch(t) and int(t) >= 0 for t in tokens):
        src_ids, dst_ids = [int(t) for t in src], [int(t) for t in dst]
        too_large = (i for i, pair in enumerate(zip(src_ids, dst_ids, strict=True)) if max(pair) > _MAX_NODE_ID)
        edge = next(too_large, None)
        if edge is not None:
            lineno = line_numbers[edge]
            raise fail(
                lineno, _line(path, lineno),
                f"node id larger than {_MAX_NODE_ID}; renumber the nodes 0..n-1 "
                "(numeric ids index a dense array of nodes)",
            )
        rows, cols = np.array(src_ids, dtype=np.int64), np.array(dst_ids, dtype=np.int64)
        return _Edges(rows, cols, weight_array, int(max(rows.max(), cols.max())) + 1)
    index: dict[str, int] = {}
    for s, d in zip(src, dst, strict=True):
        index.setdefault(s, len(index))
        index.setdefault(d, len(index))
    rows = np.array([index[t] for t in src], dtype=np.int64)
    cols = np.array([index[t] for t in dst], dtype=np.int64)
    return _Edges(rows, cols, weight_array, len(index), tuple(index))


def _line(path: Path, lineno: int) -> str:
    """Line ``lineno`` (1-based) of a text file."""
    with path.open("r", encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if number == lineno:
                return line
    return ""


def _edges_from_matrix(path: Path, matrix: Any, what: str) -> _Edges:
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise FileFormatError(
            f"{path}: {what} has shape {tuple(matrix.shape)}; an adjacency matrix must be square."
        )
    return _Edges(*matrix_edges(matrix), int(matrix.shape[0]))


def _read_mat(path: Path, key: str | None) -> _Edges:
    import scipy.io

    try:
        contents = scipy.io.loadmat(path)
    except NotImplementedError as err:  # MATLAB 7.3 files are HDF5
        raise FileFormatError(
            f"{path}: MATLAB 7.3 (HDF5) files are not supported; re-save it with "
            "save(..., '-v7') or convert it to .npz."
        ) from err
    except (ValueError, TypeError, OSError) as err:
        raise FileFormatError(f"{path}: not a readable MATLAB .mat file ({err}).") from err
    variables = {name: value for name, value in contents.items() if not name.startswith("__")}
    described = ", ".join(
        f"{name} ({'sparse' if sp.issparse(v) else type(v).__name__} "
        f"{tuple(getattr(v, 'shape', ()))})"
        for name, v in variables.items()
    ) or "none"
    if key is not None:
        if key not in variables:
            raise FileFormatError(f"{path}: no variable {key!r}; the file holds: {described}.")
        value = variables[key]
        is_numeric = isinstance(value, np.ndarray) and (
            np.issubdtype(value.dtype, np.number) or value.dtype == bool
        )
        if not (sp.issparse(value) or is_numeric):
            raise FileFormatError(
                f"{path}: variable {key!r} is not a numeric matrix; the file holds: {described}."
            )
        return _edges_from_matrix(path, value, f"variable {key!r}")
    square = [
        name for name, v in variables.items() if sp.issparse(v) and v.shape[0] == v.shape[1]
    ]
    if len(square) != 1:
        problem = "no square sparse matrix" if not square else "several square sparse matrices"
        raise FileFormatError(
            f"{path}: {problem}; pass key= naming the adjacency matrix. The file holds: "
            f"{described}."
        )
    return _edges_from_matrix(path, variables[square[0]], f"variable {square[0]!r}")


def _read_npz(path: Path) -> _Edges:
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (ValueError, OSError) as err:
        raise FileFormatError(f"{path}: not a readable .npz archive ({err}).") from err
    if {"format", "shape"} <= arrays.keys():
        try:
            matrix = sp.load_npz(path)
        except (ValueError, KeyError) as err:
            raise FileFormatError(f"{path}: malformed scipy.sparse .npz ({err}).") from err
        return _edges_from_matrix(path, matrix, "the sparse matrix")
    if "edge_index" not in arrays:
        raise FileFormatError(
            f"{path}: expected a scipy.sparse.save_npz file or an 'edge_index' array; found "
            f"arrays: {', '.join(arrays) or 'none'}."
        )
    edge_index = arrays["edge_index"]
    if edge_index.ndim != 2 or edge_index.shape[0] != 2 or not np.issubdtype(
        edge_index.dtype, np.integer
    ):
        raise FileFormatError(
            f"{path}: 'edge_index' must be an integer array of shape [2, E]; got dtype "
            f"{edge_index.dtype} and shape {list(edge_index.shape)}."
        )
    rows, cols = edge_index.astype(np.int64)
    weights = None
    if "edge_weight" in arrays:
        weights = arrays["edge_weight"]
        if weights.shape != (rows.shape[0],) or not np.issubdtype(weights.dtype, np.number):
            raise FileFormatError(
                f"{path}: 'edge_weight' must be a numeric array of shape [{rows.shape[0]}]; got "
                f"dtype {weights.dtype} and shape {list(weights.shape)}."
            )
        weights = weights.astype(np.float64)
    num_nodes = int(max(rows.max(initial=-1), cols.max(initial=-1))) + 1
    if "num_nodes" in arrays:
        value = arrays["num_nodes"]
        if value.size != 1 or not np.issubdtype(value.dtype, np.integer):
            raise FileFormatError(
                f"{path}: 'num_nodes' must be one integer; got {value!r}."
            )
        num_nodes = int(value.reshape(()))
    return _Edges(rows, cols, weights, num_nodes)
