"""Tests of graphkit.embed.orbits: hand-worked counts, brute force and ORCA as oracles."""

from __future__ import annotations

import importlib.util
import pathlib
import warnings

import networkx as nx
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from graphkit.embed.orbits import (
    GRAPHLETS,
    NUM_EDGE_ORBITS,
    NUM_NODE_ORBITS,
    edge_list,
    five_node_lookup,
    five_node_multiplicity,
    node_orbit_inverse,
    orbit_counts,
)
from graphkit.errors import ConfigError, GraphInputError

_spec = importlib.util.spec_from_file_location(
    "brute_force_graphlets", pathlib.Path(__file__).with_name("brute_force_graphlets.py")
)
brute = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(brute)


def _row(size: int, **entries: int) -> np.ndarray:
    row = np.zeros(NUM_NODE_ORBITS[size], dtype=np.int64)
    for name, value in entries.items():
        row[int(name[1:])] = value
    return row


def _edge_rows_from_brute(graph: nx.Graph, size: int) -> np.ndarray:
    counters = brute.edge_orbits(graph, size)
    rows = np.zeros((len(counters), NUM_EDGE_ORBITS[size]), dtype=np.int64)
    for i, (u, v) in enumerate(edge_list(graph)):
        for orbit, count in counters[(int(u), int(v))].items():
            rows[i, orbit] = count
    return rows


def _orca(graph: nx.Graph, size: int, on: str) -> np.ndarray:
    from orca import orca_edges, orca_nodes

    edges = edge_list(graph)
    if on == "nodes":
        return orca_nodes(edges, graph.number_of_nodes(), size)
    return orca_edges(edges, graph.number_of_nodes(), size)


# --- hand-worked counts ------------------------------------------------------------------------


def test_k4_every_node_is_on_three_edges_three_triangles_one_clique():
    counts = orbit_counts(nx.complete_graph(4))
    assert counts.dtype == np.int64 and counts.shape == (4, 15)
    np.testing.assert_array_equal(counts, np.tile(_row(4, o0=3, o3=3, o14=1), (4, 1)))


def test_c4_nodes_end_two_paths_middle_one_and_one_cycle():
    counts = orbit_counts(nx.cycle_graph(4))
    np.testing.assert_array_equal(counts, np.tile(_row(4, o0=2, o1=2, o2=1, o8=1), (4, 1)))


def test_star_centre_and_leaves():
    counts = orbit_counts(nx.star_graph(3))  # node 0 is the centre
    np.testing.assert_array_equal(counts[0], _row(4, o0=3, o2=3, o7=1))
    for leaf in (1, 2, 3):
        np.testing.assert_array_equal(counts[leaf], _row(4, o0=1, o1=2, o6=1))


def test_path_ends_and_middles():
    counts = orbit_counts(nx.path_graph(4))
    np.testing.assert_array_equal(counts[0], _row(4, o0=1, o1=1, o4=1))
    np.testing.assert_array_equal(counts[1], _row(4, o0=2, o1=1, o2=1, o5=1))
    np.testing.assert_array_equal(counts[3], counts[0])
    np.testing.assert_array_equal(counts[2], counts[1])


def test_five_node_hand_counts_k5_and_c5():
    k5 = orbit_counts(nx.complete_graph(5), size=5)
    np.testing.assert_array_equal(k5, np.tile(_row(5, o0=4, o3=6, o14=4, o72=1), (5, 1)))
    c5 = orbit_counts(nx.cycle_graph(5), size=5)
    np.testing.assert_array_equal(
        c5, np.tile(_row(5, o0=2, o1=2, o2=1, o4=2, o5=2, o34=1), (5, 1))
    )


def test_edge_orbits_hand_counts():
    c4 = orbit_counts(nx.cycle_graph(4), on="edges")
    expected = np.zeros(12, dtype=np.int64)
    expected[[0, 5]] = [2, 1]  # each edge is in two induced 3-paths and one 4-cycle
    np.testing.assert_array_equal(c4, np.tile(expected, (4, 1)))
    k4 = orbit_counts(nx.complete_graph(4), on="edges")
    expected = np.zeros(12, dtype=np.int64)
    expected[[1, 11]] = [2, 1]
    np.testing.assert_array_equal(k4, np.tile(expected, (6, 1)))


