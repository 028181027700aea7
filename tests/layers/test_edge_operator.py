import pytest
import torch

from graphkit.errors import GraphInputError
from graphkit.layers import EdgeOperator
from graphkit.layers.edge_operator import _gather_dot, _sampled_dot

SRC = torch.tensor([0, 0, 1, 2, 2, 0])
DST = torch.tensor([1, 1, 2, 0, 2, 2])  # (0, 1) twice, a self-loop at 2; node 3 isolated


def _edges(num_nodes: int, num_edges: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    src = torch.randint(0, num_nodes, (num_edges,), generator=generator)
    dst = torch.randint(0, num_nodes, (num_edges,), generator=generator)
    return src, dst


def test_propagate_matches_a_loop_over_edges_with_duplicates():
    state = torch.arange(24, dtype=torch.float64).view(4, 2, 3)
    weights = torch.linspace(0.1, 1.2, 12, dtype=torch.float64).view(6, 2)
    expected = torch.zeros_like(state)
    for e in range(6):
        expected[DST[e]] += weights[e].unsqueeze(-1) * state[SRC[e]]
    out = EdgeOperator(SRC, DST, 4).propagate(state, weights)
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-12)
    assert out[3].abs().sum() == 0


@pytest.mark.parametrize("width", [3, 16, 33])  # the gather path, then SDDMM
def test_dot_matches_a_loop_over_edges(width):
    left = torch.randn(4, 2, width, dtype=torch.float64)
    right = torch.randn(4, 2, width, dtype=torch.float64)
    expected = torch.stack([(left[DST[e]] * right[SRC[e]]).sum(-1) for e in range(6)])
    torch.testing.assert_close(EdgeOperator(SRC, DST, 4).dot(left, right), expected,
                               rtol=0, atol=1e-12)


@pytest.mark.parametrize("width", [1, 4, 6, 8, 32])
def test_sddmm_and_gather_ways_of_dot_agree(width):
    src, dst = _edges(30, 200, seed=3)
    loops = torch.arange(3)
    src, dst = torch.cat([src, src[:5], loops]), torch.cat([dst, dst[:5], loops])  # duplicates, self-loops
    operator = EdgeOperator(src, dst, 30)
    left, right = torch.randn(2, 30, 3, width, dtype=torch.float64).unbind(0)
    torch.testing.assert_close(_sampled_dot(left, right, operator),
                               _gather_dot(left, right, operator), rtol=0, atol=1e-12)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_dot_of_wide_half_precision_states(dtype):
    left, right = torch.randn(2, 4, 2, 16).unbind(0)
    expected = EdgeOperator(SRC, DST, 4).dot(left, right)
    got = EdgeOperator(SRC, DST, 4).dot(left.to(dtype), right.to(dtype))
    assert got.dtype == dtype
    torch.testing.assert_close(got.float(), expected, rtol=0.05, atol=0.1)


@pytest.mark.parametrize("width", [3, 16])
def test_gradients_match_finite_differences(width):
    src, dst = _edges(7, 25, seed=1)
    operator = EdgeOperator(src, dst, 7)
    state = torch.randn(7, 2, width, dtype=torch.float64, requires_grad=True)
    weights = torch.rand(25, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(operator.propagate, (state, weights))
    other = torch.randn(7, 2, width, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(operator.dot, (state, other))


@pytest.mark.parametrize("width", [4, 16])
def test_gradients_equal_autograd_through_gather_and_index_add(width):
    src, dst = _edges(50, 400, seed=2)
    operator = EdgeOperator(src, dst, 50)
    state = torch.randn(50, 3, width, requires_grad=True)
    other = torch.randn(50, 3, width, requires_grad=True)
    weights = torch.rand(400, 3, requires_grad=True)
    cases = [
        (operator.propagate(state, weights),
         torch.zeros_like(state).index_add(0, dst, state[src] * weights.unsqueeze(-1)),
         (state, weights)),
        (operator.dot(state, other), (state[dst] * other[src]).sum(-1), (state, other)),
    ]
    for got, reference, inputs in cases:
        upstream = torch.randn_like(reference)
        torch.testing.assert_close(got, reference)
        expected = torch.autograd.grad(reference, inputs, upstream)
        for a, b in zip(torch.autograd.grad(got, inputs, upstream), expected, strict=True):
            torch.testing.assert_close(a, b)


def test_no_edges():
    empty = torch.empty(0, dtype=torch.long)
    operator = EdgeOperator(empty, empty, 3)
    out = operator.propagate(torch.ones(3, 1, 2), torch.empty(0, 1))
    assert out.shape == (3, 1, 2) and not out.any()
    assert operator.dot(torch.ones(3, 1, 2), torch.ones(3, 1, 2)).shape == (0, 1)
    assert operator.dot(torch.ones(3, 1, 16), torch.ones(3, 1, 16)).shape == (0, 1)


@pytest.mark.parametrize(("src", "dst", "match"), [
    (torch.tensor([0, 1]), torch.tensor([1]), "src and dst"),
    (torch.tensor([0, 3]), torch.tensor([1, 0]), r"\[0, 3\)"),
    (torch.tensor([-1, 0]), torch.tensor([1, 0]), r"\[0, 3\)"),
    (torch.tensor([0.0, 1.0]), torch.tensor([1.0, 0.0]), r"int64.*\.long\(\)"),
    (torch.tensor([0, 1], dtype=torch.int32), torch.tensor([1, 0]), "int64"),
])
def test_rejects_malformed_edges(src, dst, match):
    with pytest.raises(GraphInputError, match=match):
        EdgeOperator(src, dst, 3)


def test_rejects_inputs_of_the_wrong_shape():
    operator = EdgeOperator(torch.tensor([0, 1]), torch.tensor([1, 2]), 3)
    with pytest.raises(GraphInputError, match="state"):
        operator.propagate(torch.ones(4, 1, 2), torch.ones(2, 1))
    with pytest.raises(GraphInputError, match="weights"):
        operator.propagate(torch.ones(3, 2, 2), torch.ones(2, 1))
    with pytest.raises(GraphInputError, match="right"):
        operator.dot(torch.ones(3, 1, 2), torch.ones(3, 2))
    with pytest.raises(GraphInputError, match="same shape"):
        operator.dot(torch.ones(3, 1, 2), torch.ones(3, 1, 3))


def test_rejects_inputs_of_the_wrong_dtype():
    operator = EdgeOperator(torch.tensor([0, 1]), torch.tensor([1, 2]), 3)
    with pytest.raises(GraphInputError, match="same dtype"):
        operator.propagate(torch.ones(3, 1, 2, dtype=torch.float64), torch.ones(2, 1))
    with pytest.raises(GraphInputError, match="floating-point"):
        operator.propagate(torch.ones(3, 1, 2, dtype=torch.long), torch.ones(2, 1))
    with pytest.raises(GraphInputError, match="same shape and dtype"):
        operator.dot(torch.ones(3, 1, 2), torch.ones(3, 1, 2, dtype=torch.float64))
