"""BORF: batches raise the minimum Ollivier–Ricci curvature; edges come from the transport plan."""

from __future__ import annotations

import networkx as nx
import pytest

from graphkit.layers.rewire import BORF, borf, ollivier_ricci_curvature


@pytest.mark.parametrize("seed", range(4))
def test_borf_raises_minimum_orc(bottleneck, seed):
    before = ollivier_ricci_curvature(bottleneck).min()
    after = ollivier_ricci_curvature(borf(bottleneck, num_iterations=3, seed=seed)).min()
    assert after > before


def test_first_batch_on_barbell(edge_index_of):
    # barbell_graph(5, 2), one batch, h = 1, k = 0: the lowest edges are the bridges 4~5 and
    # 6~7 (kappa = -0.6). For 4~5 the optimal plan sends 5 -> 6 (1/5) and 3/10 from the clique
    # {0..3} to 6 at distance 3, so the added edge joins a node of {0..3} to 6 (mirror: a node
    # of {8..11} to 5); afterwards that bridge's curvature is higher.
    ei = edge_index_of(nx.barbell_graph(5, 2))
    new = borf(ei, num_iterations=1, batch_add=1, batch_remove=0, seed=0)
    added = set(map(tuple, new.t().tolist())) - set(map(tuple, ei.t().tolist()))
    (u, v), = [pair for pair in added if pair[0] < pair[1]]
    assert (u in {0, 1, 2, 3} and v == 6) or (u == 5 and v in {8, 9, 10, 11})
    bridge = (4, 5) if v == 6 else (6, 7)
    kappa = dict(zip(map(tuple, new.t().tolist()), ollivier_ricci_curvature(new).tolist(), strict=True))
    assert kappa[bridge] > -0.6


def test_removes_the_most_curved_edges(edge_index_of):
    # batch_add = 0 isolates removal: clique edges far from the bridges (kappa = 3/4) go first.
    ei = edge_index_of(nx.barbell_graph(5, 2))
    kappa = dict(zip(map(tuple, ei.t().tolist()), ollivier_ricci_curvature(ei).tolist(), strict=True))
    new = borf(ei, num_iterations=1, batch_add=0, batch_remove=2, seed=0)
    removed = set(map(tuple, ei.t().tolist())) - set(map(tuple, new.t().tolist()))
    assert len(removed) == 4 and all(kappa[pair] == pytest.approx(0.75) for pair in removed)


def test_flat_edges_are_left_alone(edge_index_of):
    # every edge of a cycle of 20 nodes has kappa = 0 (m_u -> m_v moves each half a step of 1):
    # there is no bottleneck to relieve and no over-smoothing edge to cut, so nothing changes
    ei = edge_index_of(nx.cycle_graph(20))
    assert ollivier_ricci_curvature(ei).abs().max() == pytest.approx(0.0, abs=1e-12)
    assert borf(ei, num_iterations=10, seed=0).tolist() == ei.tolist()


def test_seed_breaks_ties_differently(edge_index_of):
    ei = edge_index_of(nx.ring_of_cliques(4, 4))
    runs = {tuple(borf(ei, num_iterations=1, seed=s).flatten().tolist()) for s in range(6)}
    assert len(runs) > 1


def test_transform_contract_and_repr(check_transform_contract):
    check_transform_contract(
        lambda **kw: BORF(**{"num_iterations": 2, **kw}),
        {"num_iterations": -1, "batch_add": -2, "batch_remove": 0.5, "seed": -1},
    )
    assert repr(BORF()) == "BORF(num_iterations=10, batch_add=4, batch_remove=2, seed=0)"
    assert repr(BORF(2, 3, 1, seed=5)) == "BORF(num_iterations=2, batch_add=3, batch_remove=1, seed=5)"
