"""Node features from graphlets: log-scaled orbit counts and orbit-adjacency embeddings.

:func:`orbit_features` is the graphlet degree vector of every node (Pržulj 2007), log-scaled,
:math:`\\log(1 + c_{v,o})` for orbit counts :math:`c_{v,o}`, so that hubs do not dominate.

:func:`orbit_adjacency_embedding` follows GRADCO.
Windels et al. ("Graphlets correct for the topological information missed by random walks")
replace the random-walk co-occurrence matrix of DeepWalk by *orbit adjacency* matrices, which
count how often two nodes co-occur on given orbits of a small graphlet. Following the matrix
factorisation view of DeepWalk (Qiu et al., "Network Embedding as Matrix Factorization", WSDM
2018), each co-occurrence matrix :math:`M` is turned into its positive pointwise mutual
information and factorised to low rank; the per-matrix factors are concatenated.

.. math::

    \\operatorname{PPMI}(M)_{ab} = \\max\\Big(0,\\ \\log \\frac{M_{ab}\\, \\operatorname{vol}(M)}
        {\\big(\\textstyle\\sum_{b'} M_{ab'}\\big)\\big(\\sum_{a'} M_{a'b}\\big)}\\Big),
    \\qquad \\operatorname{PPMI}(M) \\approx U_d \\Sigma_d V_d^\\top,
    \\qquad E = U_d \\Sigma_d^{1/2},

with :math:`\\operatorname{vol}(M) = \\sum_{ab} M_{ab}`. Only stored entries are touched, so the
PPMI matrix stays as sparse as :math:`M`, and the truncated SVD is a seeded randomized SVD
(Halko, Martinsson & Tropp 2011) that never densifies an ``n × n`` matrix.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from graphkit.embed._checks import positive_int
from graphkit.embed.orbit_adjacency import orbit_adjacency
from graphkit.embed.orbits import orbit_counts
from graphkit.errors import ConfigError, GraphInputError

__all__ = ["orbit_features", "ppmi", "randomized_svd", "orbit_adjacency_embedding"]


def orbit_features(graph: Any, size: int = 4, *, progress: bool = False) -> np.ndarray:
    """Log-scaled graphlet degree vectors, :math:`\\log(1 + c_{v,o})`.

    Args:
        graph: any graph input of :func:`graphkit.graph.as_graph`.
        size: largest graphlet size, 4 (15 orbits) or 5 (73 orbits).
        progress: progress bar of the 5-node orbit counts.

    Returns:
        ``[num_nodes, 15 | 73]`` float32.
    """
    counts = orbit_counts(graph, size=size, progress=progress)
    return np.log1p(counts.astype(np.float64)).astype(np.float32)


def ppmi(matrix: sp.spmatrix) -> sp.csr_matrix:
    """Positive pointwise mutual information of a non-negative co-occurrence matrix.

    Args:
        matrix: ``[n, m]`` sparse, non-negative counts.

    Returns:
        ``[n, m]`` CSR float64 with :math:`\\max(0, \\log(M_{ab}\\operatorname{vol}/(r_a c_b)))` on
        the stored entries of ``matrix`` (zeros dropped); an all-zero input gives all zeros.
    """
    counts = sp.csr_matrix(matrix, dtype=np.float64)
    counts.eliminate_zeros()
    if counts.nnz and counts.data.min() < 0:
        raise GraphInputError("ppmi needs non-negative counts; the matrix has negative entries.")
    total = counts.data.sum()
    if total == 0:
        return sp.csr_matrix(counts.shape, dtype=np.float64)
    rows = np.asarray(counts.sum(axis=1)).ravel()
    cols = np.asarray(counts.sum(axis=0)).ravel()
    coo = counts.tocoo()
    values = np.log(coo.data * total / (rows[coo.row] * cols[coo.col]))
    keep = values > 0
    return sp.csr_matrix(
        (values[keep], (coo.row[keep], coo.col[keep])), shape=counts.shape, dtype=np.float64
    )


def randomized_svd(
    matrix: sp.spmatrix, rank: int, rng: np.random.Generator, oversample: int = 10, power_iterations: int = 4
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Truncated SVD :math:`M \\approx U \\operatorname{diag}(s) V^\\top` by random range finding.

    Args:
        matrix: ``[n, m]`` sparse matrix.
        rank: number of singular triplets (at most ``min(n, m)``).
        rng: source of the Gaussian test matrix.
        oversample: extra test vectors (default 10).
        power_iterations: subspace iterations, each re-orthonormalised (default 4).

    Returns:
        ``U [n, rank]``, ``s [rank]`` (descending), ``V [m, rank]``.
    """
    n, m = matrix.shape
    if isinstance(rank, bool) or not isinstance(rank, (int, np.integer)) or not 1 <= rank <= min(n, m):
        raise ConfigError(
            f"rank must be an int in [1, min(shape)] = [1, {min(n, m)}] for a {n} x {m} matrix; "
            f"got {rank!r}."
        )
    width = min(rank + oversample, n, m)
    basis, _ = np.linalg.qr(matrix @ rng.standard_normal((m, width)))
    for _ in range(power_iterations):
        basis, _ = np.linalg.qr(matrix.T @ basis)
        basis, _ = np.linalg.qr(matrix @ basis)
    small = np.asarray((matrix.T @ basis).T)
    u_small, singular, vt = np.linalg.svd(small, full_matrices=False)
    return (basis @ u_small)[:, :rank], singular[:rank], vt[:rank].T


def orbit_adjacency_embedding(
    graph: Any,
    dim: int = 8,
    keys: list[tuple[int, int, int]] | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Concatenated low-rank factors of the PPMI of each orbit adjacency matrix.

    Args:
        graph: any graph input of :func:`graphkit.graph.as_graph` (used as undirected, unweighted).
        dim: columns per orbit adjacency matrix (default 8).
        keys: which ``(orbit_u, orbit_v, hops)`` matrices of :func:`orbit_adjacency` to use, in
            order (default: all, sorted).
        seed: seed of the randomized SVD.

    Returns:
        ``[num_nodes, dim * len(keys)]`` float32. A matrix with fewer than ``dim`` non-zero singular
        values, or no entries at all, contributes zero columns, never NaN.
    """
    dim = positive_int("dim", dim)
    matrices = orbit_adjacency(graph)
    selected = sorted(matrices) if keys is None else [tuple(key) for key in keys]
    unknown = [key for key in selected if key not in matrices]
    if unknown:
        raise ConfigError(
            f"keys {unknown} are not orbit adjacencies; choose among {sorted(matrices)}."
        )
    rng = np.random.default_rng(seed)
    blocks = [_factor(ppmi(matrices[key]), dim, rng) for key in selected]
    num_nodes = next(iter(matrices.values())).shape[0] if matrices else 0
    if not blocks:
        return np.zeros((num_nodes, 0), dtype=np.float32)
    return np.concatenate(blocks, axis=1).astype(np.float32)


def _factor(matrix: sp.csr_matrix, dim: int, rng: np.random.Generator) -> np.ndarray:
    """``U Σ^{1/2}`` of the rank-``dim`` SVD, zero-padded when the matrix is smaller or empty."""
    n = matrix.shape[0]
    block = np.zeros((n, dim))
    rank = min(dim, *matrix.shape)
    if matrix.nnz == 0 or rank == 0:
        return block
    left, singular, _ = randomized_svd(matrix, rank, rng)
    block[:, :rank] = left * np.sqrt(singular)
    return block
