"""CSR tensors built without torch's once-per-process notices.

``torch.sparse_csr_tensor`` and ``Tensor.to_sparse_csr`` warn that CSR support is in beta, and
a constructor called without ``check_invariants`` warns that the checks are implicitly off.
graphkit builds its CSR operators from indices it has already validated, so both notices are
noise to a user: the helpers here silence the beta notice (and nothing else) and always pass
``check_invariants`` explicitly.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import torch

__all__ = ["csr_tensor", "to_csr"]

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
