"""DRew (Gutteridge et al., ICML 2023): exact k-hop rings, ring/delay bookkeeping, arrival times."""

from __future__ import annotations

import networkx as nx
import pytest
import torch

from graphkit.errors import ConfigError
from graphkit.layers.rewire.drew import DRewConv, DRewGNN, delay, k_hop_rings


def _edge_index(graph: nx.Graph) -> torch.Tensor:
    edges = torch.tensor(list(graph.edges()), dtype=torch.long).t()
    return torch.cat([edges, edges.flip(0)], dim=1)


def _test_graph() -> nx.Graph:
    graph = nx.gnm_random_graph(30, 40, seed=4)
    graph.add_nodes_from(range(30, 33))
    graph.add_edges_from([(30, 31), (31, 32)])  # a separate component
    return graph


def test_k_hop_rings_match_networkx_shortest_paths():
    graph = _test_graph()
    rings = k_hop_rings(_edge_index(graph), 6, num_nodes=33)
    lengths = dict(nx.all_pairs_shortest_path_length(graph))
    for k, ring in enumerate(rings, start=1):
        expected = {(j, i) for i in graph for j, d in lengths[i].items() if d == k}
        assert set(map(tuple, ring.t().tolist())) == expected
        assert ring.dtype == torch.long


def test_k_hop_rings_empty_beyond_the_diameter_and_bad_max_k():
    rings = k_hop_rings(_edge_index(nx.path_graph(3)), 4)
    assert [r.size(1) for r in rings] == [4, 2, 0, 0]
    with pytest.raises(ConfigError, match="max_k"):
        k_hop_rings(_edge_index(nx.path_graph(3)), 0)


def test_delay_rule_and_ring_sources():
    assert [delay(k, 1) for k in range(1, 5)] == [0, 1, 2, 3]
    assert [delay(k, 2) for k in range(1, 5)] == [0, 0, 1, 2]
    assert [delay(k, None) for k in range(1, 5)] == [0, 0, 0, 0]
    # layer 3 reads ring k from layer 3 - tau(k): nu=1 walks back one layer per hop
    assert DRewConv(4, 3, nu=1).sources() == [(1, 3), (2, 2), (3, 1), (4, 0)]
    assert DRewConv(4, 3, nu=2).sources() == [(1, 3), (2, 3), (3, 2), (4, 1)]
    assert DRewConv(4, 3, nu=None).sources() == [(1, 3), (2, 3), (3, 3), (4, 3)]
    assert DRewConv(4, 3, nu=1, max_k=2).sources() == [(1, 3), (2, 2)]
    assert [len(DRewConv(4, layer).lins) for layer in range(4)] == [1, 2, 3, 4]


def _reference(model: DRewGNN, x: torch.Tensor, graph: nx.Graph) -> torch.Tensor:
    """Dense loops over networkx distances, written from the paper's equations."""
    lengths = dict(nx.all_pairs_shortest_path_length(graph))
    n = x.size(0)
    ring_size = {(i, k): sum(1 for d in lengths[i].values() if d == k) for i in range(n)
                 for k in range(1, model.num_layers + 1)}
    history = [model.encoder(x)]
    for layer, conv in enumerate(model.convs):
        rows = []
        for i in range(n):
            total = conv.bias.clone()
            for k in range(1, min(layer + 1, model.max_k or layer + 1) + 1):
                read = layer - (0 if model.nu is None else max(0, k - model.nu))
                for j, d in lengths[i].items():
                    if d == k:
                        norm = (ring_size[(i, k)] * ring_size[(j, k)]) ** -0.5
                        total = total + norm * conv.lins[k - 1](history[read][j])
            rows.append(torch.relu(total))
        history.append(history[-1] + torch.stack(rows))
    return model.decoder(history[-1])


@pytest.mark.parametrize(("nu", "max_k"), [(1, None), (2, None), (None, None), (1, 2)])
def test_forward_matches_dense_reference(nu, max_k):
    torch.manual_seed(0)
    graph = nx.gnm_random_graph(9, 12, seed=1)
    model = DRewGNN(3, 5, 2, num_layers=4, nu=nu, max_k=max_k)
    x = torch.randn(9, 3)
    with torch.no_grad():
        expected = _reference(model, x, graph)
        got = model(x, _edge_index(graph))
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)


def _expected_reach(n: int, layers: int, nu: int | None) -> list[set[int]]:
    """Nodes of a path 0..n-1 that depend on node 0 after each layer, from the update rule."""
    reached = [{0}]
    for layer in range(layers):
        new = set(reached[-1])
        for i in range(n):
            for k in range(1, layer + 2):
                read = layer - (0 if nu is None else max(0, k - nu))
                if any(abs(i - j) == k for j in reached[read]):
                    new.add(i)
        reached.append(new)
    return reached


@pytest.mark.parametrize("nu", [1, 2, None])
def test_information_travels_along_a_path_as_the_paper_says(nu):
    n, layers = 12, 4
    graph = nx.path_graph(n)
    expected = _expected_reach(n, layers, nu)
    if nu == 1:  # nu = 1: distance d arrives at layer d, as in a classical MPNN
        assert expected[layers] == set(range(layers + 1))
    if nu is None:  # no delay: reach after t layers is t(t+1)/2 (1, 3, 6, 10)
        assert expected[layers] == set(range(11))
    torch.manual_seed(0)
    for depth in range(1, layers + 1):
        model = DRewGNN(1, 4, 1, num_layers=depth, nu=nu, activation="identity")
        x = torch.randn(n, 1, requires_grad=True)
        out = model(x, _edge_index(graph))
        influenced = set()
        for i in range(n):
            (grad,) = torch.autograd.grad(out[i].sum(), x, retain_graph=True)
            if grad[0].abs().item() > 0:
                influenced.add(i)
        assert influenced == expected[depth], (nu, depth)


def test_repr_and_bad_arguments():
    model = DRewGNN(3, 8, 2, num_layers=3, nu=2, dropout=0.1, max_k=2)
    assert repr(model) == ("DRewGNN(3, 8, 2, num_layers=3, nu=2, dropout=0.1, max_k=2, "
                           "activation='relu')")
    assert repr(model.convs[1]) == "DRewConv(8, layer=1, nu=2, max_k=2)"
    with pytest.raises(ConfigError, match="nu"):
        DRewGNN(3, 8, 2, nu=0)
    with pytest.raises(ConfigError, match="num_layers"):
        DRewGNN(3, 8, 2, num_layers=0)
    with pytest.raises(ConfigError, match="rings"):
        DRewConv(8, 2)([torch.zeros(2, 8)] * 3, [])


def test_reset_parameters_is_seeded():
    torch.manual_seed(3)
    a = DRewGNN(3, 4, 2, num_layers=2)
    torch.manual_seed(3)
    b = DRewGNN(3, 4, 2, num_layers=2)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q)
