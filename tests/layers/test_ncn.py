"""Tests of NCN / NCNC: common-neighbour sets and sums against brute-force Python sets, the
NCNC completion against a dense reference, target-link removal, input forms, errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from graphkit.errors import ConfigError, GraphInputError
from graphkit.graph import as_graph
from graphkit.layers import (
    Adjacency,
    NCNCPredictor,
    NCNPredictor,
    common_neighbor_aggregate,
    drop_neighbor_entries,
    pair_sets,
    remove_target_links,
    sample_members,
)
from graphkit.layers.ncn import NeighborTensors, neighbor_lists


def _random_graph(seed: int, n: int = 30, m: int = 60) -> tuple[torch.Tensor, list[set[int]], int]:
    """Random multigraph edges (with a self-loop and duplicates) on ``n + 3`` nodes whose last
    three are isolated; returns the edge_index, the neighbour sets, and the node count."""
    rng = np.random.default_rng(seed)
    edges = rng.integers(0, n, size=(2, m))
    edges = np.concatenate([edges, [[0, 1], [0, 1]], edges[:, :3]], axis=1)  # loop, duplicates
    total = n + 3
    neigh: list[set[int]] = [set() for _ in range(total)]
    for u, v in edges.T:
        if u != v:
            neigh[u].add(int(v))
            neigh[v].add(int(u))
    return torch.as_tensor(edges), neigh, total


def _test_pairs(neigh: list[set[int]], total: int, seed: int) -> torch.Tensor:
    rng = np.random.default_rng(seed + 100)
    random_pairs = rng.integers(0, total, size=(2, 40))
    edge = next((u, v) for u in range(total) for v in sorted(neigh[u]))
    special = np.array([[0, 5, total - 1, total - 2, edge[0]], [0, 5, 3, total - 1, edge[1]]])
    return torch.as_tensor(np.concatenate([random_pairs, special], axis=1))


def _members(offsets: torch.Tensor, members: torch.Tensor, k: int) -> list[int]:
    return members[offsets[k] : offsets[k + 1]].tolist()


@pytest.mark.parametrize("seed", range(5))
def test_pair_sets_match_python_sets(seed):
    edge_index, neigh, total = _random_graph(seed)
    pairs = _test_pairs(neigh, total, seed)
    sets = pair_sets(edge_index, pairs, residual=True, num_nodes=total)
    empty_seen = 0
    for k, (i, j) in enumerate(pairs.t().tolist()):
        assert _members(*sets.common, k) == sorted(neigh[i] & neigh[j])
        assert _members(*sets.only_first, k) == sorted(neigh[i] - neigh[j] - {j})
        assert _members(*sets.only_second, k) == sorted(neigh[j] - neigh[i] - {i})
        empty_seen += not (neigh[i] & neigh[j])
    assert empty_seen > 0  # pairs without a common neighbour are covered


@pytest.mark.parametrize("seed", range(5))
def test_pair_sets_by_search_match_python_sets(seed):
    # the accelerator path (NeighborTensors) run on CPU tensors: same sets, same member order
    edge_index, neigh, total = _random_graph(seed)
    pairs = _test_pairs(neigh, total, seed)
    graph = NeighborTensors.from_graph(edge_index, "cpu", num_nodes=total)
    sets = pair_sets(graph, pairs, residual=True)
    for k, (i, j) in enumerate(pairs.t().tolist()):
        assert _members(*sets.common, k) == sorted(neigh[i] & neigh[j])
        assert _members(*sets.only_first, k) == sorted(neigh[i] - neigh[j] - {j})
        assert _members(*sets.only_second, k) == sorted(neigh[j] - neigh[i] - {i})
    assert pair_sets(graph, pairs).only_first is None
    empty = pair_sets(NeighborTensors.from_graph(torch.zeros(2, 0, dtype=torch.long), "cpu", 4),
                      torch.tensor([[0, 1], [2, 3]]), residual=True)
    assert empty.common[0].tolist() == [0, 0, 0] and empty.only_first[1].numel() == 0


def test_predictors_agree_on_graph_and_neighbor_tensors():
    edge_index, neigh, total = _random_graph(0)
    pairs = _test_pairs(neigh, total, 0)
    h = torch.randn(total, 4, dtype=torch.float64, requires_grad=True)
    tensors = NeighborTensors.from_graph(edge_index, "cpu", num_nodes=total)
    for model in (NCNPredictor(4, 4), NCNCPredictor(4, 4, prob_scale=2.0)):
        model = model.double().eval()
        on_graph = model(h, neighbor_lists(edge_index, total), pairs)
        (grad_graph,) = torch.autograd.grad(on_graph.sum(), h)
        on_tensors = model(h, tensors, pairs)
        (grad_tensors,) = torch.autograd.grad(on_tensors.sum(), h)
        torch.testing.assert_close(on_tensors, on_graph)
        torch.testing.assert_close(grad_tensors, grad_graph)
    elsewhere = NeighborTensors.from_graph(edge_index, "meta", num_nodes=total)
    with pytest.raises(GraphInputError, match="h is on cpu but the NeighborTensors graph is on meta"):
        NCNPredictor(4, 4).double()(h, elsewhere, pairs)


@pytest.mark.parametrize("seed", range(5))
def test_common_neighbor_sum_matches_brute_force(seed):
    edge_index, neigh, total = _random_graph(seed)
    pairs = _test_pairs(neigh, total, seed)
    h = torch.randn(total, 3, dtype=torch.float64)
    out = common_neighbor_aggregate(edge_index, h, pairs)
    expected = torch.stack([
        sum((h[u] for u in neigh[i] & neigh[j]), torch.zeros(3, dtype=torch.float64))
        for i, j in pairs.t().tolist()
    ])
    torch.testing.assert_close(out, expected)
    # self pair: the node's own neighbours; isolated nodes: zeros
    torch.testing.assert_close(out[-5], sum((h[u] for u in neigh[0]), torch.zeros(3, dtype=torch.float64)))
    assert torch.all(out[-4] == 0) if not neigh[5] else True
    assert torch.all(out[-3] == 0) and torch.all(out[-2] == 0)


def test_adjacency_forms_agree():
    edge_index, neigh, total = _random_graph(7)
    pairs = _test_pairs(neigh, total, 7)
    h = torch.randn(total, 4)
    reference = common_neighbor_aggregate(edge_index, h, pairs)
    coo = torch.sparse_coo_tensor(
        edge_index, torch.ones(edge_index.size(1)), (total, total), check_invariants=True
    )
    forms = [
        coo, coo.coalesce().to_sparse_csr(), Adjacency(edge_index, num_nodes=total),
        neighbor_lists(edge_index, total), as_graph(edge_index, num_nodes=total),
        edge_index.flip(0),  # direction is ignored
    ]
    for form in forms:
        torch.testing.assert_close(common_neighbor_aggregate(form, h, pairs), reference)


def test_gradient_matches_dense_reference():
    edge_index, neigh, total = _random_graph(3)
    pairs = _test_pairs(neigh, total, 3)
    dense = torch.zeros(total, total, dtype=torch.float64)
    for u, vs in enumerate(neigh):
        dense[u, list(vs)] = 1.0
    h = torch.randn(total, 5, dtype=torch.float64, requires_grad=True)
    target = torch.randn(pairs.size(1), 5, dtype=torch.float64)
    (common_neighbor_aggregate(edge_index, h, pairs) * target).sum().backward()
    grad = h.grad.clone()
    h.grad = None
    ((dense[pairs[0]] * dense[pairs[1]]) @ h * target).sum().backward()
    torch.testing.assert_close(grad, h.grad)
    assert torch.autograd.gradcheck(
        lambda x: common_neighbor_aggregate(edge_index, x, pairs), (h.detach().requires_grad_(),),
        fast_mode=True,
    )


def test_many_nodes_without_dense_pair_by_node_matrix():
    # a dense [pairs, nodes] float matrix would need 50,000 * 2,000,000 * 4 bytes = 400 GB
    n, m = 2_000_000, 200_000
    gen = torch.Generator().manual_seed(0)
    edge_index = torch.randint(0, 2000, (2, m), generator=gen)  # a dense corner: many CNs
    edge_index = torch.cat([edge_index, torch.randint(0, n, (2, m), generator=gen)], dim=1)
    pairs = torch.randint(0, 2000, (2, 50_000), generator=gen)
    h = torch.randn(n, 2)
    out = common_neighbor_aggregate(edge_index, h, pairs, num_nodes=n)
    assert out.shape == (50_000, 2) and torch.isfinite(out).all()
    sets = pair_sets(edge_index, pairs[:, :20], num_nodes=n)
    g = neighbor_lists(edge_index, n)
    for k, (i, j) in enumerate(pairs[:, :20].t().tolist()):
        ni = set(g.indices[g.indptr[i] : g.indptr[i + 1]].tolist())
        nj = set(g.indices[g.indptr[j] : g.indptr[j + 1]].tolist())
        assert _members(*sets.common, k) == sorted(ni & nj)


# ------------------------------------------------------------------------ predictors


def _tiny() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """7 nodes: a 4-cycle 0-1-2-3 with chord 0-2, a triangle 3-4-5 and isolated node 6."""
    edges = torch.tensor([[0, 1, 2, 3, 0, 3, 4, 5], [1, 2, 3, 0, 2, 4, 5, 3]])
    dense = torch.zeros(7, 7, dtype=torch.float64)
    dense[edges[0], edges[1]] = dense[edges[1], edges[0]] = 1.0
    pairs = torch.tensor([[0, 1, 1, 4, 6, 2, 0], [2, 3, 5, 0, 1, 2, 4]])
    return edges, dense, pairs


def test_ncn_matches_dense_reference():
    edges, dense, pairs = _tiny()
    torch.manual_seed(0)
    model = NCNPredictor(6, 6, dropout=0.3, out_layers=2).double().eval()
    h = torch.randn(7, 6, dtype=torch.float64)
    hp = model.node_features(h)
    pooled = (dense[pairs[0]] * dense[pairs[1]]) @ hp
    torch.testing.assert_close(model(h, edges, pairs), model._head(h, pairs, pooled))


@pytest.mark.parametrize("calibration", [{}, {"prob_scale": 4.0, "prob_offset": 0.5, "prior": 0.3, "alpha": 0.7}])
def test_ncnc_completion_matches_dense_reference(calibration):
    edges, dense, pairs = _tiny()
    torch.manual_seed(1)
    model = NCNCPredictor(5, 5, dropout=0.2, chunk_size=3, **calibration).double().eval()
    h = torch.randn(7, 5, dtype=torch.float64)
    hp = model.node_features(h)
    n = 7
    every = torch.tensor(list(itertools.product(range(n), range(n)))).t()
    ncn_logits = model._head(h, every, (dense[every[0]] * dense[every[1]]) @ hp).view(n, n)
    a_hat = model.completion_probability(ncn_logits)
    if not calibration:
        torch.testing.assert_close(a_hat, torch.sigmoid(ncn_logits))
    rows = []
    for i, j in pairs.t().tolist():
        weight = dense[i] * dense[j]
        only_i = dense[i] * (1 - dense[j])
        only_i[j] = 0.0
        only_j = dense[j] * (1 - dense[i])
        only_j[i] = 0.0
        weight = weight + only_i * a_hat[j] + only_j * a_hat[i]
        rows.append(weight @ hp)
    expected = model._head(h, pairs, torch.stack(rows))
    torch.testing.assert_close(model(h, edges, pairs), expected)
    # completion changes the score of a pair with one-sided neighbours
    plain = NCNPredictor.forward(model, h, edges, pairs)
    assert not torch.allclose(plain, expected)


def test_ncnc_scores_each_distinct_completion_pair_once():
    edges, dense, pairs = _tiny()
    repeated = torch.cat([pairs, pairs.flip(0), pairs], dim=1)  # each pair 3 times, both orders
    torch.manual_seed(2)
    model = NCNCPredictor(5, 5, chunk_size=4).double().eval()
    h = torch.randn(7, 5, dtype=torch.float64)
    scored: list[int] = []
    head = model._head

    def counting_head(h_, head_pairs, pooled):
        scored.append(head_pairs.size(1))
        return head(h_, head_pairs, pooled)

    model._head = counting_head
    out = model(h, edges, repeated)
    neighbours = [set(dense[v].nonzero().flatten().tolist()) for v in range(7)]
    # pair (a, b) completes u in N(a) \ N(b), u != b, with the missing link {b, u}
    completion = {frozenset((b, u)) for i, j in pairs.t().tolist() for a, b in ((i, j), (j, i))
                  for u in neighbours[a] - neighbours[b] - {b}}
    assert sum(scored[:-1]) == len(completion) > 4  # several chunks, no completion pair twice
    assert scored[-1] == repeated.size(1)
    m = pairs.size(1)
    torch.testing.assert_close(out[m : 2 * m], out[:m])  # NCNC is symmetric in its pair
    torch.testing.assert_close(out[2 * m :], out[:m], rtol=0, atol=0)


def test_sample_members_keeps_short_lists_and_draws_long_ones():
    offsets = torch.tensor([0, 2, 2, 7])  # lists of 2, 0 and 5 members
    members = torch.tensor([10, 11, 20, 21, 22, 23, 24])
    torch.manual_seed(0)
    new_offsets, sampled, weights = sample_members(offsets, members, 3)
    assert new_offsets.tolist() == [0, 2, 2, 5]
    assert sampled[:2].tolist() == [10, 11] and weights[:2].tolist() == [1.0, 1.0]
    assert set(sampled[2:].tolist()) <= {20, 21, 22, 23, 24}
    torch.testing.assert_close(weights[2:], torch.full((3,), 5 / 3))
    # the weighted sum of a long list is unbiased: mean over many draws of sum w_t x[m_t]
    x = torch.arange(30, dtype=torch.float64) ** 2
    sums = []
    for _ in range(4000):
        o, m, w = sample_members(offsets, members, 3)
        sums.append((w.double() * x[m])[o[2] : o[3]].sum())
    exact = x[members[2:]].sum()
    torch.testing.assert_close(torch.stack(sums).mean(), exact, rtol=0.01, atol=0)
    for size in (0, 2.5):
        with pytest.raises(ConfigError, match="size must be an integer >= 1"):
            sample_members(offsets, members, size)
    with pytest.raises(GraphInputError, match="1-D int64"):
        sample_members(offsets.float(), members, 3)
    with pytest.raises(GraphInputError, match="end at members.numel"):
        sample_members(torch.tensor([0, 2, 8]), members, 3)
    with pytest.raises(GraphInputError, match="never decrease"):
        sample_members(torch.tensor([0, 3, 2, 7]), members, 3)


def test_ncnc_completion_sampling():
    edges, _, pairs = _tiny()
    torch.manual_seed(3)
    h = torch.randn(7, 5, dtype=torch.float64)
    exact = NCNCPredictor(5, 5).double().eval()
    sampled = NCNCPredictor(5, 5, completion_samples=1, eval_completion_samples=100).double().eval()
    sampled.load_state_dict(exact.state_dict())
    # at least as many samples as one-sided neighbours: the exact completion
    torch.testing.assert_close(sampled(h, edges, pairs), exact(h, edges, pairs), rtol=0, atol=0)
    sampled.eval_completion_samples = 1  # one draw per one-sided set: a different, seeded score
    torch.manual_seed(4)
    first = sampled(h, edges, pairs)
    torch.manual_seed(4)
    torch.testing.assert_close(sampled(h, edges, pairs), first, rtol=0, atol=0)
    assert not torch.allclose(first, exact(h, edges, pairs))
    for bad in (-1, 1.5):
        with pytest.raises(ConfigError, match="completion_samples must be an integer >= 0"):
            NCNCPredictor(5, 5, completion_samples=bad)


def test_remove_target_links_removes_both_directions():
    edges, dense, _ = _tiny()
    g = neighbor_lists(edges, 7)
    before = (g.indptr.copy(), g.indices.copy())
    targets = torch.tensor([[0, 4, 1], [2, 3, 6]])  # two edges (given either way) and a non-edge
    out = remove_target_links(g, targets)
    assert np.array_equal(g.indptr, before[0]) and np.array_equal(g.indices, before[1])
    expected = dense.clone()
    for u, v in [(0, 2), (4, 3)]:
        expected[u, v] = expected[v, u] = 0.0
    got = torch.zeros_like(dense)
    got[torch.from_numpy(out.row_ids()), torch.from_numpy(out.indices)] = 1.0
    torch.testing.assert_close(got, expected)
    assert out.num_edges == g.num_edges - 4
    # and the common neighbours follow: 0 and 2 were each other's neighbours via the chord
    assert 0 not in pair_sets(out, torch.tensor([[2], [1]])).common[1].tolist()
    # the same removal on NeighborTensors
    tensors = remove_target_links(NeighborTensors.from_graph(g, "cpu"), targets)
    assert isinstance(tensors, NeighborTensors) and tensors.num_nodes == 7
    assert np.array_equal(tensors.indptr.numpy(), out.indptr)
    assert np.array_equal(tensors.indices.numpy(), out.indices)


def test_drop_neighbor_entries_keeps_sorted_sublists():
    edge_index, neigh, total = _random_graph(2, n=200, m=2000)
    g = neighbor_lists(edge_index, total)
    torch.manual_seed(5)
    thinned = drop_neighbor_entries(g, 0.4)
    torch.manual_seed(5)
    on_tensors = drop_neighbor_entries(NeighborTensors.from_graph(g, "cpu"), 0.4)
    assert np.array_equal(on_tensors.indptr.numpy(), thinned.indptr)
    assert np.array_equal(on_tensors.indices.numpy(), thinned.indices)
    assert thinned.directed and thinned.num_nodes == total
    kept = 0
    for u in range(total):
        row = thinned.indices[thinned.indptr[u] : thinned.indptr[u + 1]].tolist()
        assert row == sorted(row) and set(row) <= neigh[u]
        kept += len(row)
    # each entry survives with probability 0.6: within 4 binomial standard deviations
    expected, std = 0.6 * g.num_edges, (0.24 * g.num_edges) ** 0.5
    assert abs(kept - expected) < 4 * std
    assert kept < g.num_edges


@pytest.mark.parametrize("predictor", [NCNPredictor, NCNCPredictor])
def test_edge_dropout_thins_the_predictor_lists_in_training_only(predictor):
    edge_index, neigh, total = _random_graph(3)
    pairs = _test_pairs(neigh, total, 3)
    tensors = NeighborTensors.from_graph(edge_index, "cpu", num_nodes=total)
    torch.manual_seed(0)
    model = predictor(4, 4, edge_dropout=0.5).double()
    h = torch.randn(total, 4, dtype=torch.float64)
    model.train()  # no other randomness: the MLP dropout is 0
    torch.manual_seed(9)
    trained_view = model(h, tensors, pairs)
    torch.manual_seed(9)  # the CPU Graph path draws the same entries
    torch.testing.assert_close(model(h, neighbor_lists(edge_index, total), pairs), trained_view)
    torch.manual_seed(9)
    thinned = drop_neighbor_entries(tensors, 0.5)
    model.eval()
    torch.testing.assert_close(trained_view, model(h, thinned, pairs), rtol=0, atol=0)
    assert not torch.equal(trained_view, model(h, tensors, pairs))  # eval reads every entry
    if predictor is NCNPredictor:  # the pooled sum runs over the thinned lists of i and j
        dense = torch.zeros(total, total, dtype=torch.float64)
        dense[thinned.row_ids(), thinned.indices] = 1.0
        pooled = (dense[pairs[0]] * dense[pairs[1]]) @ model.node_features(h)
        torch.testing.assert_close(trained_view, model._head(h, pairs, pooled))


def test_determinism_per_seed():
    edges, _, pairs = _tiny()

    def run(seed):
        torch.manual_seed(seed)
        model = NCNCPredictor(4, 4, dropout=0.5)
        h = torch.randn(7, 4)
        return model(h, edges, pairs)  # training mode: dropout active

    torch.testing.assert_close(run(3), run(3), rtol=0, atol=0)
    assert not torch.equal(run(3), run(4))


def test_repr_and_reset_parameters():
    model = NCNPredictor(8, 16, dropout=0.1, node_mlp=False, out_layers=2, tail_act=True, beta=0.5)
    assert repr(model) == (
        "NCNPredictor(8, 16, dropout=0.1, layer_norm=True, node_mlp=False, out_layers=2, "
        "tail_act=True, beta=0.5, edge_dropout=0.0)"
    )
    c = NCNCPredictor(4, 4, prob_scale=10.0, prob_offset=3.0, prior=0.1, alpha=0.5,
                      completion_samples=8)
    assert repr(c).startswith("NCNCPredictor(4, 4, dropout=0.0") and repr(c).endswith(
        "prob_scale=10.0, prob_offset=3.0, prior=0.1, alpha=0.5, completion_samples=8, "
        "eval_completion_samples=0)"
    )
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(7.0)
    model.reset_parameters()
    assert model.beta.item() == 0.5
    assert not torch.all(model.out_mlp[-1].weight == 7.0)


def test_bad_inputs_name_the_argument():
    edges, _, pairs = _tiny()
    h = torch.randn(7, 4)
    model = NCNPredictor(4, 4)
    with pytest.raises(GraphInputError, match="pairs.*7 nodes"):
        model(h, edges, torch.tensor([[0], [7]]))
    with pytest.raises(GraphInputError, match="pairs.*-1"):
        common_neighbor_aggregate(edges, h, torch.tensor([[-1], [2]]))
    with pytest.raises(GraphInputError, match=r"pairs must be .*\[2, M\]"):
        model(h, edges, pairs.t())
    with pytest.raises(GraphInputError, match="pairs must hold integer"):
        pair_sets(edges, pairs.float())
    with pytest.raises(GraphInputError, match="h must be"):
        model(h[0], edges, pairs)
    with pytest.raises(GraphInputError, match="in_channels=4"):
        model(torch.randn(7, 3), edges, pairs)
    with pytest.raises(GraphInputError):
        model(h, torch.tensor([[0, 1, 2]]), pairs)  # malformed edge_index
    with pytest.raises(ValueError, match="node_mlp"):
        NCNPredictor(3, 4)
    with pytest.raises(ValueError, match="out_layers"):
        NCNPredictor(4, 4, out_layers=0)
    with pytest.raises(ValueError, match="edge_dropout"):
        NCNPredictor(4, 4, edge_dropout=1.0)
