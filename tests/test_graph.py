"""Tests of graphkit.graph: every input type, the canonicalisation rules and the errors."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_geometric.data import Data

from graphkit import Graph, as_graph
from graphkit.errors import GraphInputError, GraphkitError

# A hand-made weighted graph on 5 nodes; node 4 is isolated. Each undirected edge listed once.
EDGES = [(0, 1, 2.0), (1, 2, 0.5), (2, 3, 3.0), (0, 2, 1.5)]
N = 5
LABELS = ("a", "b", "c", "d", "e")
# Its canonical (undirected) CSR, written out by hand.
INDPTR = [0, 2, 4, 7, 8, 8]
INDICES = [1, 2, 0, 2, 0, 1, 3, 2]
WEIGHTS = [2.0, 1.5, 2.0, 0.5, 1.5, 0.5, 3.0, 3.0]


def _edge_index() -> np.ndarray:
    return np.array([[u for u, _, _ in EDGES], [v for _, v, _ in EDGES]], dtype=np.int64)


def _weights() -> np.ndarray:
    return np.array([w for _, _, w in EDGES])


def _dense() -> np.ndarray:
    dense = np.zeros((N, N))
    for u, v, w in EDGES:
        dense[u, v] = dense[v, u] = w
    return dense


def _networkx(weighted: bool, directed: bool = False) -> nx.Graph:
    graph = nx.DiGraph() if directed else nx.Graph()
    graph.add_nodes_from(LABELS)
    for u, v, w in EDGES:
        pairs = [(u, v), (v, u)] if directed else [(u, v)]
        for a, b in pairs:
            if weighted:
                graph.add_edge(LABELS[a], LABELS[b], weight=w)
            else:
                graph.add_edge(LABELS[a], LABELS[b])
    return graph


def _weighted_inputs() -> dict[str, tuple[object, dict]]:
    ei, w = _edge_index(), _weights()
    both = np.concatenate([ei, ei[::-1]], axis=1)
    return {
        "pyg edge_weight": (Data(edge_index=torch.from_numpy(ei), edge_weight=torch.tensor(w),
                                 num_nodes=N), {}),
        "pyg edge_attr [E]": (Data(edge_index=torch.from_numpy(ei), edge_attr=torch.tensor(w),
                                   num_nodes=N), {}),
        "pyg edge_attr [E,1]": (Data(edge_index=torch.from_numpy(ei),
                                     edge_attr=torch.tensor(w).view(-1, 1), num_nodes=N), {}),
        "tensor": (torch.from_numpy(ei), {"edge_weight": torch.tensor(w), "num_nodes": N}),
        "tensor both directions": (torch.from_numpy(both),
                                   {"edge_weight": np.concatenate([w, w]), "num_nodes": N}),
        "scipy csr_matrix": (sp.csr_matrix(_dense()), {}),
        "scipy coo_matrix": (sp.coo_matrix(_dense()), {}),
        "scipy csr_array": (sp.csr_array(_dense()), {}),
        "scipy upper triangle": (sp.csr_matrix(np.triu(_dense())), {}),
        "networkx Graph": (_networkx(weighted=True), {}),
        "networkx DiGraph": (_networkx(weighted=True, directed=True), {"directed": False}),
        "numpy (2, E)": (ei, {"edge_weight": w, "num_nodes": N}),
        "numpy (E, 2)": (ei.T.copy(), {"edge_weight": list(w), "num_nodes": N}),
        "numpy dense": (_dense(), {}),
    }


def _unweighted_inputs() -> dict[str, tuple[object, dict]]:
    ei = _edge_index()
    pattern = (_dense() != 0).astype(np.int64)
    return {
        "pyg": (Data(edge_index=torch.from_numpy(ei), num_nodes=N), {}),
        "tensor": (torch.from_numpy(ei), {"num_nodes": N}),
        "scipy csr_matrix": (sp.csr_matrix(pattern), {}),
        "scipy bool coo": (sp.coo_matrix(pattern.astype(bool)), {}),
        "scipy csr_array": (sp.csr_array(pattern), {}),
        "networkx Graph": (_networkx(weighted=False), {}),
        "networkx Graph, weight=None": (_networkx(weighted=True), {"weight": None}),
        "networkx DiGraph": (_networkx(weighted=False, directed=True), {"directed": False}),
        "numpy (2, E)": (ei, {"num_nodes": N}),
        "numpy (E, 2)": (ei.T.copy(), {"num_nodes": N}),
        "numpy dense": (pattern, {}),
        "numpy dense bool": (pattern.astype(bool), {}),
    }


def _csr(graph: Graph) -> tuple[list, list, list | None]:
    weights = None if graph.weights is None else graph.weights.tolist()
    return graph.indptr.tolist(), graph.indices.tolist(), weights


# --------------------------------------------------------------------------- every input type


@pytest.mark.parametrize("name", list(_weighted_inputs()))
def test_weighted_inputs_give_the_same_csr(name):
    graph, kwargs = _weighted_inputs()[name]
    g = as_graph(graph, **kwargs)
    assert _csr(g) == (INDPTR, INDICES, WEIGHTS)
    assert g.num_nodes == N and not g.directed and g.weighted
    assert g.indptr.dtype == np.int64 and g.indices.dtype == np.int64
    assert g.weights.dtype == np.float64
    assert g.num_edges == 8 and g.num_undirected_edges == 4


@pytest.mark.parametrize("name", list(_unweighted_inputs()))
def test_unweighted_inputs_give_the_same_csr(name):
    graph, kwargs = _unweighted_inputs()[name]
    g = as_graph(graph, **kwargs)
    assert _csr(g) == (INDPTR, INDICES, None)
    assert g.num_nodes == N and not g.directed and not g.weighted


def test_networkx_labels_are_kept_in_node_order():
    graph = nx.Graph()
    graph.add_edge("x", "a", weight=4.0)
    graph.add_edge("a", "m", weight=1.0)
    graph.add_node("lonely")
    g = as_graph(graph)
    assert g.node_labels == ("x", "a", "m", "lonely")
    # x=0, a=1, m=2, lonely=3
    assert _csr(g) == ([0, 1, 3, 4, 4], [1, 0, 2, 1], [4.0, 4.0, 1.0, 1.0])


def test_networkx_integer_labels_in_order_give_no_labels_and_others_are_kept():
    assert as_graph(nx.path_graph(3)).node_labels is None
    graph = nx.Graph([(2, 0), (0, 1)])  # nodes in insertion order 2, 0, 1
    g = as_graph(graph)
    assert g.node_labels == (2, 0, 1)
    assert _csr(g) == ([0, 1, 3, 4], [1, 0, 2, 1], None)


def test_networkx_digraph_keeps_direction_by_default():
    graph = nx.DiGraph()
    graph.add_edge("u", "v", weight=2.0)
    g = as_graph(graph)
    assert g.directed and g.node_labels == ("u", "v")
    assert _csr(g) == ([0, 1, 1], [1], [2.0])
    undirected = as_graph(graph, directed=False)
    assert _csr(undirected) == ([0, 1, 2], [1, 0], [2.0, 2.0])


def test_networkx_custom_weight_attribute():
    graph = nx.Graph()
    graph.add_edge(0, 1, cost=7.0, weight=1.0)
    assert as_graph(graph, weight="cost").weights.tolist() == [7.0, 7.0]
    assert as_graph(graph).weights.tolist() == [1.0, 1.0]


def test_networkx_multigraph_parallel_edges_are_summed():
    graph = nx.MultiGraph()
    graph.add_edge(0, 1, weight=1.0)
    graph.add_edge(0, 1, weight=2.5)
    assert _csr(as_graph(graph)) == ([0, 1, 2], [1, 0], [3.5, 3.5])


def test_two_by_two_integer_array_is_read_as_edge_index():
    g = as_graph(np.array([[0, 1], [2, 3]]), directed=True)
    assert _csr(g) == ([0, 1, 2, 2, 2], [2, 3], None)


def test_scipy_explicit_zeros_are_not_edges_and_unit_weights_mean_unweighted():
    matrix = sp.csr_matrix((np.array([1.0, 0.0]), (np.array([0, 1]), np.array([1, 2]))), shape=(3, 3))
    assert matrix.nnz == 2
    g = as_graph(matrix)
    assert _csr(g) == ([0, 1, 2, 2], [1, 0], None)


def test_directed_true_keeps_both_directions_distinct():
    ei = torch.tensor([[0, 1, 1], [1, 0, 2]])
    g = as_graph(ei, edge_weight=torch.tensor([1.0, 3.0, 5.0]), directed=True)
    assert g.directed
    assert _csr(g) == ([0, 1, 3, 3], [1, 0, 2], [1.0, 3.0, 5.0])
    with pytest.raises(GraphInputError, match="directed"):
        _ = g.num_undirected_edges


# --------------------------------------------------------------------------- canonical rules


def test_undirected_symmetrisation_takes_the_max_of_the_two_directions():
    ei = torch.tensor([[0, 1, 1], [1, 0, 2]])
    g = as_graph(ei, edge_weight=torch.tensor([1.0, 3.0, 5.0]))
    # (0,1)=1 and (1,0)=3 -> 3 both ways; (1,2)=5 listed once -> mirrored.
    assert _csr(g) == ([0, 1, 3, 4], [1, 0, 2, 1], [3.0, 3.0, 5.0, 5.0])


def test_one_way_negative_and_zero_weights_are_mirrored_not_dropped():
    ei = torch.tensor([[0, 1], [1, 2]])
    g = as_graph(ei, edge_weight=[-2.0, 0.0])
    assert _csr(g) == ([0, 1, 3, 4], [1, 0, 2, 1], [-2.0, -2.0, 0.0, 0.0])
    # both directions present: max of the two, even when both are negative
    g = as_graph(torch.tensor([[0, 1], [1, 0]]), edge_weight=[-4.0, -1.0])
    assert g.weights.tolist() == [-1.0, -1.0]


def test_duplicates_are_merged_by_summing_weights_before_symmetrising():
    ei = torch.tensor([[0, 0, 1, 2, 2], [1, 1, 0, 0, 0]])
    w = torch.tensor([1.0, 2.0, 1.0, 0.25, 0.5])
    directed = as_graph(ei, edge_weight=w, directed=True)
    assert _csr(directed) == ([0, 1, 2, 3], [1, 0, 0], [3.0, 1.0, 0.75])
    undirected = as_graph(ei, edge_weight=w)
    # (0,1): max(1+2, 1) = 3; (0,2): mirrored 0.25+0.5
    assert _csr(undirected) == ([0, 2, 3, 4], [1, 2, 0, 0], [3.0, 0.75, 3.0, 0.75])


def test_unweighted_duplicates_stay_zero_one():
    ei = torch.tensor([[0, 0, 0, 1], [1, 1, 1, 0]])
    g = as_graph(ei)
    assert _csr(g) == ([0, 1, 2], [1, 0], None)
    assert g.to_scipy().toarray().tolist() == [[0.0, 1.0], [1.0, 0.0]]


@pytest.mark.parametrize("directed", [False, True])
def test_self_loops_keep_remove_error(directed):
    ei = torch.tensor([[0, 1, 1], [1, 1, 2]])
    kept = as_graph(ei, directed=directed)
    assert (1, 1) in set(zip(kept.row_ids().tolist(), kept.indices.tolist(), strict=True))
    if not directed:
        # a self-loop is stored once: 2 undirected edges x 2 + 1 loop
        assert kept.num_edges == 5 and kept.num_undirected_edges == 3
        assert _csr(kept) == ([0, 1, 4, 5], [1, 0, 1, 2, 1], None)
    removed = as_graph(ei, directed=directed, self_loops="remove")
    assert not np.any(removed.row_ids() == removed.indices)
    assert removed.num_nodes == 3
    with pytest.raises(GraphInputError, match=r"1 self-loop.*node 1.*self_loops='remove'"):
        as_graph(ei, directed=directed, self_loops="error")
    with pytest.raises(GraphInputError, match="self_loops='drop' is not one of"):
        as_graph(ei, self_loops="drop")


def test_self_loop_weights_are_removed_with_their_edges():
    ei = torch.tensor([[0, 1, 2], [0, 2, 1]])
    g = as_graph(ei, edge_weight=[9.0, 1.0, 2.0], self_loops="remove")
    assert _csr(g) == ([0, 0, 1, 2], [2, 1], [2.0, 2.0])


def test_isolated_nodes_are_kept():
    g = as_graph(torch.tensor([[0], [1]]), num_nodes=4)
    assert g.num_nodes == 4
    assert g.degrees().tolist() == [1, 1, 0, 0]
    g = as_graph(torch.empty(2, 0, dtype=torch.long), num_nodes=3)
    assert _csr(g) == ([0, 0, 0, 0], [], None) and g.num_edges == 0
    g = as_graph(sp.csr_matrix((3, 3)))
    assert g.num_nodes == 3 and g.num_edges == 0


def test_num_nodes_is_inferred_from_the_largest_id():
    assert as_graph(torch.tensor([[0, 3], [1, 2]])).num_nodes == 4


def test_degrees_weighted_and_unweighted():
    g = as_graph(_dense())
    assert g.degrees().tolist() == [2, 2, 3, 1, 0]
    assert g.degrees(weighted=True).tolist() == [3.5, 2.5, 5.0, 3.0, 0.0]


def test_arrays_are_read_only():
    g = as_graph(_dense())
    for array in (g.indptr, g.indices, g.weights):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 7


def test_graph_input_is_returned_unchanged_or_recanonicalised():
    g = as_graph(torch.tensor([[0, 1], [1, 1]]), directed=True)
    assert as_graph(g) is g
    assert as_graph(g, directed=True) is g
    sym = as_graph(g, directed=False)
    assert not sym.directed and _csr(sym) == ([0, 1, 3], [1, 0, 1], None)
    no_loops = as_graph(g, self_loops="remove")
    assert no_loops.directed and _csr(no_loops) == ([0, 1, 1], [1], None)
    with pytest.raises(GraphInputError, match="cannot be combined with a Graph"):
        as_graph(g, num_nodes=5)


def test_repr():
    g = as_graph(_dense())
    assert repr(g) == "Graph(num_nodes=5, num_edges=8, undirected, weighted)"
    d = as_graph(torch.tensor([[0], [1]]), directed=True)
    assert repr(d) == "Graph(num_nodes=2, num_edges=1, directed)"


# --------------------------------------------------------------------------- round trips


def test_round_trip_edge_index():
    g = as_graph(_dense())
    edge_index, weight = g.to_edge_index()
    assert edge_index.dtype == torch.int64 and edge_index.shape == (2, 8)
    assert weight.dtype == torch.float32
    assert edge_index.tolist() == [[0, 0, 1, 1, 2, 2, 2, 3], INDICES]
    back = as_graph(edge_index, edge_weight=weight, num_nodes=g.num_nodes)
    assert _csr(back) == _csr(g)


def test_round_trip_pyg_keeps_attributes_and_isolated_nodes():
    g = as_graph(_dense())
    x = torch.arange(5.0).view(-1, 1)
    data = g.to_pyg(x=x)
    assert data.num_nodes == 5 and torch.equal(data.x, x)
    assert data.edge_weight.tolist() == WEIGHTS
    assert _csr(as_graph(data)) == _csr(g)
    unweighted = as_graph(_dense() != 0).to_pyg()
    assert "edge_weight" not in unweighted
    assert _csr(as_graph(unweighted)) == (INDPTR, INDICES, None)


def test_round_trip_scipy_is_a_copy():
    g = as_graph(_dense())
    matrix = g.to_scipy()
    assert isinstance(matrix, sp.csr_matrix)
    np.testing.assert_array_equal(matrix.toarray(), _dense())
    assert _csr(as_graph(matrix)) == _csr(g)
    matrix.data[:] = 0.0
    assert g.weights.tolist() == WEIGHTS
    ones = as_graph(_dense() != 0).to_scipy()
    np.testing.assert_array_equal(ones.toarray(), (_dense() != 0).astype(float))


def test_round_trip_directed():
    g = as_graph(torch.tensor([[0, 2, 2], [1, 0, 1]]), edge_weight=[1.0, 2.0, 3.0], directed=True)
    assert _csr(as_graph(g.to_scipy(), directed=True)) == _csr(g)
    ei, w = g.to_edge_index()
    assert _csr(as_graph(ei, edge_weight=w, directed=True)) == _csr(g)


# --------------------------------------------------------------------------- errors


def test_errors_are_graphkit_value_errors():
    assert issubclass(GraphInputError, GraphkitError)
    assert issubclass(GraphInputError, ValueError)


def test_negative_id():
    with pytest.raises(GraphInputError, match="source node ids must be >= 0; found -1"):
        as_graph(torch.tensor([[-1, 0], [1, 2]]))
    with pytest.raises(GraphInputError, match="target node ids must be >= 0; found -3"):
        as_graph(np.array([[0, 1], [1, -3]]), num_nodes=4)


def test_id_out_of_range():
    with pytest.raises(GraphInputError, match=r"node id 5 is out of range for num_nodes=3.*num_nodes >= 6"):
        as_graph(torch.tensor([[0, 1], [1, 5]]), num_nodes=3)
    data = Data(edge_index=torch.tensor([[0, 4], [1, 0]]), num_nodes=2)
    with pytest.raises(GraphInputError, match="out of range for num_nodes=2"):
        as_graph(data)


def test_e_by_2_tensor_passed_as_edge_index_suggests_transpose():
    with pytest.raises(GraphInputError, match=r"shape \[2, num_edges\]; got \[3, 2\].*transpose"):
        as_graph(torch.tensor([[0, 1], [1, 2], [2, 0]]))
    with pytest.raises(GraphInputError, match=r"data.edge_index.*transpose"):
        as_graph(Data(edge_index=torch.tensor([[0, 1], [1, 2], [2, 0]]), num_nodes=3))
    with pytest.raises(GraphInputError, match=r"got \[2, 2, 1\]"):
        as_graph(torch.zeros(2, 2, 1, dtype=torch.long))


def test_float_ids():
    with pytest.raises(GraphInputError, match=r"integer node ids; got dtype float32.*\.long\(\)"):
        as_graph(torch.tensor([[0.0, 1.0], [1.0, 2.0]]))
    with pytest.raises(GraphInputError, match="integer node ids; got dtype float32"):
        as_graph(torch.tensor([[0.5, 1.0], [1.0, 2.0]]))
    with pytest.raises(GraphInputError, match="not understood"):
        as_graph(np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 0.0]]))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_weights(bad):
    with pytest.raises(GraphInputError, match=r"weights must be finite; weight of edge 1 is"):
        as_graph(torch.tensor([[0, 1], [1, 2]]), edge_weight=[1.0, bad])
    with pytest.raises(GraphInputError, match="must be finite"):
        as_graph(sp.csr_matrix(np.array([[0.0, bad], [0.0, 0.0]])))
    dense = np.zeros((2, 2))
    dense[0, 1] = bad
    with pytest.raises(GraphInputError, match="dense adjacency contains NaN/inf"):
        as_graph(dense)
    graph = nx.Graph()
    graph.add_edge(0, 1, weight=bad)
    with pytest.raises(GraphInputError, match="must be finite"):
        as_graph(graph)


def test_wrong_weight_shape():
    ei = torch.tensor([[0, 1], [1, 2]])
    with pytest.raises(GraphInputError, match=r"edge_weight must have shape \[2\].*got \[3\]"):
        as_graph(ei, edge_weight=[1.0, 2.0, 3.0])
    with pytest.raises(GraphInputError, match=r"got \[2, 2\]"):
        as_graph(ei, edge_weight=torch.ones(2, 2))
    with pytest.raises(GraphInputError, match=r"edge_weight must have shape \[2\]"):
        as_graph(Data(edge_index=ei, edge_weight=torch.ones(5), num_nodes=3))
    with pytest.raises(GraphInputError, match="edge_weight must be numeric"):
        as_graph(ei, edge_weight=np.array(["a", "b"]))
    with pytest.raises(GraphInputError, match="cannot be combined with a dense adjacency"):
        as_graph(np.eye(3), edge_weight=[1.0])


def test_multi_dimensional_edge_attr_is_not_a_weight():
    data = Data(edge_index=torch.tensor([[0], [1]]), edge_attr=torch.ones(1, 3), num_nodes=2)
    assert as_graph(data).weights is None


def test_non_square_sparse():
    with pytest.raises(GraphInputError, match=r"sparse adjacency must be square; got shape \(2, 3\)"):
        as_graph(sp.csr_matrix((2, 3)))
    with pytest.raises(GraphInputError, match=r"num_nodes=4 disagrees with the matrix shape \(3, 3\)"):
        as_graph(sp.eye(3, format="csr"), num_nodes=4)
    with pytest.raises(GraphInputError, match="not understood"):
        as_graph(np.zeros((3, 4)))


def test_empty_graph_needs_allow_empty():
    empty = torch.empty(2, 0, dtype=torch.long)
    with pytest.raises(GraphInputError, match=r"graph is empty \(0 nodes\).*allow_empty=True"):
        as_graph(empty)
    with pytest.raises(GraphInputError, match="graph is empty"):
        as_graph(nx.Graph())
    with pytest.raises(GraphInputError, match="graph is empty"):
        as_graph(sp.csr_matrix((0, 0)))
    g = as_graph(empty, allow_empty=True)
    assert g.num_nodes == 0 and _csr(g) == ([0], [], None)
    assert as_graph(nx.Graph(), allow_empty=True).num_nodes == 0


def test_bad_num_nodes():
    ei = torch.tensor([[0], [1]])
    with pytest.raises(GraphInputError, match="num_nodes must be an int; got float"):
        as_graph(ei, num_nodes=2.0)
    with pytest.raises(GraphInputError, match="num_nodes must be an int; got bool"):
        as_graph(ei, num_nodes=True)
    with pytest.raises(GraphInputError, match="num_nodes must be >= 0; got -1"):
        as_graph(ei, num_nodes=-1)


@pytest.mark.parametrize("edges", [[[0, 1], [1, 2]], ((0, 1), (1, 2))])
def test_python_list_input(edges):
    with pytest.raises(GraphInputError, match=r"Python list/tuple; pass np.asarray\(edges\)"):
        as_graph(edges)


@pytest.mark.parametrize("graph", ["0 1\n1 2", {0: [1]}, 3])
def test_unsupported_type(graph):
    with pytest.raises(GraphInputError, match=f"unsupported type {type(graph).__name__}"):
        as_graph(graph)


def test_pyg_data_without_edge_index():
    with pytest.raises(GraphInputError, match="Data has no edge_index"):
        as_graph(Data(x=torch.ones(3, 1)))


def test_networkx_partial_weights():
    graph = nx.Graph()
    graph.add_edge("a", "b", weight=1.0)
    graph.add_edge("b", "c")
    with pytest.raises(GraphInputError, match=r"edge \('b', 'c'\) has no 'weight' attribute.*weight=None"):
        as_graph(graph)
    assert as_graph(graph, weight=None).weights is None


# --------------------------------------------------------------------------- properties

_edge_lists = st.integers(min_value=1, max_value=9).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(
            st.tuples(
                st.integers(0, n - 1),
                st.integers(0, n - 1),
                st.integers(-3, 4).map(float),  # small integers: sums are exact
            ),
            max_size=30,
        ),
    )
)


def _reference(n: int, edges: list, directed: bool, weighted: bool, loops: str) -> dict:
    """{(u, v): weight} in pure Python: sum duplicates, then max over present directions."""
    summed: dict[tuple[int, int], float] = {}
    for u, v, w in edges:
        if u == v and loops == "remove":
            continue
        summed[(u, v)] = summed.get((u, v), 0.0) + (w if weighted else 1.0)
    if directed:
        out = summed
    else:
        out = {}
        for (u, v), w in summed.items():
            for key in ((u, v), (v, u)):
                out[key] = max(out.get(key, w), w)
    return {key: (w if weighted else 1.0) for key, w in out.items()}


def _as_dict(g: Graph) -> dict:
    weights = g.weights if g.weights is not None else np.ones(g.num_edges)
    return {
        (u, v): w
        for u, v, w in zip(g.row_ids().tolist(), g.indices.tolist(), weights.tolist(), strict=True)
    }


@settings(max_examples=150, deadline=None)
@given(
    case=_edge_lists,
    directed=st.booleans(),
    weighted=st.booleans(),
    loops=st.sampled_from(["keep", "remove"]),
    source=st.sampled_from(["tensor", "numpy (E, 2)", "pyg"]),
)
def test_property_canonical_csr_equals_reference(case, directed, weighted, loops, source):
    n, edges = case
    pairs = np.array([[u, v] for u, v, _ in edges], dtype=np.int64).reshape(-1, 2)
    weights = np.array([w for _, _, w in edges]) if weighted else None
    if source == "tensor":
        graph, kwargs = torch.from_numpy(pairs.T.copy()), {"edge_weight": weights, "num_nodes": n}
    elif source == "numpy (E, 2)" and len(edges) != 2:  # a (2, 2) array reads as (2, E)
        graph, kwargs = pairs, {"edge_weight": weights, "num_nodes": n}
    elif source == "numpy (E, 2)":
        graph, kwargs = pairs.T.copy(), {"edge_weight": weights, "num_nodes": n}
    else:
        graph = Data(edge_index=torch.from_numpy(pairs.T.copy()), num_nodes=n)
        if weighted:
            graph.edge_weight = torch.from_numpy(weights)
        kwargs = {}
    g = as_graph(graph, directed=directed, self_loops=loops, **kwargs)

    assert g.num_nodes == n and g.directed == directed and g.weighted == weighted
    assert g.indptr[0] == 0 and g.indptr[-1] == g.num_edges
    assert np.all(np.diff(g.indptr) >= 0)
    for u in range(n):
        row = g.indices[g.indptr[u]:g.indptr[u + 1]]
        assert np.all(np.diff(row) > 0), "columns strictly increasing: sorted, no duplicates"
    for array in (g.indptr, g.indices, g.weights):
        assert array is None or not array.flags.writeable
    got = _as_dict(g)
    assert got == _reference(n, edges, directed, weighted, loops)
    if not directed:
        assert all(got[(v, u)] == w for (u, v), w in got.items())
    if loops == "remove":
        assert not any(u == v for u, v in got)


@settings(max_examples=60, deadline=None)
@given(case=_edge_lists, directed=st.booleans())
def test_property_all_input_types_agree(case, directed):
    n, edges = case
    g = as_graph(
        np.array([[u, v] for u, v, _ in edges], dtype=np.int64).reshape(-1, 2),
        edge_weight=np.array([w for _, _, w in edges]),
        num_nodes=n,
        directed=directed,
    )
    # rebuild from every other representation of the canonical graph
    matrix = g.to_scipy()
    nonzero = _as_dict(as_graph(matrix, directed=directed))
    assert nonzero == {k: w for k, w in _as_dict(g).items() if w != 0}
    ei, w = g.to_edge_index()
    assert _csr(as_graph(ei, edge_weight=w, num_nodes=n, directed=directed)) == _csr(g)
    assert _csr(as_graph(g.to_pyg(), directed=directed)) == _csr(g)
    nx_graph = nx.DiGraph() if directed else nx.Graph()
    nx_graph.add_nodes_from(range(n))
    nx_graph.add_weighted_edges_from(
        (u, v, x) for (u, v), x in _as_dict(g).items()
    )
    from_nx = as_graph(nx_graph)
    assert _as_dict(from_nx) == _as_dict(g) and from_nx.directed == directed


@pytest.mark.parametrize("layout", ["coo", "csr", "csc"])
def test_torch_sparse_adjacency_matches_edge_index(layout):
    edge_index = torch.tensor([[0, 1, 1, 3], [1, 2, 3, 0]])
    weight = torch.tensor([2.0, 3.0, 4.0, 5.0])
    matrix = torch.sparse_coo_tensor(edge_index, weight, (5, 5), check_invariants=True)
    matrix = {"coo": matrix, "csr": matrix.to_sparse_csr(), "csc": matrix.to_sparse_csc()}[layout]
    expected = as_graph(edge_index, edge_weight=weight, num_nodes=5, directed=True)
    got = as_graph(matrix, directed=True)
    assert got.num_nodes == 5
    np.testing.assert_array_equal(got.indptr, expected.indptr)
    np.testing.assert_array_equal(got.indices, expected.indices)
    np.testing.assert_array_equal(got.weights, expected.weights)


def test_torch_sparse_adjacency_must_be_square():
    matrix = torch.sparse_coo_tensor(
        torch.tensor([[0], [1]]), torch.tensor([1.0]), (2, 3), check_invariants=True
    )
    with pytest.raises(GraphInputError, match="square"):
        as_graph(matrix)