def test_graphlet_table_lists_every_orbit_once_in_order():
    nodes = sorted({o for _, _, orbits, _ in GRAPHLETS for o in orbits})
    edges = sorted({o for _, _, _, orbits in GRAPHLETS for o in orbits if o >= 0})
    assert nodes == list(range(73)) and edges == list(range(68))
    assert len(GRAPHLETS) == 30


def test_derived_tables_are_consistent():
    inverse = node_orbit_inverse()
    assert np.all(np.diag(inverse) == 1)
    node_lut, edge_lut = five_node_lookup()
    connected = (node_lut >= 0).all(axis=1)
    assert connected.sum() == 728  # labelled connected graphs on 5 nodes
    assert np.all(node_lut[~connected] == -1)
    assert np.all((edge_lut >= 0).sum(axis=1)[connected] == [bin(m).count("1") for m in
                                                           np.flatnonzero(connected)])


def test_five_node_multiplicity_hand_values():
    nodes, edges = five_node_multiplicity("nodes"), five_node_multiplicity("edges")
    assert nodes.shape == (58,) and edges.shape == (56,) and nodes.min() >= 1 and edges.min() >= 1
    # path 0-1-2-3-4: only the far end keeps the rest connected when x is an end (orbit 15);
    # for the centre (orbit 17) both ends do
    assert nodes[15 - 15] == 1 and nodes[17 - 15] == 2
    # 4-star: the centre (orbit 23) loses any of 4 leaves, a leaf (orbit 22) any of 3 others
    assert nodes[23 - 15] == 4 and nodes[22 - 15] == 3
    assert nodes[72 - 15] == 4  # K5
    assert edges[12 - 12] == 1 and edges[67 - 12] == 3  # end edge of the path; K5 edge
    with pytest.raises(ConfigError, match="on must be 'nodes' or 'edges'"):
        five_node_multiplicity("pairs")


# --- brute force and ORCA -----------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("size", [4, 5])
def test_node_counts_equal_brute_force(seed, size):
    graph = nx.gnp_random_graph(11, 0.4, seed=seed)
    np.testing.assert_array_equal(orbit_counts(graph, size=size), brute.node_orbits(graph, size))


@pytest.mark.parametrize(
    "graph",
    [nx.gnp_random_graph(12, 0.8, seed=3), nx.complete_graph(7),
     nx.complete_multipartite_graph(2, 3, 4)],
    ids=["dense", "k7", "multipartite"],
)
@pytest.mark.parametrize("on", ["nodes", "edges"])
def test_five_node_counts_on_dense_graphs_equal_brute_force(graph, on):
    # every triple and quadruple of a 4-node set has common neighbours outside it here
    expected = (brute.node_orbits(graph, 5) if on == "nodes"
                else _edge_rows_from_brute(graph, 5))
    np.testing.assert_array_equal(orbit_counts(graph, size=5, on=on), expected)


@pytest.mark.parametrize("size", [4, 5])
def test_edge_counts_equal_brute_force(size):
    graph = nx.gnp_random_graph(10, 0.45, seed=7)
    np.testing.assert_array_equal(
        orbit_counts(graph, size=size, on="edges"), _edge_rows_from_brute(graph, size)
    )


@pytest.mark.parametrize(
    "graph",
    [
        nx.gnp_random_graph(25, 0.2, seed=1),
        nx.barabasi_albert_graph(30, 3, seed=2),
        nx.powerlaw_cluster_graph(30, 3, 0.6, seed=3),
    ],
    ids=["gnp", "ba", "clustered"],
)
@pytest.mark.parametrize("size", [4, 5])
@pytest.mark.parametrize("on", ["nodes", "edges"])
def test_equal_to_orca(graph, size, on):
    np.testing.assert_array_equal(orbit_counts(graph, size=size, on=on), _orca(graph, size, on))


@pytest.mark.parametrize("on", ["nodes", "edges"])
def test_batched_five_node_enumeration_with_progress_equals_orca(on):
    graph = nx.barabasi_albert_graph(30, 3, seed=2)  # 30 batches of one start node each
    counts = orbit_counts(graph, size=5, on=on, progress=True)
    np.testing.assert_array_equal(counts, _orca(graph, 5, on))


@pytest.mark.slow
@pytest.mark.parametrize("size", [4, 5])
@pytest.mark.parametrize("on", ["nodes", "edges"])
def test_equal_to_orca_larger(size, on):
    for graph in (nx.gnp_random_graph(300, 0.04, seed=4),
                  nx.barabasi_albert_graph(300, 4, seed=5),
                  nx.powerlaw_cluster_graph(300, 3, 0.7, seed=6)):
        np.testing.assert_array_equal(orbit_counts(graph, size=size, on=on),
                                      _orca(graph, size, on))


