"""Numba helpers shared by the compiled kernels that walk CSR rows (sorted neighbour lists)."""

from __future__ import annotations

import numba

__all__ = ["sorted_search"]


@numba.njit(cache=True, inline="always")
def sorted_search(indices, lo, hi, target):
    """Position of ``target`` in the sorted slice ``indices[lo:hi]``, or ``-1`` when absent.

    Binary search, :math:`O(\\log(hi - lo))`; a CSR row ``v`` is ``lo = indptr[v]``,
    ``hi = indptr[v + 1]``.
    """
    while lo < hi:
        mid = (lo + hi) >> 1
        value = indices[mid]
        if value < target:
            lo = mid + 1
        elif value > target:
            hi = mid
        else:
            return mid
    return -1
