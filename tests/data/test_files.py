"""Tests of graphkit.data.files: edge lists, .mat and .npz files, and their error messages."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphkit.data.files import _read_fast, _read_slow, load_file, save_edge_list
from graphkit.errors import DatasetError, DatasetNotFoundError, FileFormatError
from graphkit.graph import as_graph


def _dense(graph) -> np.ndarray:
    return graph.to_scipy().toarray()


def _same_graph(a, b) -> None:
    assert a.num_nodes == b.num_nodes
    assert a.directed == b.directed
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    if a.weights is None:
        assert b.weights is None
    else:
        np.testing.assert_array_equal(a.weights, b.weights)  # exact: repr precision


# --------------------------------------------------------------------------- edge lists


def test_numeric_edge_list_exact(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("0 1\n1\t2\n  2   3  \n")
    g = load_file(path)
    expected = np.zeros((4, 4))
    for u, v in [(0, 1), (1, 2), (2, 3)]:
        expected[u, v] = expected[v, u] = 1
    np.testing.assert_array_equal(_dense(g), expected)
    assert g.node_labels is None and not g.weighted and not g.directed


def test_directed_keeps_direction(tmp_path):
    path = tmp_path / "g.edges"
    path.write_text("0 1\n2 1\n")
    g = load_file(path, directed=True)
    assert g.directed
    np.testing.assert_array_equal(_dense(g), [[0, 1, 0], [0, 0, 0], [0, 1, 0]])


def test_string_ids_become_labels_in_order_of_appearance(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("alice bob\nbob carol\ncarol alice\ndave bob\n")
    g = load_file(path)
    assert g.node_labels == ("alice", "bob", "carol", "dave")
    np.testing.assert_array_equal(
        _dense(g), [[0, 1, 1, 0], [1, 0, 1, 1], [1, 1, 0, 0], [0, 1, 0, 0]]
    )


@pytest.mark.parametrize(
    "text, labels",
    [
        ("-1 0\n0 1\n", ("-1", "0", "1")),  # a negative id: all ids are labels
        ("1.0 2\n", ("1.0", "2")),  # not an integer
        ("7 x\n", ("7", "x")),  # mixed
    ],
)
def test_ids_that_are_not_all_non_negative_ints_are_labels(tmp_path, text, labels):
    path = tmp_path / "g.txt"
    path.write_text(text)
    assert load_file(path).node_labels == labels


def test_numeric_ids_are_indices_with_gaps(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("5 2\n")
    g = load_file(path)
    assert g.num_nodes == 6 and g.node_labels is None
    assert g.indices.tolist() == [5, 2]


def test_weight_column(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("0 1 2.5\n1 2 0.125\n2 0 -3\n")
    g = load_file(path)
    assert g.weighted
    np.testing.assert_array_equal(
        _dense(g), [[0, 2.5, -3], [2.5, 0, 0.125], [-3, 0.125, 0]]
    )
    assert not load_file(path, weighted=False).weighted
    assert load_file(path, weighted=True).weighted


def test_weighted_true_without_weights_is_an_error(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("0 1\n")
    with pytest.raises(FileFormatError, match="weighted=True"):
        load_file(path, weighted=True)


def test_comments_blank_lines_and_trailing_comments(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("# header comment\n\n0 1 # trailing\n   \n# another\n1 2\n\n")
    np.testing.assert_array_equal(_dense(load_file(path)), _dense(as_graph(np.array([[0, 1], [1, 2]]))))
    other = tmp_path / "h.txt"
    other.write_text("% matrix-market style comment\n0 1\n")
    assert load_file(other, comment="%").num_edges == 2


@pytest.mark.parametrize(
    "name, text",
    [
        ("g.csv", "source,target,weight\n0, 1,2.0\n1,2,3.0\n"),
        ("g.csv", "# exported\nSOURCE,Target,Weight\n0,1,2.0\n1,2,3.0\n"),
        ("g.tsv", "source\ttarget\tweight\n0\t1\t2.0\n1\t2\t3.0\n"),
        ("g.el", "0;1;2.0\n1;2;3.0\n"),
    ],
)
def test_delimiters_and_headers(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    g = load_file(path, delimiter=";" if name == "g.el" else None)
    np.testing.assert_array_equal(_dense(g), [[0, 2, 0], [2, 0, 3], [0, 3, 0]])


def test_header_not_accepted_for_whitespace_files(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("source target\n0 1\n")
    assert load_file(path).node_labels == ("source", "target", "0", "1")


def test_self_loops_option(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("0 0\n0 1\n")
    assert load_file(path).num_edges == 3
    assert load_file(path, self_loops="remove").num_edges == 2
    with pytest.raises(FileFormatError, match=r"g\.txt.*self-loop"):
        load_file(path, self_loops="error")
    with pytest.raises(DatasetError, match="self_loops"):
        load_file(path, self_loops="drop")


@pytest.mark.parametrize(
    "text, line, problem",
    [
        ("0 1\n1 2 3\n", 2, "expected 2 columns"),
        ("0 1 1.0\n1 2\n", 2, "expected 3 columns"),
        ("# c\n\n0\n", 3, "expected 2 columns"),
        ("0 1 2 3\n", 1, "found 4"),
        ("0 1 1\n1 2 heavy\n", 2, "not a number"),
        ("0 1 1\n\n# c\n1 2 nan\n", 4, "not finite"),
        ("0 1 1\n1 2 inf\n", 2, "not finite"),
        ("0 1 1\n1 2 -inf\n", 2, "not finite"),
        ("a b\nb c d e\n", 2, "found 4"),
        ("0 1\n1 99999999999\n", 2, "larger than"),
    ],
)
def test_malformed_lines_name_file_line_and_content(tmp_path, text, line, problem):
    path = tmp_path / "bad_graph.txt"
    path.write_text(text)
    with pytest.raises(FileFormatError) as info:
        load_file(path)
    message = str(info.value)
    content = text.splitlines()[line - 1]
    assert "bad_graph.txt" in message
    assert f"line {line}:" in message
    assert problem in message
    assert repr(content) in message


@pytest.mark.parametrize("text", [("0,1\n1,\n"), ("0,1,1\n1,2,\n"), (",1\n")])
def test_empty_fields_in_csv(tmp_path, text):
    path = tmp_path / "g.csv"
    path.write_text(text)
    with pytest.raises(FileFormatError, match=r"g\.csv, line"):
        load_file(path)


def test_invalid_utf8_reports_line(tmp_path):
    path = tmp_path / "g.txt"
    path.write_bytes(b"0 1\n\xff\xfe 2\n")
    with pytest.raises(FileFormatError, match="line 2: not valid UTF-8"):
        load_file(path)


@pytest.mark.parametrize("text", ["", "# only a comment\n\n"])
def test_file_without_edges(tmp_path, text):
    path = tmp_path / "g.txt"
    path.write_text(text)
    with pytest.raises(FileFormatError, match="no edges"):
        load_file(path)


_BAD_LINES = {
    False: ["7", "1 2 3", "a b c d", "1"],
    True: ["7", "1 2", "1 2 x", "1 2 nan", "1 2 -inf", "1 2 3 4"],
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kinds=st.lists(st.sampled_from(["edge", "blank", "comment"]), max_size=30),
    bad_at=st.integers(min_value=0, max_value=30),
    weighted=st.booleans(),
    data=st.data(),
)
def test_bad_line_number_property(tmp_path, kinds, bad_at, weighted, data):
    bad = data.draw(st.sampled_from(_BAD_LINES[weighted]))
    first = "0 1 1.5" if weighted else "0 1"  # line 1 fixes the column count
    lines = [first]
    for i, kind in enumerate(kinds):
        if kind == "edge":
            lines.append(f"{i} {i + 1} 2.5" if weighted else f"{i} {i + 1}")
        else:
            lines.append("" if kind == "blank" else "# note")
    position = 1 + min(bad_at, len(kinds))
    lines.insert(position, bad)
    path = tmp_path / "prop.txt"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(FileFormatError) as info:
        load_file(path)
    message = str(info.value)
    assert "prop.txt" in message
    assert f"line {position + 1}: " in message
    assert message.endswith(repr(bad))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    edges=st.lists(
        st.tuples(
            st.one_of(st.integers(0, 40), st.sampled_from(["a", "b", "node-1", "-3"])),
            st.one_of(st.integers(0, 40), st.sampled_from(["a", "b", "node-1", "-3"])),
            st.floats(-1e6, 1e6, allow_nan=False),
        ),
        min_size=1,
        max_size=40,
    ),
    weighted=st.booleans(),
    suffix=st.sampled_from([".txt", ".csv"]),
)
def test_fast_and_line_by_line_parsers_agree(tmp_path, edges, weighted, suffix):
    sep = "," if suffix == ".csv" else " "
    lines = ["# comment", ""]
    for u, v, w in edges:
        lines.append(sep.join([str(u), str(v)] + ([repr(w)] if weighted else [])))
    path = tmp_path / f"agree{suffix}"
    path.write_text("\n".join(lines) + "\n")
    sep_arg = "," if suffix == ".csv" else None
    fast = _read_fast(path, sep_arg, "#", None)
    slow = _read_slow(path, sep_arg, "#", None)
    assert fast is not None
    np.testing.assert_array_equal(fast.rows, slow.rows)
    np.testing.assert_array_equal(fast.cols, slow.cols)
    assert fast.num_nodes == slow.num_nodes
    assert fast.labels == slow.labels
    if weighted:
        np.testing.assert_array_equal(fast.weights, slow.weights)
    else:
        assert fast.weights is None and slow.weights is None


def test_large_numeric_file_matches_reference(tmp_path):
    rng = np.random.default_rng(0)
    edges = rng.integers(0, 5000, size=(50_000, 2))
    weights = rng.integers(1, 100, size=50_000) / 8  # exact in binary and in decimal
    path = tmp_path / "big.txt"
    path.write_text("".join(f"{u} {v} {w}\n" for (u, v), w in zip(edges, weights, strict=True)))
    g = load_file(path, directed=True)
    reference = sp.csr_matrix((weights, (edges[:, 0], edges[:, 1])), shape=(5000, 5000))
    assert abs(g.to_scipy() - reference).max() == 0


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("suffix", [".txt", ".csv", ".tsv"])
def test_round_trip(tmp_path, directed, weighted, suffix):
    rng = np.random.default_rng(1)
    edge_index = rng.integers(0, 30, size=(2, 80))
    weights = rng.random(80) * 10 if weighted else None
    # num_nodes=35: trailing isolated nodes must survive the round trip
    g = as_graph(edge_index, edge_weight=weights, num_nodes=35, directed=directed)
    path = save_edge_list(g, tmp_path / f"g{suffix}")
    _same_graph(g, load_file(path, directed=directed))


def test_round_trip_labelled_networkx(tmp_path):
    graph = nx.Graph()
    graph.add_edge("paris", "lyon", weight=2.0)
    graph.add_edge("lyon", "nice", weight=0.5)
    graph.add_edge("nice", "nice", weight=1.0)
    g = as_graph(graph)
    loaded = load_file(save_edge_list(g, tmp_path / "cities.csv"))
    assert set(loaded.node_labels) == {"paris", "lyon", "nice"}
    index = {label: i for i, label in enumerate(loaded.node_labels)}
    dense = _dense(loaded)
    for u, v, w in graph.edges(data="weight"):
        assert dense[index[u], index[v]] == w == dense[index[v], index[u]]
    assert loaded.num_edges == g.num_edges


def test_save_rejects_labels_with_the_delimiter(tmp_path):
    g = as_graph(nx.Graph([("new york", "boston")]))
    with pytest.raises(DatasetError, match="new york"):
        save_edge_list(g, tmp_path / "g.txt")
    loaded = load_file(save_edge_list(g, tmp_path / "g.csv"))  # fine with commas
    assert set(loaded.node_labels) == {"new york", "boston"}


def test_marker_smaller_than_ids_is_an_error(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("# graphkit edge list: num_nodes=2, directed=false\n0 5\n")
    with pytest.raises(FileFormatError, match="line 1: num_nodes=2"):
        load_file(path)


# --------------------------------------------------------------------------- .mat and .npz


def _adjacency() -> sp.csr_matrix:
    return sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 2], [0, 2, 0]], dtype=float))


def test_mat_single_sparse_matrix(tmp_path):
    path = tmp_path / "g.mat"
    scipy.io.savemat(path, {"net": _adjacency()})
    g = load_file(path)
    np.testing.assert_array_equal(_dense(g), _adjacency().toarray())
    assert g.weighted


def test_mat_picks_the_square_matrix_and_honours_key(tmp_path):
    path = tmp_path / "g.mat"
    binary = sp.csr_matrix(_adjacency().toarray() > 0)
    labels = sp.csr_matrix(np.eye(3, 2))
    scipy.io.savemat(path, {"network": binary, "group": labels})
    g = load_file(path)  # only one square sparse matrix
    assert not g.weighted
    np.testing.assert_array_equal(_dense(g), binary.toarray())
    with pytest.raises(FileFormatError, match="must be square"):
        load_file(path, key="group")


def test_mat_ambiguous_and_missing_keys(tmp_path):
    path = tmp_path / "g.mat"
    scipy.io.savemat(path, {"a": _adjacency(), "b": _adjacency(), "dense": np.eye(3)})
    with pytest.raises(FileFormatError, match=r"several square sparse.*key=.*a \(sparse"):
        load_file(path)
    np.testing.assert_array_equal(_dense(load_file(path, key="b")), _adjacency().toarray())
    np.testing.assert_array_equal(_dense(load_file(path, key="dense")), np.eye(3))
    with pytest.raises(FileFormatError, match="no variable 'c'.*a \\(sparse"):
        load_file(path, key="c")


def test_mat_without_sparse_matrix(tmp_path):
    path = tmp_path / "g.mat"
    scipy.io.savemat(path, {"features": np.ones((3, 2))})
    with pytest.raises(FileFormatError, match="no square sparse matrix.*features"):
        load_file(path)


def test_npz_scipy_layout(tmp_path):
    path = tmp_path / "g.npz"
    sp.save_npz(path, _adjacency().tocoo())
    np.testing.assert_array_equal(_dense(load_file(path)), _adjacency().toarray())


def test_npz_edge_index_layout(tmp_path):
    path = tmp_path / "g.npz"
    np.savez(path, edge_index=np.array([[0, 1], [1, 2]]), edge_weight=np.array([0.5, 4.0]),
             num_nodes=np.array(5))
    g = load_file(path)
    assert g.num_nodes == 5 and g.weighted
    assert _dense(g)[0, 1] == 0.5 and _dense(g)[2, 1] == 4.0
    unweighted = tmp_path / "u.npz"
    np.savez(unweighted, edge_index=np.array([[0], [3]]))
    g = load_file(unweighted, directed=True)
    assert g.num_nodes == 4 and not g.weighted and g.num_edges == 1


@pytest.mark.parametrize(
    "arrays, match",
    [
        ({"edges": np.zeros((2, 2), dtype=int)}, "found arrays: edges"),
        ({"edge_index": np.zeros((3, 2), dtype=int)}, r"shape \[2, E\]"),
        ({"edge_index": np.zeros((2, 2))}, "integer array"),
        ({"edge_index": np.zeros((2, 2), dtype=int), "edge_weight": np.ones(3)}, "edge_weight"),
        ({"edge_index": np.array([[0], [4]]), "num_nodes": np.array(3)}, "out of range"),
    ],
)
def test_npz_errors(tmp_path, arrays, match):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(FileFormatError, match=match):
        load_file(path)


# --------------------------------------------------------------------------- arguments


def test_missing_file_and_unknown_suffix(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="does not exist"):
        load_file(tmp_path / "nope.txt")
    path = tmp_path / "g.gml"
    path.write_text("graph [ ]")
    with pytest.raises(FileFormatError, match="unsupported suffix '.gml'"):
        load_file(path)


def test_argument_errors(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("0 1\n")
    with pytest.raises(DatasetError, match="delimiter"):
        load_file(path, delimiter="::")
    with pytest.raises(DatasetError, match="comment"):
        load_file(path, comment="//")
    with pytest.raises(DatasetError, match="key="):
        load_file(path, key="net")
    npz = tmp_path / "g.npz"
    np.savez(npz, edge_index=np.array([[0], [1]]))
    with pytest.raises(DatasetError, match="delimiter="):
        load_file(npz, delimiter=",")