# --- properties -----------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(brute.small_graphs(max_nodes=8), st.sampled_from([4, 5]))
def test_property_matches_brute_force_and_relabelling(graph, size):
    counts = orbit_counts(graph, size=size)
    np.testing.assert_array_equal(counts, brute.node_orbits(graph, size))
    perm = np.random.default_rng(0).permutation(graph.number_of_nodes())
    relabelled = nx.Graph()
    relabelled.add_nodes_from(range(graph.number_of_nodes()))  # as_graph numbers nodes in order
    relabelled.add_edges_from((int(perm[u]), int(perm[v])) for u, v in graph.edges())
    np.testing.assert_array_equal(orbit_counts(relabelled, size=size)[perm], counts)
    np.testing.assert_array_equal(counts[:, 0], [d for _, d in sorted(graph.degree())])


def test_edge_rows_follow_edge_list():
    graph = nx.Graph()
    graph.add_nodes_from(range(4))
    graph.add_edges_from([(3, 1), (0, 2), (2, 1), (1, 0)])
    np.testing.assert_array_equal(edge_list(graph), [[0, 1], [0, 2], [1, 2], [1, 3]])
    counts = orbit_counts(graph, on="edges")
    assert counts.shape == (4, 12)
    pendant = 3  # row of edge (1, 3): the paw's pendant edge (orbit 6)
    assert counts[pendant, 6] == 1


# --- odd and bad input --------------------------------------------------------------------------


def test_empty_graph_and_isolated_nodes():
    empty = np.zeros((2, 0), dtype=np.int64)
    assert orbit_counts(torch.from_numpy(empty)).shape == (0, 15)
    graph = nx.Graph()
    graph.add_nodes_from(range(4))
    graph.add_edge(0, 1)
    counts = orbit_counts(graph, size=5)
    assert counts.shape == (4, 73) and not counts[2:].any()
    assert orbit_counts(graph, on="edges", size=5).shape == (1, 68)


@pytest.mark.parametrize("size", [3, 6, 0, True, "4"])
def test_bad_size_is_a_clear_error(size):
    with pytest.raises(ConfigError, match="size must be 4"):
        orbit_counts(nx.path_graph(3), size=size)


def test_bad_on_is_a_clear_error():
    with pytest.raises(ConfigError, match="on must be"):
        orbit_counts(nx.path_graph(3), on="triangles")


def test_directed_weighted_loops_multi_edges_warn_and_are_ignored():
    simple = orbit_counts(nx.cycle_graph(5), size=5)
    directed = nx.DiGraph([(0, 1), (1, 2), (2, 3), (3, 4), (4, 0)])
    with pytest.warns(UserWarning, match="symmetrised"):
        np.testing.assert_array_equal(orbit_counts(directed, size=5), simple)
    weighted = nx.cycle_graph(5)
    nx.set_edge_attributes(weighted, 2.5, "weight")
    with pytest.warns(UserWarning, match="weights were ignored"):
        np.testing.assert_array_equal(orbit_counts(weighted, size=5), simple)
    looped = nx.cycle_graph(5)
    looped.add_edge(2, 2)
    with pytest.warns(UserWarning, match="self-loops"):
        np.testing.assert_array_equal(orbit_counts(looped, size=5), simple)
    edges = np.array([[0, 1], [1, 2], [2, 3], [3, 4], [4, 0], [0, 1]]).T
    with pytest.warns(UserWarning, match="multi-edges"):
        np.testing.assert_array_equal(orbit_counts(torch.from_numpy(edges), size=5), simple)
    multi = nx.MultiGraph(nx.cycle_graph(5))
    multi.add_edge(0, 1)
    with pytest.warns(UserWarning, match="multi-edges"):
        np.testing.assert_array_equal(orbit_counts(multi, size=5), simple)


def test_simple_input_gives_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        orbit_counts(nx.petersen_graph())
        orbit_counts(torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]]))


def test_strict_rejects_non_simple_graphs():
    with pytest.raises(GraphInputError, match="strict=False"):
        orbit_counts(nx.DiGraph([(0, 1)]), strict=True)
    looped = nx.path_graph(3)
    looped.add_edge(1, 1)
    with pytest.raises(GraphInputError, match="self-loops"):
        orbit_counts(looped, strict=True)
