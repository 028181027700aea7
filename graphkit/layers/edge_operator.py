"""Sums and dot products over the edges of a fixed graph, as CSR products on CPU.

For edges :math:`e = (s_e \\to d_e)` and ``H`` heads, :class:`EdgeOperator` computes

.. math::

    \\text{propagate:}\\quad Y_{y h} = \\sum_{e:\\, d_e = y} a_{e h}\\, X_{s_e h}
    \\qquad\\qquad
    \\text{dot:}\\quad z_{e h} = \\langle L_{d_e h}, R_{s_e h} \\rangle

(node states :math:`X, L, R \\in \\mathbb{R}^{N \\times H \\times R}`, edge weights
:math:`a \\in \\mathbb{R}^{E \\times H}`). ``propagate`` is :math:`Y_{:, h} = A_h X_{:, h}`
with :math:`(A_h)_{d_e s_e} = a_{e h}` (duplicate edges add up); ``dot`` reads off
:math:`L_{:, h} R_{:, h}^\\top` on the edges. The two are each other's adjoint, so each one's
backward is made of the other:

.. math::

    \\frac{\\partial}{\\partial X_{:, h}} = A_h^\\top \\bar Y_{:, h}, \\quad
    \\frac{\\partial}{\\partial a_{e h}} = \\langle \\bar Y_{d_e h}, X_{s_e h} \\rangle;
    \\qquad
    \\frac{\\partial}{\\partial L_{:, h}} = \\bar A_h R_{:, h}, \\quad
    \\frac{\\partial}{\\partial R_{:, h}} = \\bar A_h^\\top L_{:, h}

(:math:`\\bar Y` the upstream gradient, :math:`\\bar A_h` the matrix with the upstream
gradient :math:`\\bar z_{:, h}` on the edges). Autograd through ``index_select`` +
``index_add_`` instead scatters one row per edge in the backward and saves every gathered
``[E, H, R]`` product; the CSR products are faster and keep less
(``benchmarks/walkpool_speed.py``). For states at least 16 wide ``dot`` itself is a sampled
dense-dense product on the receivers' CSR pattern (``torch.sparse.sampled_addmm``), which
never gathers ``[E, H, R]`` either; narrower ones are gathered, which is faster there. Both
CSR layouts (rows = receivers, rows = senders) are sorted once per operator.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from graphkit._sparse import csr_tensor
from graphkit.errors import GraphInputError

__all__ = ["EdgeOperator"]


class _CsrLayout(NamedTuple):
    """Edges sorted by row: ``order`` (edge ids), ``crow`` (row pointers), ``col``."""

    order: torch.Tensor
    crow: torch.Tensor
    col: torch.Tensor


def _layout(rows: torch.Tensor, cols: torch.Tensor, num_nodes: int) -> _CsrLayout:
    order = torch.argsort(rows, stable=True)
    crow = rows.new_zeros(num_nodes + 1)
    crow[1:] = torch.cumsum(torch.bincount(rows, minlength=num_nodes), 0)
    return _CsrLayout(order, crow, cols[order])


def _product(layout: _CsrLayout, weights: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
    """``[N, H, R]``: per head ``h`` the CSR matrix with values ``weights[:, h]`` times ``state[:, h]``."""
    num_nodes = state.size(0)
    values = weights.index_select(0, layout.order)
    return torch.stack([
        csr_tensor(layout.crow, layout.col, values[:, h], (num_nodes, num_nodes)) @ state[:, h]
        for h in range(weights.size(1))
    ], dim=1)


#: from this state width on, ``dot`` runs as SDDMM; below, the gather is faster
#: (``benchmarks/walkpool_speed.py --dot-widths``, ``benchmarks/results/walkpool_speed.md``)
_SDDMM_MIN_WIDTH = 16
#: dtypes torch's ``sampled_addmm`` kernel takes (it rejects bfloat16 and float16)
_SDDMM_DTYPES = (torch.float32, torch.float64)


def _gather_dot(left: torch.Tensor, right: torch.Tensor, op: EdgeOperator) -> torch.Tensor:
    """:func:`_edge_dot` by gathering both sides along the edges (``[E, H, R]`` each)."""
    products = left.index_select(0, op.dst) * right.index_select(0, op.src)
    # a matrix-vector product reduces the short last dim faster than .sum(-1) on CPU
    return (products.flatten(0, 1) @ products.new_ones(products.size(2))).view(products.shape[:2])


def _sampled_dot(left: torch.Tensor, right: torch.Tensor, op: EdgeOperator) -> torch.Tensor:
    """:func:`_edge_dot` as, per head, a sampled dense-dense product (SDDMM): :math:`L_{:, h}
    R_{:, h}^\\top` evaluated only at the entries :math:`(d_e, s_e)` of the receiver-major
    layout, so no ``[E, H, R]`` tensor is built; the values are put back in edge order."""
    layout, num_nodes = op.incoming, op.num_nodes
    pattern = csr_tensor(layout.crow, layout.col, left.new_zeros(layout.col.numel()),
                         (num_nodes, num_nodes))
    sorted_values = torch.stack([
        torch.sparse.sampled_addmm(pattern, left[:, h], right[:, h].T, beta=0.0).values()
        for h in range(left.size(1))
    ], dim=1)
    return sorted_values.new_empty(sorted_values.shape).index_copy_(0, layout.order, sorted_values)


def _edge_dot(left: torch.Tensor, right: torch.Tensor, op: EdgeOperator) -> torch.Tensor:
    """``[E, H]``: ``<left[dst_e, h], right[src_e, h]>`` for ``[N, H, R]`` states: SDDMM for
    wide float32/float64 states (the attention queries and keys), a gather otherwise (the walk
    vectors; half-precision states)."""
    if left.size(2) < _SDDMM_MIN_WIDTH or left.dtype not in _SDDMM_DTYPES:
        return _gather_dot(left, right, op)
    return _sampled_dot(left, right, op)


class _Propagate(torch.autograd.Function):
    @staticmethod
    def forward(ctx, state, weights, op):
        ctx.save_for_backward(state, weights)
        ctx.op = op
        return _product(op.incoming, weights, state)

    @staticmethod
    def backward(ctx, grad):
        state, weights = ctx.saved_tensors
        grad_state = grad_weights = None
        if ctx.needs_input_grad[0]:
            grad_state = _product(ctx.op.outgoing, weights, grad)
        if ctx.needs_input_grad[1]:
            grad_weights = _edge_dot(grad, state, ctx.op)
        return grad_state, grad_weights, None


class _Dot(torch.autograd.Function):
    @staticmethod
    def forward(ctx, left, right, op):
        ctx.save_for_backward(left, right)
        ctx.op = op
        return _edge_dot(left, right, op)

    @staticmethod
    def backward(ctx, grad):
        left, right = ctx.saved_tensors
        grad_left = grad_right = None
        if ctx.needs_input_grad[0]:
            grad_left = _product(ctx.op.incoming, grad, right)
        if ctx.needs_input_grad[1]:
            grad_right = _product(ctx.op.outgoing, grad, left)
        return grad_left, grad_right, None


class EdgeOperator:
    """``propagate`` and ``dot`` of the module docstring for fixed edges ``src → dst``.

    One instance serves every step of a walk or every layer of a GCN on the same edges.

    Args:
        src, dst: ``int64`` ``[E]`` edge endpoints in ``[0, num_nodes)``; duplicates allowed.
        num_nodes: :math:`N`.
    """

    def __init__(self, src: torch.Tensor, dst: torch.Tensor, num_nodes: int) -> None:
        if src.dim() != 1 or src.shape != dst.shape:
            raise GraphInputError(
                f"src and dst must be 1-D of equal length; got {tuple(src.shape)} and "
                f"{tuple(dst.shape)}."
            )
        if src.dtype != torch.long or dst.dtype != torch.long:
            raise GraphInputError(
                f"src and dst must be int64 node ids; got {src.dtype} and {dst.dtype}. "
                "Convert them with .long()."
            )
        if src.numel() and (min(src.min(), dst.min()) < 0
                            or max(src.max(), dst.max()) >= num_nodes):
            raise GraphInputError(f"src and dst must hold node ids in [0, {num_nodes}).")
        self.src, self.dst, self.num_nodes = src, dst, num_nodes
        self.incoming = _layout(dst, src, num_nodes)
        self.outgoing = _layout(src, dst, num_nodes)

    def _check_state(self, name: str, state: torch.Tensor) -> None:
        if state.dim() != 3 or state.size(0) != self.num_nodes:
            raise GraphInputError(
                f"{name} must have shape [{self.num_nodes}, H, R]; got {tuple(state.shape)}."
            )
        if not state.is_floating_point():
            raise GraphInputError(f"{name} must be a floating-point tensor; got {state.dtype}.")

    def propagate(self, state: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """``[N, H, R]``: ``Y[y, h] = sum over edges s → y of weights[e, h] · state[s, h]``.

        ``state`` ``[N, H, R]``, ``weights`` ``[E, H]``; differentiable in both.
        """
        self._check_state("state", state)
        if weights.shape != (self.src.numel(), state.size(1)):
            raise GraphInputError(
                f"weights must have shape [E, H] = [{self.src.numel()}, {state.size(1)}]; got "
                f"{tuple(weights.shape)}."
            )
        if weights.dtype != state.dtype:
            raise GraphInputError(
                f"weights and state must have the same dtype; got {weights.dtype} and "
                f"{state.dtype}. Cast one with .to(other.dtype)."
            )
        return _Propagate.apply(state, weights, self)

    def dot(self, left: torch.Tensor, right: torch.Tensor) -> torch.Tensor:
        """``[E, H]``: ``z[e, h] = <left[dst_e, h], right[src_e, h]>``, differentiable in both.

        ``left`` and ``right`` ``[N, H, R]``.
        """
        self._check_state("left", left)
        self._check_state("right", right)
        if left.shape != right.shape or left.dtype != right.dtype:
            raise GraphInputError(
                f"left and right must have the same shape and dtype; got {tuple(left.shape)} "
                f"{left.dtype} and {tuple(right.shape)} {right.dtype}."
            )
        return _Dot.apply(left, right, self)
