"""LASER (Barbero et al., ICLR 2024): locality, fraction, connectivity order vs a brute force."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
import torch
from torch_geometric.data import Data

from graphkit.errors import ConfigError
from graphkit.layers.rewire.laser import LASER, laser_snapshots


def _edge_index(graph: nx.Graph) -> torch.Tensor:
    edges = torch.tensor(list(graph.edges()), dtype=torch.long).t()
    return torch.cat([edges, edges.flip(0)], dim=1)


def _graph() -> nx.Graph:
    # a lollipop with an extra branch: orbits of several sizes and unequal walk counts
    graph = nx.lollipop_graph(5, 4)
    graph.add_edges_from([(2, 9), (9, 10), (10, 11), (11, 8), (0, 12), (12, 13)])
    return graph


def _pairs(edge_index: torch.Tensor) -> set[tuple[int, int]]:
    return set(map(tuple, edge_index.t().tolist()))


@pytest.mark.parametrize("rho", [0.2, 0.5, 1.0])
def test_snapshots_connect_exactly_distance_r_with_fraction_rho(rho):
    graph = _graph()
    distances = dict(nx.all_pairs_shortest_path_length(graph))
    snapshots = laser_snapshots(_edge_index(graph), graph.number_of_nodes(), max_distance=4, rho=rho)
    assert len(snapshots) == 4
    assert _pairs(snapshots[0]) == _pairs(_edge_index(graph))
    for r, snapshot in enumerate(snapshots[1:], start=2):
        for u, v in snapshot.t().tolist():
            assert distances[v][u] == r
        received = np.bincount(snapshot[1].numpy(), minlength=graph.number_of_nodes())
        for v in graph.nodes:
            orbit = sum(1 for u in graph.nodes if distances[v][u] == r)
            assert received[v] == math.ceil(rho * orbit)


def test_choice_matches_brute_force_lowest_walk_count():
    graph = _graph()
    n = graph.number_of_nodes()
    lazy = nx.to_numpy_array(graph, nodelist=range(n)) + np.eye(n)
    distances = dict(nx.all_pairs_shortest_path_length(graph))
    for walk_length in (None, 5):
        snapshots = laser_snapshots(_edge_index(graph), n, max_distance=3, rho=0.4,
                                    walk_length=walk_length, seed=3)
        for r, snapshot in enumerate(snapshots[1:], start=2):
            mu = np.linalg.matrix_power(lazy, walk_length or r)
            for v in graph.nodes:
                orbit = sorted((u for u in graph.nodes if distances[v][u] == r), key=lambda u: mu[v, u])
                chosen = {u for u, t in snapshot.t().tolist() if t == v}
                if not orbit:
                    assert not chosen
                    continue
                # every chosen node is at most as connected as every node left out
                left_out = set(orbit) - chosen
                assert max(mu[v, u] for u in chosen) <= min((mu[v, u] for u in left_out), default=np.inf)


def test_walk_count_at_distance_r_is_number_of_shortest_paths():
    # in a 4-cycle 0-1-2-3, node 2 is reached from 0 by two shortest paths; in a path by one
    cycle = _edge_index(nx.cycle_graph(4))
    path = _edge_index(nx.path_graph(3))
    graph = torch.cat([cycle, path + 4], dim=1)
    snapshot = laser_snapshots(graph, 7, max_distance=2, rho=1.0)[1]
    assert _pairs(snapshot) == {(2, 0), (0, 2), (1, 3), (3, 1), (6, 4), (4, 6)}


def test_seeded_tie_breaking_and_determinism():
    ring = _edge_index(nx.cycle_graph(12))  # every orbit is a tie
    a = laser_snapshots(ring, 12, max_distance=3, rho=0.5, seed=0)
    b = laser_snapshots(ring, 12, max_distance=3, rho=0.5, seed=0)
    others = [laser_snapshots(ring, 12, max_distance=3, rho=0.5, seed=s) for s in range(1, 6)]
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))
    assert any(not torch.equal(a[1], o[1]) for o in others)


def test_transform_never_modifies_input_and_merges():
    graph = _graph()
    data = Data(edge_index=_edge_index(graph), num_nodes=graph.number_of_nodes(),
                edge_weight=torch.ones(2 * graph.number_of_edges()))
    before = data.edge_index.clone()
    transform = LASER(max_distance=3, rho=0.5, seed=1)
    out = transform(data)
    assert torch.equal(data.edge_index, before) and "edge_index_snapshots" not in data
    assert "edge_weight" in data and "edge_weight" not in out
    union = set().union(*(_pairs(s) for s in out.edge_index_snapshots))
    union |= {(v, u) for u, v in union}
    assert _pairs(out.edge_index) == union
    kept = LASER(max_distance=3, rho=0.5, merge=False)(data)
    assert torch.equal(kept.edge_index, before)


def test_repr_lists_every_argument():
    assert repr(LASER(4, 0.25, walk_length=6, merge=False, seed=2)) == (
        "LASER(max_distance=4, rho=0.25, walk_length=6, merge=False, seed=2)"
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"rho": 0.0}, "rho"), ({"rho": 1.5}, "rho"), ({"max_distance": 0}, "max_distance"),
     ({"walk_length": 0}, "walk_length")],
)
def test_bad_arguments_name_the_argument(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        LASER(**kwargs)
