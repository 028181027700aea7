"""CSR tensors built without torch's once-per-process notices, and sparse products under autocast.

``torch.sparse_csr_tensor`` and ``Tensor.to_sparse_csr`` warn that CSR support is in beta, and
a constructor called without ``check_invariants`` warns that the checks are implicitly off.
graphkit builds its CSR operators from indices it has already validated, so both notices are
noise to a user: the helpers here silence the beta notice (and nothing else) and always pass
``check_invariants`` explicitly.

The CPU sparse kernels have no bfloat16 version, so a sparse product inside a bfloat16 autocast
region (``precision='bf16'`` of the link models) fails; :func:`sparse_matmul` runs it in
float32 (float64 for float64 operands) instead.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import torch

__all__ = ["at_least_float32", "csr_tensor", "sparse_matmul", "to_csr"]

_BETA_NOTICE = "Sparse CSR tensor support is in beta state"
_beta_notice_pending = True


@contextmanager
def _quiet() -> Iterator[None]:
    """Filter the beta notice around the first CSR tensor only: torch prints it once per
    process, and a filter on every call would reset each module's warning registry in the
    hot loops that build these tensors."""
    global _beta_notice_pending
    if not _beta_notice_pending:
        yield
        return
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_BETA_NOTICE)
        yield
    _beta_notice_pending = False


def csr_tensor(
    crow: torch.Tensor,
    col: torch.Tensor,
    values: torch.Tensor,
    size: tuple[int, int],
    *,
    check_invariants: bool = False,
) -> torch.Tensor:
    """``torch.sparse_csr_tensor(crow, col, values, size)``; invariants unchecked by default
    (the callers build ``crow``/``col`` themselves from checked edge lists)."""
    with _quiet():
        return torch.sparse_csr_tensor(crow, col, values, size,
                                       check_invariants=check_invariants)


def to_csr(matrix: torch.Tensor) -> torch.Tensor:
    """``matrix.to_sparse_csr()`` (a coalesced COO or a dense 2-D tensor)."""
    with _quiet():
        return matrix.to_sparse_csr()


def sparse_matmul(matrix: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``matrix @ x`` for a sparse (CSR or COO) ``matrix``, with autocast off, in
    :func:`at_least_float32` of both: float32 for a float32 matrix and a bfloat16 or float32
    ``x``, float64 if either is float64.

    The casts are differentiable: the gradient reaches ``x`` in its own dtype.
    """
    dtype = at_least_float32(matrix, x)
    with torch.autocast(x.device.type, enabled=False):
        return torch.sparse.mm(matrix.to(dtype), x.to(dtype))


def at_least_float32(*tensors: torch.Tensor) -> torch.dtype:
    """The dtype to compute with ``tensors`` in where bfloat16 will not do (a sparse product, an
    eigendecomposition): their promoted dtype, float32 at least (float64 stays float64)."""
    dtype = torch.float32
    for tensor in tensors:
        dtype = torch.promote_types(dtype, tensor.dtype)
    return dtype
