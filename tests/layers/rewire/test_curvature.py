"""Balanced Forman and Ollivier–Ricci curvature against hand values and brute-force references."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
import torch
from scipy.optimize import linprog

from graphkit.errors import GraphInputError
from graphkit.layers.rewire import balanced_forman_curvature, ollivier_ricci_curvature


def as_dict(edge_index: torch.Tensor, values: torch.Tensor) -> dict[tuple[int, int], float]:
    return {(int(u), int(v)): float(c) for (u, v), c in zip(edge_index.t().tolist(), values, strict=True)}


# ------------------------------------------------------------------ brute force, from the paper
# ric_brute (conftest.py) is Definition 1 of the paper written with Python sets.


def ric_matrix(graph: nx.Graph, scan_break: bool, ric) -> np.ndarray:
    """Dense curvature matrix filled row by row, as the SDRF authors' CPU code does.

    With ``scan_break=True`` the row scan stops at the first non-neighbour (their ``break``),
    leaving every later edge of the row at 0; ``scan_break=False`` skips it (``continue``).
    """
    n = graph.number_of_nodes()
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if not graph.has_edge(i, j):
                if scan_break:
                    break
                continue
            out[i, j] = ric(graph, i, j)
    return out


# ------------------------------------------------------------- balanced Forman: hand-computed


def test_bfc_path_and_star_are_flat(edge_index_of):
    # Path: end edges have a degree-1 endpoint (Ric = 0 by definition); inner edges have
    # d = 2, 2 and no triangle or 4-cycle: 2/2 + 2/2 - 2 = 0. Star: every edge has a leaf.
    for graph in (nx.path_graph(6), nx.star_graph(5)):
        assert torch.equal(balanced_forman_curvature(edge_index_of(graph)), torch.zeros(2 * 5, dtype=torch.float64))


def test_bfc_cycles(edge_index_of):
    # C_6: d = 2, 2, no triangle, no 4-cycle: 1 + 1 - 2 = 0.
    assert torch.allclose(balanced_forman_curvature(edge_index_of(nx.cycle_graph(6))), torch.zeros(12, dtype=torch.float64))
    # C_4, edge 0~1: neighbour 3 of 0 closes 0-3-2-1 through w = 2 (not adjacent to 0), so
    # #sq^0 = #sq^1 = 1, gamma_max = 1: 0 + (1 / 1) / 2 * (1 + 1) = 1.
    assert torch.allclose(balanced_forman_curvature(edge_index_of(nx.cycle_graph(4))), torch.ones(8, dtype=torch.float64))


@pytest.mark.parametrize("n", [3, 4, 5, 7])
def test_bfc_complete_graph(n, edge_index_of):
    # K_n: d = n - 1, n - 2 triangles, no 4-cycle without diagonal:
    # 4/(n-1) - 2 + 3(n-2)/(n-1) = n / (n - 1).
    values = balanced_forman_curvature(edge_index_of(nx.complete_graph(n)))
    assert torch.allclose(values, torch.full_like(values, n / (n - 1)))


def test_bfc_barbell_bridges_are_most_negative(edge_index_of):
    # barbell_graph(5, 2): cliques 0..4 and 7..11 joined by the path 4-5-6-7.
    # bridge 4~5: d = 5, 2, no triangle, and 5's other neighbour 6 touches no neighbour of 4:
    #   2/5 + 2/2 - 2 = -0.6 (likewise 6~7).  middle 5~6: d = 2, 2 -> 0.
    # clique edge 0~4: d = 4, 5, 3 triangles: 2/4 + 2/5 - 2 + 2*3/5 + 3/4 = 0.85.
    # clique edge 0~1: d = 4, 4, 3 triangles: 1 - 2 + 6/4 + 3/4 = 1.25.
    ei = edge_index_of(nx.barbell_graph(5, 2))
    ric = as_dict(ei, balanced_forman_curvature(ei))
    assert ric[(4, 5)] == pytest.approx(-0.6) and ric[(6, 7)] == pytest.approx(-0.6)
    assert ric[(5, 6)] == pytest.approx(0.0)
    assert ric[(0, 4)] == pytest.approx(0.85) and ric[(0, 1)] == pytest.approx(1.25)
    lowest = {edge for edge, value in ric.items() if value == min(ric.values())}
    assert lowest == {(4, 5), (5, 4), (6, 7), (7, 6)}


@pytest.mark.parametrize("seed", range(6))
def test_bfc_matches_brute_force_on_random_graphs(seed, ric_brute, edge_index_of):
    rng = np.random.default_rng(seed)
    graph = nx.gnp_random_graph(int(rng.integers(8, 30)), float(rng.uniform(0.1, 0.5)), seed=seed)
    ei = edge_index_of(graph)
    expected = torch.tensor([ric_brute(graph, u, v) for u, v in ei.t().tolist()], dtype=torch.float64)
    assert torch.allclose(balanced_forman_curvature(ei, graph.number_of_nodes()), expected, atol=1e-12)


def test_bfc_squares_with_gamma_above_one(ric_brute, edge_index_of):
    # Complete bipartite K_{3,3} (nodes 0-2 | 3-5). Edge 0~3: d = 3, 3, no triangle; neighbours 4, 5 of 0 each reach the
    # two neighbours 1, 2 of 3 (not adjacent to 0): #sq^0 = #sq^3 = 2 and gamma_max = 2:
    # 2/3 + 2/3 - 2 + (1/2)/3 * 4 = 0.
    values = balanced_forman_curvature(edge_index_of(nx.complete_bipartite_graph(3, 3)))
    assert torch.allclose(values, torch.zeros_like(values), atol=1e-12)
    graph = nx.complete_bipartite_graph(3, 3)
    assert ric_brute(graph, 0, 3) == pytest.approx(0.0)


def test_sdrf_reference_break_bug_changes_results_and_ours_does_not_have_it(ric_brute, edge_index_of):
    # The SDRF authors' CPU kernel ends a row scan at the first non-neighbour (`break` where
    # `continue` was meant). Row i then stops at j = i at the latest (no self-loops), so no edge
    # i -> j with j > i is ever computed. On this graph (a 4-cycle 0-1-2-3, a tail 3-4-5 and a
    # triangle 5-6-7) most edges have a non-zero curvature, e.g. Ric(0, 1) = 1 as in C_4.
    graph = nx.Graph([(0, 1), (1, 2), (2, 3), (3, 0), (3, 4), (4, 5), (5, 6), (6, 7), (7, 5)])
    correct = ric_matrix(graph, scan_break=False, ric=ric_brute)
    buggy = ric_matrix(graph, scan_break=True, ric=ric_brute)
    edges = list(graph.edges())
    wrong = [(u, v) for u, v in edges if buggy[min(u, v), max(u, v)] != correct[min(u, v), max(u, v)]]
    assert len(wrong) >= len(edges) // 2  # the bug changes most edges
    assert correct[0, 1] == pytest.approx(1.0) and buggy[0, 1] == 0.0
    ei = edge_index_of(graph)
    ours = balanced_forman_curvature(ei).numpy()
    assert np.allclose(ours, correct[ei[0].numpy(), ei[1].numpy()], atol=1e-12)
    assert not np.allclose(ours, buggy[ei[0].numpy(), ei[1].numpy()])


def test_bfc_follows_column_order_and_is_symmetric(edge_index_of):
    ei = edge_index_of(nx.barbell_graph(4, 3))
    perm = torch.randperm(ei.size(1), generator=torch.Generator().manual_seed(0))
    assert torch.equal(balanced_forman_curvature(ei)[perm], balanced_forman_curvature(ei[:, perm]))
    ric = as_dict(ei, balanced_forman_curvature(ei))
    assert all(ric[(u, v)] == ric[(v, u)] for u, v in ric)


def test_bfc_isolated_nodes_and_num_nodes(edge_index_of):
    ei = edge_index_of(nx.cycle_graph(4))
    assert torch.equal(balanced_forman_curvature(ei, num_nodes=10), balanced_forman_curvature(ei))


@pytest.mark.parametrize("fn", [balanced_forman_curvature, ollivier_ricci_curvature])
def test_bad_inputs_name_the_argument(fn):
    with pytest.raises(GraphInputError, match="both directions"):
        fn(torch.tensor([[0, 1], [1, 2]]))
    with pytest.raises(GraphInputError, match="num_nodes"):
        fn(torch.tensor([[0, 5], [5, 0]]), num_nodes=3)
    with pytest.raises(GraphInputError, match="num_nodes"):
        fn(torch.empty(2, 0, dtype=torch.long))
    with pytest.raises(GraphInputError, match="self-loops"):
        fn(torch.tensor([[0, 0, 1], [0, 1, 0]]))
    with pytest.raises(GraphInputError, match="duplicate"):
        fn(torch.tensor([[0, 0, 1], [1, 1, 0]]))
    with pytest.raises(GraphInputError, match=r"edge_index must have shape \[2, E\]"):
        fn(torch.tensor([[0, 1, 1], [1, 0, 0], [1, 1, 1]]))
    with pytest.raises(GraphInputError, match="edge_index must hold integer"):
        fn(torch.tensor([[0.0, 1.0], [1.0, 0.0]]))
    with pytest.raises(GraphInputError, match="edge_index must be a torch.Tensor"):
        fn([[0, 1], [1, 0]])


# ------------------------------------------------------------------ Ollivier–Ricci curvature


def orc_brute(graph: nx.Graph, x: int, y: int, alpha: float) -> float:
    """1 - W1(m_x, m_y) with the full LP over the two supports (networkx distances, HiGHS)."""

    def measure(z):
        nbrs = sorted(graph[z])
        support = nbrs + ([z] if alpha > 0 else [])
        mass = [(1 - alpha) / len(nbrs)] * len(nbrs) + ([alpha] if alpha > 0 else [])
        return support, np.array(mass)

    sx, mx = measure(x)
    sy, my = measure(y)
    dist = dict(nx.all_pairs_shortest_path_length(graph))
    cost = np.array([[dist[a][b] for b in sy] for a in sx], dtype=float)
    p, q = cost.shape
    a_eq = sp.vstack([sp.kron(sp.eye(p), np.ones((1, q))), sp.kron(np.ones((1, p)), sp.eye(q))])
    result = linprog(cost.ravel(), A_eq=a_eq, b_eq=np.concatenate([mx, my]), bounds=(0, None), method="highs")
    assert result.status == 0
    return 1.0 - result.fun


def test_orc_hand_values(edge_index_of):
    # K_n, alpha = 0: n-2 shared atoms of mass 1/(n-1) stay; 1/(n-1) moves y -> x at distance 1:
    # kappa = 1 - 1/(n-1). K_4 -> 2/3.
    values = ollivier_ricci_curvature(edge_index_of(nx.complete_graph(4)))
    assert torch.allclose(values, torch.full_like(values, 2 / 3))
    # C_4, alpha = 0: m_0 = 1/2 (1 + 3), m_1 = 1/2 (0 + 2); every move has length 1: kappa = 0.
    # alpha = 1/2: 1/4 stays at 0 and at 1; 1/4 moves 0 -> 1 and 1/4 moves 3 -> 2: kappa = 1/2.
    ei = edge_index_of(nx.cycle_graph(4))
    assert torch.allclose(ollivier_ricci_curvature(ei), torch.zeros(8, dtype=torch.float64))
    assert torch.allclose(ollivier_ricci_curvature(ei, alpha=0.5), torch.full((8,), 0.5, dtype=torch.float64))
    # Path and star, alpha = 0: a leaf's measure is a Dirac at its hub, every move has length 1.
    for graph in (nx.path_graph(5), nx.star_graph(4)):
        values = ollivier_ricci_curvature(edge_index_of(graph))
        assert torch.allclose(values, torch.zeros_like(values), atol=1e-12)


def test_orc_barbell(edge_index_of):
    # Bridge 4~5 of barbell_graph(5, 2): m_4 = 1/5 on {0,1,2,3,5}, m_5 = 1/2 on {4, 6}.
    # Optimal: 5 -> 6 (1/5, length 1), 3/10 from {0..3} -> 6 (length 3), 1/2 from {0..3} -> 4
    # (length 1): W1 = 0.2 + 0.9 + 0.5 = 1.6, kappa = -0.6. Clique edge 0~4: 0.15 + 0.05 go to
    # 0 and 0.2 goes 4 -> 5, all at length 1: W1 = 0.4, kappa = 0.6; 0~1: kappa = 3/4.
    ei = edge_index_of(nx.barbell_graph(5, 2))
    orc = as_dict(ei, ollivier_ricci_curvature(ei))
    assert orc[(4, 5)] == pytest.approx(-0.6) and orc[(7, 6)] == pytest.approx(-0.6)
    assert orc[(0, 4)] == pytest.approx(0.6) and orc[(0, 1)] == pytest.approx(0.75)
    assert orc[(5, 6)] == pytest.approx(0.0)
    assert min(orc.values()) == pytest.approx(-0.6)


@pytest.mark.parametrize("alpha", [0.0, 0.5])
@pytest.mark.parametrize("seed", range(3))
def test_orc_matches_linear_program(seed, alpha, edge_index_of):
    graph = nx.connected_watts_strogatz_graph(24, 4, 0.4, seed=seed)
    graph.add_edges_from([(0, k) for k in range(5, 15)])  # a hub, for uneven degrees
    ei = edge_index_of(graph)
    expected = [orc_brute(graph, u, v, alpha) for u, v in ei.t().tolist()]
    ours = ollivier_ricci_curvature(ei, alpha=alpha)
    assert np.allclose(ours.numpy(), expected, atol=1e-9)


def test_orc_alpha_is_checked(edge_index_of):
    with pytest.raises(GraphInputError, match="alpha"):
        ollivier_ricci_curvature(edge_index_of(nx.cycle_graph(4)), alpha=1.0)
