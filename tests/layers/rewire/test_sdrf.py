"""SDRF: the flow raises the minimum balanced Forman curvature; candidate gains are exact."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import torch

from graphkit.layers.rewire import SDRF, balanced_forman_curvature, sdrf
from graphkit.layers.rewire._graph import EdgeSet, undirected_csr
from graphkit.layers.rewire._kernels import affected_edges, bfc_after_adding
from graphkit.layers.rewire.curvature import bfc_csr
from graphkit.layers.rewire.sdrf import _candidates, _recompute, _refresh


@pytest.mark.parametrize("seed", range(5))
def test_sdrf_raises_minimum_curvature(bottleneck, seed):
    # Greedy enough (tau = 100) to follow the best candidates; 10 steps with removals above 0.5.
    before = balanced_forman_curvature(bottleneck).min()
    after = balanced_forman_curvature(sdrf(bottleneck, loops=10, tau=100.0, seed=seed)).min()
    assert after > before


def test_one_greedy_step_adds_the_best_candidate(edge_index_of, ric_brute):
    # barbell_graph(5, 2): the lowest edge is the bridge 4~5 (Ric -0.6). The best candidate is
    # 4~6 (triangle 4-5-6): d = 6, 2, one triangle: 2/6 + 1 - 2 + 2/6 + 1/2 = 1/6.
    graph = nx.barbell_graph(5, 2)
    new = sdrf(edge_index_of(graph), loops=1, tau=1e6, remove_edges=False)
    added = set(map(tuple, new.t().tolist())) - set(map(tuple, edge_index_of(graph).t().tolist()))
    assert added == {(4, 6), (6, 4)}
    graph.add_edge(4, 6)
    assert ric_brute(graph, 4, 5) == pytest.approx(1 / 6)


@pytest.mark.parametrize("seed", range(8))
def test_candidate_gains_match_brute_force(seed, edge_index_of, ric_brute):
    rng = np.random.default_rng(seed)
    graph = nx.gnp_random_graph(int(rng.integers(8, 22)), float(rng.uniform(0.15, 0.45)), seed=seed)
    n = graph.number_of_nodes()
    csr = undirected_csr(edge_index_of(graph), n)
    edges = EdgeSet(csr.indptr, csr.indices)
    role, count = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    for i, j in list(graph.edges())[:6]:
        candidates = _candidates(edges, i, j)
        if candidates is None:
            continue
        ks, ls = candidates
        ours = bfc_after_adding(csr.indptr, csr.indices, i, j, ks, ls, role, count)
        assert not role.any() and not count.any()  # scratch arrays restored
        for k, q, value in zip(ks.tolist(), ls.tolist(), ours, strict=True):
            bigger = graph.copy()
            bigger.add_edge(k, q)
            assert value == pytest.approx(ric_brute(bigger, i, j), abs=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_incremental_updates_match_full_recomputation(seed, edge_index_of):
    graph = nx.connected_watts_strogatz_graph(30, 4, 0.3, seed=seed)
    csr = undirected_csr(edge_index_of(graph), 30)
    edges = EdgeSet(csr.indptr, csr.indices)
    curvature = bfc_csr(csr.indptr, csr.indices)
    rng = np.random.default_rng(seed)
    for _ in range(15):
        u, v = map(int, rng.choice(30, size=2, replace=False))
        if edges.has(np.array([u]), np.array([v]))[0]:
            us, vs = affected_edges(*edges.csr(), u, v)
            curvature = np.delete(curvature, edges.remove(u, v))
            keep = ~(((us == u) & (vs == v)) | ((us == v) & (vs == u)))
            curvature = _recompute(edges, curvature, us[keep], vs[keep])
        else:
            curvature = np.insert(curvature, edges.add(u, v) - np.arange(2), 0.0)
            curvature = _refresh(edges, curvature, u, v)
        assert np.allclose(curvature, bfc_csr(*edges.csr()), atol=1e-12)


def test_sdrf_without_removal_only_adds(bottleneck):
    new = sdrf(bottleneck, loops=5, remove_edges=False, seed=1)
    old = set(map(tuple, bottleneck.t().tolist()))
    assert old < set(map(tuple, new.t().tolist())) and new.size(1) == bottleneck.size(1) + 10


def test_seeds_change_the_draws(bottleneck):
    runs = {tuple(sdrf(bottleneck, loops=10, tau=1.0, seed=s).flatten().tolist()) for s in range(6)}
    assert len(runs) > 1


def test_transform_contract_and_repr(check_transform_contract):
    check_transform_contract(
        lambda **kw: SDRF(**{"loops": 5, **kw}),
        {"loops": -1, "tau": -1.0, "removal_bound": float("nan"), "seed": -3},
    )
    assert repr(SDRF()) == "SDRF(loops=10, remove_edges=True, removal_bound=0.5, tau=1.0, seed=0)"
    assert repr(SDRF(loops=1010, tau=69, removal_bound=1.22, seed=3)) == (
        "SDRF(loops=1010, remove_edges=True, removal_bound=1.22, tau=69.0, seed=3)"
    )


def test_no_edges_left_stops(edge_index_of):
    # A single edge: min curvature 0 (degree 1), no candidate, nothing above the bound.
    ei = edge_index_of(nx.path_graph(2))
    assert torch.equal(sdrf(ei, loops=3), ei)
