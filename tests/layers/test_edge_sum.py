import pytest
import torch

from graphkit.errors import GraphInputError
from graphkit.layers.edge_sum import EdgeSum


def _edges(num_nodes: int, num_edges: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    src = torch.randint(0, num_nodes, (num_edges,), generator=generator)
    dst = torch.randint(0, num_nodes, (num_edges,), generator=generator)
    return src, dst


def test_matches_a_loop_over_edges_with_duplicates():
    src = torch.tensor([0, 0, 1, 2, 2, 0])
    dst = torch.tensor([1, 1, 2, 0, 2, 2])  # (0, 1) twice, a self-loop at 2
    state = torch.arange(24, dtype=torch.float64).view(4, 2, 3)
    weights = torch.linspace(0.1, 1.2, 12, dtype=torch.float64).view(6, 2)
    expected = torch.zeros_like(state)
    for e in range(6):
        expected[dst[e]] += weights[e].unsqueeze(-1) * state[src[e]]
    out = EdgeSum(src, dst, 4)(state, weights)
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-12)
    assert out[3].abs().sum() == 0  # node 3 receives no edge


def test_gradients_match_finite_differences():
    src, dst = _edges(7, 25, seed=1)
    state = torch.randn(7, 2, 3, dtype=torch.float64, requires_grad=True)
    weights = torch.rand(25, 2, dtype=torch.float64, requires_grad=True)
    operator = EdgeSum(src, dst, 7)
    assert torch.autograd.gradcheck(operator, (state, weights))


def test_gradients_equal_autograd_through_index_add():
    src, dst = _edges(50, 400, seed=2)
    state = torch.randn(50, 3, 4, requires_grad=True)
    weights = torch.rand(400, 3, requires_grad=True)
    upstream = torch.randn(50, 3, 4)
    reference = torch.zeros_like(state).index_add(0, dst, state[src] * weights.unsqueeze(-1))
    expected = torch.autograd.grad(reference, (state, weights), upstream)
    got = torch.autograd.grad(EdgeSum(src, dst, 50)(state, weights), (state, weights), upstream)
    for a, b in zip(got, expected, strict=True):
        torch.testing.assert_close(a, b)


def test_no_edges_gives_zeros():
    empty = torch.empty(0, dtype=torch.long)
    out = EdgeSum(empty, empty, 3)(torch.ones(3, 1, 2), torch.empty(0, 1))
    assert out.shape == (3, 1, 2) and not out.any()


@pytest.mark.parametrize(("src", "dst", "match"), [
    (torch.tensor([0, 1]), torch.tensor([1]), "src and dst"),
    (torch.tensor([0, 3]), torch.tensor([1, 0]), r"\[0, 3\)"),
    (torch.tensor([-1, 0]), torch.tensor([1, 0]), r"\[0, 3\)"),
])
def test_rejects_malformed_edges(src, dst, match):
    with pytest.raises(GraphInputError, match=match):
        EdgeSum(src, dst, 3)


def test_rejects_state_and_weights_of_the_wrong_shape():
    operator = EdgeSum(torch.tensor([0, 1]), torch.tensor([1, 2]), 3)
    with pytest.raises(GraphInputError, match="state"):
        operator(torch.ones(4, 1, 2), torch.ones(2, 1))
    with pytest.raises(GraphInputError, match="weights"):
        operator(torch.ones(3, 2, 2), torch.ones(2, 1))
