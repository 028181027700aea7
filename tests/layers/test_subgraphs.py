"""Tests of k-hop enclosing subgraph extraction (PyG's k_hop_subgraph, caps, seeds, errors) and
of double-radius node labels (by hand and against networkx shortest paths)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import torch
from torch_geometric.utils import from_networkx, k_hop_subgraph

from graphkit.errors import GraphInputError
from graphkit.graph import as_graph
from graphkit.layers import (
    drnl_labels,
    enclosing_subgraphs,
    induced_edges,
    k_hop_pair_nodes,
    subgraphs,
)


def _graphs():
    yield "path", nx.path_graph(12)
    yield "barbell", nx.barbell_graph(5, 3)
    yield "gnp", nx.gnp_random_graph(40, 0.08, seed=1)
    yield "ba", nx.barabasi_albert_graph(60, 3, seed=2)


@pytest.mark.parametrize("name, graph", list(_graphs()))
@pytest.mark.parametrize("num_hops", [1, 2, 3])
def test_matches_pyg_k_hop_subgraph_without_caps(name, graph, num_hops):
    edge_index = from_networkx(graph).edge_index
    n = graph.number_of_nodes()
    rng = np.random.default_rng(0)
    pairs = np.array([rng.choice(n, 2, replace=False) for _ in range(15)]).T
    subgraphs = enclosing_subgraphs(edge_index, pairs, num_hops=num_hops, num_nodes=n)
    assert len(subgraphs) == pairs.shape[1]
    for p in range(pairs.shape[1]):
        u, v = pairs[:, p]
        subset, sub_edges, _, _ = k_hop_subgraph(
            [int(u), int(v)], num_hops, edge_index, relabel_nodes=False, num_nodes=n
        )
        nodes = subgraphs.nodes[subgraphs.node_ptr[p] : subgraphs.node_ptr[p + 1]]
        assert nodes[:2].tolist() == [u, v]  # targets first
        assert sorted(nodes.tolist()) == sorted(subset.tolist())
        local = subgraphs.edge_index[:, subgraphs.edge_ptr[p] : subgraphs.edge_ptr[p + 1]]
        ours = {(int(nodes[a]), int(nodes[b])) for a, b in local.t().tolist()}
        expected = {(a, b) for a, b in sub_edges.t().tolist()} - {(u, v), (v, u)}
        assert ours == expected


def test_hops_are_ordered_by_distance():
    graph = nx.path_graph(9)  # pair (0, 8): hop 1 = {1, 7}, hop 2 = {2, 6}
    nodes, ptr = k_hop_pair_nodes(from_networkx(graph).edge_index, [[0], [8]], num_hops=2)
    assert nodes[:2].tolist() == [0, 8]
    assert sorted(nodes[2:4].tolist()) == [1, 7] and sorted(nodes[4:].tolist()) == [2, 6]
    assert ptr.tolist() == [0, 6]


def test_node_cap_per_hop():
    # star with 40 leaves: the pair (leaf 1, leaf 2) reaches the centre at hop 1 and the other
    # 38 leaves at hop 2, of which a cap of 5 keeps 5
    edge_index = from_networkx(nx.star_graph(40)).edge_index
    pairs = [[1, 3], [2, 4]]
    nodes, ptr = k_hop_pair_nodes(edge_index, pairs, num_hops=2, max_nodes_per_hop=5, seed=0)
    assert np.diff(ptr).tolist() == [8, 8]
    for p in range(2):
        sub = nodes[ptr[p] : ptr[p + 1]]
        assert sub[2] == 0 and len(set(sub.tolist())) == 8
        assert set(sub[3:].tolist()) <= set(range(1, 41)) - set(sub[:2].tolist())
    full, full_ptr = k_hop_pair_nodes(edge_index, pairs, num_hops=2, max_nodes_per_hop=1000)
    assert np.diff(full_ptr).tolist() == [41, 41]
    uncapped, _ = k_hop_pair_nodes(edge_index, pairs, num_hops=2)
    assert full.tolist() == uncapped.tolist()


def test_cap_draws_are_seeded_and_per_pair():
    edge_index = from_networkx(nx.star_graph(40)).edge_index
    pairs = np.array([[1, 3, 5], [2, 4, 6]])
    a = k_hop_pair_nodes(edge_index, pairs, 2, 5, seed=7)
    b = k_hop_pair_nodes(edge_index, pairs, 2, 5, seed=7)
    c = k_hop_pair_nodes(edge_index, pairs, 2, 5, seed=8)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    # a pair's draw depends on its position and the seed only, not on the other pairs
    first = k_hop_pair_nodes(edge_index, pairs[:, :2], 2, 5, seed=7)
    assert np.array_equal(first[0], a[0][: first[1][-1]])


@pytest.mark.parametrize("cap", [None, 3])
def test_threads_split_the_pairs_without_changing_the_result(cap):
    """Chunks of pairs on several threads give the serial node sets exactly: each pair's draws
    are seeded by its global position, not by its place in a chunk."""
    graph = as_graph(from_networkx(nx.barabasi_albert_graph(200, 4, seed=0)).edge_index, num_nodes=200)
    rng = np.random.default_rng(0)
    pairs = rng.integers(0, 200, size=(2, 700))
    src, dst = (np.ascontiguousarray(row) for row in pairs[:, pairs[0] != pairs[1]])
    serial_nodes, serial_ptr = subgraphs._pair_nodes(graph, src, dst, 2, -1 if cap is None else cap, 7, 1)
    for workers in (2, 3, 1000):
        nodes, ptr = subgraphs._pair_nodes(graph, src, dst, 2, -1 if cap is None else cap, 7, workers)
        np.testing.assert_array_equal(ptr, serial_ptr)
        np.testing.assert_array_equal(nodes, serial_nodes)
    assert serial_ptr[-1] == serial_nodes.size > 2 * src.size


def test_target_link_is_removed_only_between_targets():
    graph = as_graph(torch.tensor([[0, 1, 1, 2, 0, 2], [1, 0, 2, 1, 2, 0]]), num_nodes=3)
    nodes, ptr = k_hop_pair_nodes(graph, [[0], [1]], 1)
    src, dst, edge_ptr = induced_edges(graph, nodes, ptr)
    assert sorted(zip(src.tolist(), dst.tolist(), strict=True)) == [(0, 2), (1, 2), (2, 0), (2, 1)]
    src, dst, _ = induced_edges(graph, nodes, ptr, drop_target_link=False)
    assert len(src) == 6 and edge_ptr.tolist() == [0, 4]


def test_zero_hops_and_isolated_targets():
    edge_index = torch.tensor([[0, 1], [1, 0]])
    nodes, ptr = k_hop_pair_nodes(edge_index, [[0, 2], [1, 3]], num_hops=0, num_nodes=4)
    assert nodes.tolist() == [0, 1, 2, 3] and ptr.tolist() == [0, 2, 4]
    nodes, ptr = k_hop_pair_nodes(edge_index, [[2], [3]], num_hops=2, num_nodes=4)
    assert nodes.tolist() == [2, 3]


@pytest.mark.parametrize(
    "pairs, kwargs, argument",
    [
        (np.array([[0, 1], [1, 2], [2, 3]]), {}, "pairs"),  # [P, 2] instead of [2, P]
        (np.array([[0.0], [1.0]]), {}, "pairs"),
        (np.array([[0], [9]]), {}, "pairs"),
        (np.array([[-1], [2]]), {}, "pairs"),
        (np.array([[2], [2]]), {}, "self-pair"),
        (np.array([[0], [1]]), {"num_hops": -1}, "num_hops"),
        (np.array([[0], [1]]), {"max_nodes_per_hop": 0}, "max_nodes_per_hop"),
    ],
)
def test_bad_input_names_the_argument(pairs, kwargs, argument):
    edge_index = from_networkx(nx.path_graph(5)).edge_index
    with pytest.raises(GraphInputError, match=argument):
        k_hop_pair_nodes(edge_index, pairs, **kwargs)


def test_drnl_labels_by_hand():
    # targets 0 and 1 (linked); 2 is next to both, 3 and 4 lie on the path 0-3-4-1, 5 hangs off
    # 0 with its neighbour 6 (unreachable from 1 once 0 is removed), 7 hangs off 2
    edges = [(0, 1), (0, 2), (1, 2), (0, 3), (3, 4), (4, 1), (0, 5), (5, 6), (2, 7)]
    graph = as_graph(torch.tensor(edges).t(), num_nodes=8)
    nodes, ptr = k_hop_pair_nodes(graph, [[0], [1]], num_hops=2)
    labels = dict(zip(nodes.tolist(), drnl_labels(graph, nodes, ptr).tolist(), strict=True))
    # (d0, d1): 2 (1,1) -> 2; 3 (1,2) and 4 (2,1) -> 3; 7 (2,2) -> 5; 5 (1,inf), 6 (2,inf) -> 0
    assert labels == {0: 1, 1: 1, 2: 2, 3: 3, 4: 3, 5: 0, 6: 0, 7: 5}
    with pytest.raises(GraphInputError, match="k_hop_pair_nodes"):
        drnl_labels(graph, nodes, ptr[:-1])
    with pytest.raises(GraphInputError, match=r"outside \[0, 8\)"):
        drnl_labels(graph, nodes + 8, ptr)


def _drnl_by_networkx(graph: nx.Graph, nodes: list[int]) -> list[int]:
    sub = graph.subgraph(nodes)
    u, v = nodes[:2]
    from_u = nx.single_source_shortest_path_length(sub.subgraph(set(nodes) - {v}), u)
    from_v = nx.single_source_shortest_path_length(sub.subgraph(set(nodes) - {u}), v)
    labels = [1, 1]
    for x in nodes[2:]:
        if x not in from_u or x not in from_v:
            labels.append(0)
            continue
        du, dv = from_u[x], from_v[x]
        half, odd = divmod(du + dv, 2)
        labels.append(1 + min(du, dv) + half * (half + odd - 1))
    return labels


@pytest.mark.parametrize("name, graph", list(_graphs()))
@pytest.mark.parametrize("cap", [None, 3])
def test_drnl_labels_match_networkx_distances(name, graph, cap):
    n = graph.number_of_nodes()
    rng = np.random.default_rng(1)
    pairs = np.array([rng.choice(n, 2, replace=False) for _ in range(20)]).T
    g = as_graph(from_networkx(graph).edge_index, num_nodes=n)
    nodes, ptr = k_hop_pair_nodes(g, pairs, num_hops=3, max_nodes_per_hop=cap, seed=4)
    labels = drnl_labels(g, nodes, ptr)
    assert labels.shape == nodes.shape
    for p in range(pairs.shape[1]):
        expected = _drnl_by_networkx(graph, nodes[ptr[p] : ptr[p + 1]].tolist())
        assert labels[ptr[p] : ptr[p + 1]].tolist() == expected
