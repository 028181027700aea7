"""Tests of WalkPooling and its math helpers against explicit dense matrix powers.

The reference in this file recomputes everything from the definitions (Pan, Shi & Dokmanić,
ICLR 2022): the attention logits from the layer's weights, the transition matrices by a
softmax over each node's neighbours, and the walk profile from ``torch.linalg.matrix_power``.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch.nn import functional as F

from graphkit.errors import GraphInputError
from graphkit.layers import WalkPooling, walk_profile, walk_transition
from graphkit.layers.walk_pool import PROFILE_PARTS

# two hand-made subgraphs: a 6-node graph (a triangle fan with a tail) and a 4-node path
SUB_A = [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3), (2, 4), (3, 4), (3, 5), (4, 5), (0, 3)]
PAIR_A = (0, 3)  # (0, 3) is an edge: it must be ignored in G- and present in G+
SUB_B = [(0, 1), (1, 2), (2, 3)]
PAIR_B = (3, 0)  # not an edge of the path


def _batch():
    """PyG-style block-diagonal batch of SUB_A (6 nodes) and SUB_B (4 nodes)."""
    edges = [(u, v) for u, v in SUB_A] + [(u + 6, v + 6) for u, v in SUB_B]
    both = edges + [(v, u) for u, v in edges]
    edge_index = torch.tensor(both, dtype=torch.long).t()
    batch = torch.tensor([0] * 6 + [1] * 4)
    pair_index = torch.tensor([[PAIR_A[0], PAIR_B[0] + 6], [PAIR_A[1], PAIR_B[1] + 6]])
    return edge_index, batch, pair_index


def _dense(edges, n):
    a = torch.zeros(n, n, dtype=torch.bool)
    for u, v in edges:
        a[u, v] = a[v, u] = True
    return a


def _softmax_rows(logits, adjacency):
    """P[x, y] = A[x, y] exp(w[x, y]) / sum_z A[x, z] exp(w[x, z]), written out row by row."""
    p = torch.zeros_like(logits)
    for x in range(logits.size(0)):
        nbrs = adjacency[x].nonzero().flatten()
        if nbrs.numel():
            weights = torch.exp(logits[x, nbrs])
            p[x, nbrs] = weights / weights.sum()
    return p


def _reference(layer, x, edges, pair):
    """Features of one subgraph from the definitions (layer in eval mode, float64)."""
    n = x.size(0)
    i, j = pair
    minus = _dense([e for e in edges if set(e) != {i, j}], n)
    plus = minus.clone()
    plus[i, j] = plus[j, i] = True

    def mlp(layers, h):
        return layers[1](F.leaky_relu(layers[0](h), 0.2))

    q, k = mlp(layer.query, x), mlp(layer.key, x)
    f, length = layer.hidden_channels, layer.walk_length
    out = []
    for h in range(layer.heads):
        qh, kh = q[:, h * f : (h + 1) * f], k[:, h * f : (h + 1) * f]
        logits = qh @ kh.t() / math.sqrt(f)
        p_plus, p_minus = _softmax_rows(logits, plus), _softmax_rows(logits, minus)
        parts = {name: [] for name in PROFILE_PARTS}
        for tau in range(2, length + 2):
            a, b = torch.linalg.matrix_power(p_plus, tau), torch.linalg.matrix_power(p_minus, tau)
            parts["node_plus"].append(a[i, i] + a[j, j])
            parts["node_minus"].append(b[i, i] + b[j, j])
            parts["link_plus"].append(a[i, j] + a[j, i])
            parts["link_minus"].append(b[i, j] + b[j, i])
            parts["graph_diff"].append(torch.trace(a) - torch.trace(b))
        weight = torch.sigmoid(logits[i, j]) + torch.sigmoid(logits[j, i])
        out += parts["graph_diff"] + [weight]
        for name in PROFILE_PARTS[:4]:
            out += parts[name]
    return torch.stack(out)


@pytest.fixture()
def layer():
    torch.manual_seed(0)
    return WalkPooling(3, heads=2, walk_length=5, hidden_channels=4).double().eval()


def test_features_equal_dense_matrix_powers(layer):
    edge_index, batch, pair_index = _batch()
    torch.manual_seed(1)
    x = torch.randn(10, 3, dtype=torch.float64)
    out = layer(x, edge_index, batch, pair_index)
    assert out.shape == (2, layer.out_channels) == (2, 2 * (5 * 5 + 1))
    ref_a = _reference(layer, x[:6], SUB_A, PAIR_A)
    ref_b = _reference(layer, x[6:], SUB_B, PAIR_B)
    torch.testing.assert_close(out[0], ref_a, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(out[1], ref_b, rtol=1e-10, atol=1e-12)


def test_walk_profile_equals_matrix_powers_for_random_matrices():
    torch.manual_seed(2)
    n, length = 5, 6
    adjacency = _dense([(0, 1), (1, 2), (2, 3), (3, 4), (4, 0), (1, 3), (0, 2)], n)
    logits = torch.randn(2, 3, n, n, dtype=torch.float64)
    pairs = torch.tensor([[0, 2], [4, 1]])  # (0, 2) is an edge, (4, 1) is not
    plus = adjacency.expand(2, n, n).clone()
    minus = plus.clone()
    for b, (i, j) in enumerate(pairs.tolist()):
        plus[b, i, j] = plus[b, j, i] = True
        minus[b, i, j] = minus[b, j, i] = False
    p_plus = walk_transition(logits, plus.unsqueeze(1))
    p_minus = walk_transition(logits, minus.unsqueeze(1))
    rows = torch.stack([p_minus[b, :, pairs[b]] for b in range(2)])
    profile = walk_profile(p_plus, rows, pairs, length)
    assert profile.shape == (2, 3, 5, length)
    for b, (i, j) in enumerate(pairs.tolist()):
        for h in range(3):
            for t, tau in enumerate(range(2, length + 2)):
                a = torch.linalg.matrix_power(p_plus[b, h], tau)
                m = torch.linalg.matrix_power(p_minus[b, h], tau)
                expected = [a[i, i] + a[j, j], m[i, i] + m[j, j], a[i, j] + a[j, i],
                            m[i, j] + m[j, i], a.trace() - m.trace()]
                torch.testing.assert_close(profile[b, h, :, t], torch.stack(expected))


def test_walk_transition_rows_sum_to_one_and_isolated_rows_are_zero():
    adjacency = _dense([(0, 1), (1, 2)], 4)  # node 3 isolated
    p = walk_transition(torch.randn(4, 4), adjacency)
    torch.testing.assert_close(p.sum(-1), torch.tensor([1.0, 1.0, 1.0, 0.0]))
    assert torch.all(p[~adjacency] == 0)


def test_zero_weight_target_link_makes_both_profiles_equal():
    # with the target link's transition weight zero, G+ and G- have the same P: the perturbed
    # (node+, link+) features equal the unperturbed ones and the trace difference vanishes
    torch.manual_seed(3)
    n = 6
    adjacency = _dense(SUB_A, n)
    logits = torch.randn(1, 2, n, n, dtype=torch.float64)
    i, j = PAIR_A
    logits[:, :, i, j] = logits[:, :, j, i] = float("-inf")
    p_plus = walk_transition(logits, adjacency)
    minus = adjacency.clone()
    minus[i, j] = minus[j, i] = False
    p_minus = walk_transition(logits, minus)
    torch.testing.assert_close(p_plus, p_minus)
    profile = walk_profile(p_plus, p_minus[:, :, [i, j]], torch.tensor([[i, j]]), 7)
    torch.testing.assert_close(profile[:, :, 0], profile[:, :, 1])
    torch.testing.assert_close(profile[:, :, 2], profile[:, :, 3])
    assert torch.all(profile[:, :, 4] == 0)


def test_edge_list_forward_equals_padded_dense_forward():
    """The block-diagonal path (scatter over edges) against ``dense_forward`` (padded
    ``[B, n, n]`` matrices) on random subgraphs of different sizes, with duplicate edges."""
    torch.manual_seed(6)
    layer = WalkPooling(5, heads=3, walk_length=6, hidden_channels=4).double().eval()
    sizes = [7, 3, 12, 5]
    graphs = [(torch.rand(n, n) < 0.35).triu(1) for n in sizes]
    n = max(sizes)
    x = torch.randn(sum(sizes), 5, dtype=torch.float64)
    dense_x = torch.zeros(len(sizes), n, 5, dtype=torch.float64)
    adjacency = torch.zeros(len(sizes), n, n, dtype=torch.bool)
    mask = torch.zeros(len(sizes), n, dtype=torch.bool)
    edges, start = [], 0
    for b, (a, size) in enumerate(zip(graphs, sizes, strict=True)):
        adjacency[b, :size, :size] = a | a.t()
        mask[b, :size] = True
        dense_x[b, :size] = x[start : start + size]
        u, v = (a | a.t()).nonzero().t()
        edges.append(torch.stack([u, v]) + start)
        start += size
    edge_index = torch.cat(edges + [edges[0][:, :3]], dim=1)  # three duplicated edges
    batch = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes))
    pairs = torch.tensor([[0, 4], [2, 1], [11, 3], [0, 1]])
    offsets = torch.tensor([0, 7, 10, 22]).unsqueeze(1)
    out = layer(x, edge_index, batch, (pairs + offsets).t())
    torch.testing.assert_close(out, layer.dense_forward(dense_x, adjacency, mask, pairs))


def test_targets_in_different_components_have_no_minus_link_walks(layer):
    # SUB_C: two triangles joined only by the target link (0, 3): without it no walk joins
    # 0 and 3 (link- = 0 exactly) and closed walks through the link exist only in G+
    sub_c = [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (0, 3)]
    both = sub_c + [(v, u) for u, v in sub_c]
    edge_index = torch.tensor(both).t()
    x = torch.randn(6, 3, dtype=torch.float64)
    out = layer(x, edge_index, torch.zeros(6, dtype=torch.long), torch.tensor([[0], [3]]))
    per_head = out.view(2, 5 * 5 + 1)
    graph_diff, link_plus, link_minus = per_head[:, :5], per_head[:, 16:21], per_head[:, 21:26]
    assert torch.all(link_minus == 0)
    assert torch.all(link_plus[:, 1::2] > 0)  # odd tau (3, 5): walks 0 -> 3 of odd length exist
    assert torch.all(graph_diff.abs().sum(-1) > 0)


def test_features_ignore_padding_and_batch_composition(layer):
    edge_index, batch, pair_index = _batch()
    x = torch.randn(10, 3, dtype=torch.float64)
    both = layer(x, edge_index, batch, pair_index)
    mask = edge_index[0] < 6
    alone = layer(x[:6], edge_index[:, mask], batch[:6], pair_index[:, :1])
    torch.testing.assert_close(both[:1], alone)


def test_gradients_are_finite_with_isolated_nodes():
    torch.manual_seed(4)
    layer = WalkPooling(3, heads=2, walk_length=7)
    edge_index, batch, pair_index = _batch()
    # node 5 of SUB_A keeps its edges; add an isolated node to subgraph 1
    x = torch.randn(11, 3, requires_grad=True)
    batch = torch.cat([batch, torch.tensor([1])])
    layer(x, edge_index, batch, pair_index).sum().backward()
    assert torch.isfinite(x.grad).all()
    assert all(torch.isfinite(p.grad).all() for p in layer.parameters())


def test_seeded_determinism_and_reset_parameters():
    edge_index, batch, pair_index = _batch()
    x = torch.randn(10, 3)
    torch.manual_seed(5)
    first = WalkPooling(3).eval()
    torch.manual_seed(5)
    second = WalkPooling(3).eval()
    torch.testing.assert_close(first(x, edge_index, batch, pair_index),
                               second(x, edge_index, batch, pair_index), rtol=0, atol=0)
    before = first(x, edge_index, batch, pair_index)
    torch.manual_seed(6)
    first.reset_parameters()
    assert not torch.allclose(before, first(x, edge_index, batch, pair_index))


def test_repr():
    assert repr(WalkPooling(32, heads=2, walk_length=7)) == "WalkPooling(32, heads=2, walk_length=7)"
    assert repr(WalkPooling(8, heads=1, walk_length=3, hidden_channels=16)) == (
        "WalkPooling(8, heads=1, walk_length=3, hidden_channels=16)"
    )


@pytest.mark.parametrize(
    "change, argument",
    [
        (lambda x, e, b, p: (x[:, :2], e, b, p), "x"),
        (lambda x, e, b, p: (x, e[:1], b, p), "edge_index"),
        (lambda x, e, b, p: (x, e, b[:-1], p), "batch"),
        (lambda x, e, b, p: (x, e, b, p[:, :1]), "pair_index"),
        (lambda x, e, b, p: (x, e, b, p + 100), "pair_index"),
        (lambda x, e, b, p: (x, e, b, p.flip(1)), "pair_index"),  # pairs in the wrong subgraph
        (lambda x, e, b, p: (x, e + 100, b, p), "edge_index"),
        (lambda x, e, b, p: (x, e, b.flip(0), p), "batch"),  # unsorted
        (lambda x, e, b, p: (x, e, b, torch.stack([p[0], p[0]])), "self-pair"),
        (lambda x, e, b, p: (x, torch.cat([e, torch.tensor([[0], [7]])], 1), b, p),
         "different subgraphs"),
    ],
)
def test_bad_input_names_the_argument(change, argument):
    layer = WalkPooling(3)
    edge_index, batch, pair_index = _batch()
    args = change(torch.randn(10, 3), edge_index, batch, pair_index)
    with pytest.raises(GraphInputError, match=argument):
        layer(*args)


@pytest.mark.parametrize("kwargs", [{"heads": 0}, {"walk_length": 0}, {"dropout": 1.0}])
def test_bad_hyperparameters(kwargs):
    with pytest.raises(GraphInputError, match=next(iter(kwargs))):
        WalkPooling(3, **kwargs)


def test_dense_forward_checks_pairs():
    layer = WalkPooling(3)
    x, adj, mask = torch.randn(2, 4, 3), torch.zeros(2, 4, 4, dtype=torch.bool), torch.ones(2, 4, dtype=torch.bool)
    with pytest.raises(GraphInputError, match="pairs"):
        layer.dense_forward(x, adj, mask, torch.tensor([[0, 4], [0, 1]]))
