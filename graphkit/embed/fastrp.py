"""FastRP node embeddings: very sparse random projection of powers of the transition matrix.

Reference: H. Chen, S. F. Sultan, Y. Tian, M. Chen and S. Skiena, "Fast and Accurate Network
Embeddings via Very Sparse Random Projection", CIKM 2019.

The embedding is a weighted sum of the first ``q`` powers of the random-walk transition matrix
applied to a degree-reweighted very sparse random projection. The powers are never formed:
each step is one sparse-times-dense product ``A @ N``, computed by a parallel numba kernel in
which every output row is written by a single thread (so the result is bit-identical for any
number of threads).
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numba
import numpy as np
import scipy.sparse as sp
import torch
from torch_geometric.transforms import BaseTransform

from graphkit.embed._checks import nonnegative_weights, positive_int
from graphkit.errors import ConfigError
from graphkit.graph import Graph, as_graph

__all__ = ["fastrp", "very_sparse_projection", "FastRP", "DEFAULT_WEIGHTS", "DEFAULT_BETA"]

#: Iteration weights of the paper's BlogCatalog setting (and of the official notebook).
DEFAULT_WEIGHTS = (0.0, 0.0, 1.0, 6.67)
#: Degree-reweighting exponent of the official BlogCatalog setting (``alpha`` in its code).
DEFAULT_BETA = -0.64

_FASTMATH = {"reassoc", "contract"}  # SIMD reductions; results still independent of threads
_BLOCKS_PER_THREAD = 16  # row blocks of equal work (edges + rows) handed to numba's prange


def fastrp(
    graph: Any,
    dim: int = 128,
    weights: Any = DEFAULT_WEIGHTS,
    beta: float = DEFAULT_BETA,
    normalize: bool = True,
    density: float | None = None,
    seed: Any = 0,
    dtype: Any = np.float32,
    *,
    projection: Any = None,
    directed: bool | None = None,
    allow_empty: bool = False,
) -> np.ndarray:
    r"""FastRP embeddings (Chen et al., CIKM 2019).

    With :math:`S` the (weighted, possibly directed) adjacency, :math:`D` the diagonal of its
    row sums (weighted out-degrees :math:`d`), :math:`R` a very sparse random projection and
    :math:`\alpha_1, \dots, \alpha_q` the ``weights``:

    .. math::

        A = D^{-1} S, \qquad L = \operatorname{diag}(d^{\beta}), \qquad
        N_1 = A L R, \qquad N_i = A N_{i-1}, \qquad
        E = \sum_{i=1}^{q} \alpha_i \, \nu(N_i),

    where :math:`\nu` divides every row by its L2 norm when ``normalize`` (rows of norm 0 stay
    0) and is the identity otherwise. As in the official code, the chain :math:`N_i` itself is
    not normalised; only the terms of the sum are. The official code ends with a column
    standardisation (``sklearn.preprocessing.scale``) of :math:`E`, which is left to the caller.

    Nodes without out-edges (isolated nodes, sinks of directed graphs) have a zero row in
    :math:`A`, hence a zero embedding, and :math:`L_{jj} = 1` (no reweighting, never inf/NaN).

    Cost: one product with the sparse :math:`L R` (about ``nnz(S) * dim * density``
    multiply-adds), then ``q - 1`` sparse-times-dense products of ``nnz(S) * dim``
    multiply-adds, each fused with the normalisation and the weighted sum; memory: three dense
    ``[n, dim]`` arrays. The entries of :math:`R` are :math:`\pm\sqrt{s}`; scikit-learn's
    ``SparseRandomProjection`` (used by the official code) also divides by
    :math:`\sqrt{dim}`, a constant factor that ``normalize`` or a standardisation removes.

    Args:
        graph: any graph input accepted by :func:`graphkit.graph.as_graph`; edge weights must
            be >= 0. Undirected unless the input says directed (networkx ``DiGraph``, directed
            :class:`~graphkit.graph.Graph`) or ``directed=True``.
        dim: embedding dimension, > 0 (default 128).
        weights: :math:`\alpha_1, \dots, \alpha_q`, one finite weight per iteration; ``q`` is
            its length (default ``(0, 0, 1, 6.67)``, the paper's BlogCatalog setting).
        beta: degree-reweighting exponent :math:`\beta` (default -0.64, the official
            BlogCatalog setting; 0 disables the reweighting).
        normalize: L2-normalise the rows of each :math:`N_i` before summing (default True).
        density: fraction :math:`1/s` of non-zero entries of :math:`R`, in (0, 1]. Default
            :math:`1/\sqrt{n}` as in the official code (Li et al.'s very sparse projection);
            Neo4j GDS uses 1/3. Ignored when ``projection`` is given.
        seed: seed of :math:`R` (``numpy.random.default_rng(seed)``; default 0).
        dtype: ``np.float32`` (default) or ``np.float64``, the dtype of the computation.
        projection: optional explicit :math:`R`, a dense array or scipy sparse matrix of shape
            ``[n, dim]`` (replaces the random one; used by tests and for custom projections).
        directed: passed to :func:`~graphkit.graph.as_graph`.
        allow_empty: accept a graph with 0 nodes (returns an array of shape ``[0, dim]``).

    Returns:
        ``np.ndarray`` of shape ``[num_nodes, dim]`` and dtype ``dtype``.

    Raises:
        ConfigError: bad ``dim``, ``weights``, ``beta``, ``density``, ``dtype`` or
            ``projection``.
        GraphInputError: bad graph input, including negative edge weights.
    """
    dim = positive_int("dim", dim)
    alphas = _check_weights(weights)
    beta = _check_real("beta", beta)
    dtype = _check_dtype(dtype)
    g = as_graph(graph, directed=directed, allow_empty=allow_empty)
    nonnegative_weights(g, "fastrp")
    n = g.num_nodes
    if projection is None:
        r = very_sparse_projection(n, dim, density=density, seed=seed, dtype=dtype)
    else:
        r = _check_projection(projection, n, dim, dtype)
    out = np.zeros((n, dim), dtype=dtype)
    if n == 0:
        return out
    inv_degree, reweight = _degree_factors(g.degrees(weighted=True), beta)
    r_data = (r.data * np.repeat(reweight, np.diff(r.indptr))).astype(dtype)
    r_arrays = (r.indptr.astype(np.int64), r.indices.astype(np.int64), r_data)
    inv_degree = inv_degree.astype(dtype)
    edge_weights = None if g.weights is None else g.weights.astype(dtype)
    blocks = _row_blocks(g.indptr, numba.get_num_threads() * _BLOCKS_PER_THREAD)
    _propagate(g, edge_weights, inv_degree, r_arrays, alphas,
               normalize, blocks, out)
    return out


def very_sparse_projection(
    num_nodes: int,
    dim: int,
    density: float | None = None,
    seed: Any = 0,
    dtype: Any = np.float32,
) -> sp.csr_matrix:
    r"""Very sparse random projection matrix (Achlioptas, 2003; Li, Hastie & Church, KDD 2006).

    Every entry is drawn independently:

    .. math::

        R_{jk} = \sqrt{s} \cdot \begin{cases} +1 & \text{with probability } 1/(2s) \\
        0 & \text{with probability } 1 - 1/s \\ -1 & \text{with probability } 1/(2s)
        \end{cases}, \qquad s = 1 / \text{density}.

    The non-zero positions are sampled as a Bernoulli process with geometric gaps, in time and
    memory proportional to the number of non-zeros (about ``num_nodes * dim * density``).

    Args:
        num_nodes: number of rows :math:`n` (>= 0).
        dim: number of columns, > 0.
        density: :math:`1/s` in (0, 1]; default :math:`1/\sqrt{n}` (1 when :math:`n \le 1`).
        seed: ``numpy.random.default_rng`` seed (default 0).
        dtype: dtype of the values (default ``np.float32``).

    Returns:
        ``scipy.sparse.csr_matrix`` of shape ``[num_nodes, dim]`` with sorted indices.
    """
    dim = positive_int("dim", dim)
    if isinstance(num_nodes, bool) or not isinstance(num_nodes, (int, np.integer)) or num_nodes < 0:
        raise ConfigError(f"num_nodes must be an int >= 0; got {num_nodes!r}.")
    density = _check_density(density, int(num_nodes))
    rng = np.random.default_rng(seed)
    total = int(num_nodes) * dim
    positions = _bernoulli_positions(rng, total, density)
    signs = np.where(rng.random(positions.shape[0]) < 0.5, -1.0, 1.0)
    rows = positions // dim
    indptr = np.zeros(int(num_nodes) + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=int(num_nodes)), out=indptr[1:])
    data = (signs * math.sqrt(1.0 / density)).astype(_check_dtype(dtype))
    return sp.csr_matrix((data, positions % dim, indptr), shape=(int(num_nodes), dim))


class FastRP(BaseTransform):
    r"""PyG transform writing :func:`fastrp` embeddings onto ``data`` (a copy; the input is not
    modified).

    .. math::

        E = \sum_{i=1}^{q} \alpha_i \, \nu\big((D^{-1} S)^{i-1} D^{-1} S L R\big)

    Args:
        dim: embedding dimension (default 128).
        weights: iteration weights (default ``(0, 0, 1, 6.67)``).
        beta: degree-reweighting exponent (default -0.64).
        normalize: L2-normalise each iteration's rows (default True).
        density: non-zero fraction of the projection (default :math:`1/\sqrt{n}`).
        seed: projection seed (default 0).
        directed: keep edge directions (default: symmetrise, as for every PyG ``Data``).
        attr: attribute receiving the ``float32 [num_nodes, dim]`` tensor (default ``'x'``).
        cat: concatenate to an existing ``data[attr]`` along the last dimension instead of
            replacing it (default False).
    """

    def __init__(
        self,
        dim: int = 128,
        weights: Any = DEFAULT_WEIGHTS,
        beta: float = DEFAULT_BETA,
        normalize: bool = True,
        density: float | None = None,
        seed: int = 0,
        directed: bool = False,
        attr: str = "x",
        cat: bool = False,
    ) -> None:
        self.dim = positive_int("dim", dim)
        self.weights = tuple(float(w) for w in _check_weights(weights))
        self.beta = _check_real("beta", beta)
        self.normalize = bool(normalize)
        self.density = density
        self.seed = seed
        self.directed = bool(directed)
        self.attr = attr
        self.cat = bool(cat)

    def forward(self, data: Any) -> Any:
        data = data.clone()
        embedding = torch.from_numpy(fastrp(
            data, self.dim, self.weights, self.beta, self.normalize, self.density, self.seed,
            directed=self.directed,
        ))
        old = getattr(data, self.attr, None) if self.attr in data else None
        if self.cat and old is not None:
            old = old.view(-1, 1) if old.dim() == 1 else old
            embedding = torch.cat([old, embedding.to(old.dtype)], dim=-1)
        data[self.attr] = embedding
        return data

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(dim={self.dim}, weights={self.weights}, "
            f"beta={self.beta}, normalize={self.normalize}, density={self.density}, "
            f"seed={self.seed}, directed={self.directed}, attr={self.attr!r}, cat={self.cat})"
        )


# --------------------------------------------------------------------------------------------
# Propagation
# --------------------------------------------------------------------------------------------


def _propagate(
    g: Graph,
    edge_weights: np.ndarray | None,
    inv_degree: np.ndarray,
    projection: tuple[np.ndarray, np.ndarray, np.ndarray],
    alphas: np.ndarray,
    normalize: bool,
    blocks: np.ndarray,
    out: np.ndarray,
) -> None:
    """Run the ``q`` steps, adding ``alpha_i * nu(N_i)`` into ``out`` (in place)."""
    dtype = out.dtype.type
    current = np.empty_like(out)
    _first_step(blocks, g.indptr, g.indices, edge_weights, inv_degree, *projection,
                current, out, dtype(alphas[0]), normalize)
    following = np.empty_like(out) if alphas.shape[0] > 1 else current
    for alpha in alphas[1:]:
        _next_step(blocks, g.indptr, g.indices, edge_weights, inv_degree, current,
                   following, out, dtype(alpha), normalize)
        current, following = following, current


@numba.njit(parallel=True, cache=True, fastmath=_FASTMATH, boundscheck=False)
def _first_step(blocks, indptr, indices, edge_weights, inv_degree, r_indptr, r_indices, r_data,
                result, out, alpha, normalize):  # pragma: no cover - compiled
    """``result = D^-1 S (L R)`` with ``L R`` sparse (CSR); then ``out += alpha * nu(result)``."""
    for b in numba.prange(blocks.shape[0] - 1):
        for i in range(blocks[b], blocks[b + 1]):
            row = result[i]
            row[:] = 0
            for e in range(indptr[i], indptr[i + 1]):
                j = indices[e]
                w = inv_degree[i] if edge_weights is None else edge_weights[e] * inv_degree[i]
                for t in range(r_indptr[j], r_indptr[j + 1]):
                    row[r_indices[t]] += w * r_data[t]
            _accumulate(row, out[i], alpha, normalize)


@numba.njit(parallel=True, cache=True, fastmath=_FASTMATH, boundscheck=False)
def _next_step(blocks, indptr, indices, edge_weights, inv_degree, previous, result, out, alpha,
               normalize):  # pragma: no cover - compiled
    """``result = D^-1 S previous`` (dense rows); then ``out += alpha * nu(result)``."""
    dim = previous.shape[1]
    for b in numba.prange(blocks.shape[0] - 1):
        for i in range(blocks[b], blocks[b + 1]):
            row = result[i]
            row[:] = 0
            for e in range(indptr[i], indptr[i + 1]):
                source = previous[indices[e]]
                if edge_weights is None:
                    for k in range(dim):
                        row[k] += source[k]
                else:
                    w = edge_weights[e]
                    for k in range(dim):
                        row[k] += w * source[k]
            scale = inv_degree[i]
            for k in range(dim):
                row[k] *= scale
            _accumulate(row, out[i], alpha, normalize)


@numba.njit(cache=True, fastmath=_FASTMATH, boundscheck=False, inline="always")
def _accumulate(row, target, alpha, normalize):  # pragma: no cover - compiled
    """``target += alpha * row / ||row||`` (or without the division); zero rows add nothing."""
    if alpha == 0:
        return
    scale = np.float64(alpha)
    if normalize:
        squares = 0.0
        for k in range(row.shape[0]):
            squares += np.float64(row[k]) * np.float64(row[k])
        if squares == 0.0:
            return
        scale = scale / math.sqrt(squares)
    for k in range(row.shape[0]):
        target[k] += scale * row[k]


def _degree_factors(degree: np.ndarray, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """``(1 / d, d ** beta)`` per node, with ``(0, 1)`` where the out-degree ``d`` is 0."""
    degree = np.asarray(degree, dtype=np.float64)
    positive = degree > 0
    safe = np.where(positive, degree, 1.0)
    return np.where(positive, 1.0 / safe, 0.0), np.where(positive, safe**beta, 1.0)


def _row_blocks(indptr: np.ndarray, num_blocks: int) -> np.ndarray:
    """Boundaries of ``num_blocks`` contiguous row ranges of about equal ``edges + rows``."""
    n = indptr.shape[0] - 1
    work = indptr + np.arange(n + 1)  # cumulative edges + rows before each row
    targets = np.linspace(0, work[-1], max(1, min(num_blocks, n)) + 1)
    bounds = np.searchsorted(work, targets[1:-1], side="left")
    return np.unique(np.concatenate([[0], bounds, [n]])).astype(np.int64)


def _bernoulli_positions(rng: np.random.Generator, total: int, p: float) -> np.ndarray:
    """Sorted positions in ``[0, total)`` of independent Bernoulli(p) successes."""
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    if p >= 1.0:
        return np.arange(total, dtype=np.int64)
    chunks, end = [], -1
    batch = int(total * p + 10 * math.sqrt(total * p) + 16)
    while end < total:
        steps = np.cumsum(rng.geometric(p, size=batch)) + end
        chunks.append(steps)
        end = int(steps[-1])
    positions = np.concatenate(chunks)
    return positions[positions < total]


# --------------------------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------------------------


def _check_real(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite real number; got {value!r}.")
    return float(value)


def _check_weights(weights: Any) -> np.ndarray:
    try:
        alphas = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ConfigError(
            f"weights must be a sequence of numbers, one per iteration; got {weights!r}."
        ) from error
    if alphas.ndim != 1 or alphas.shape[0] == 0:
        raise ConfigError(
            f"weights must be a non-empty 1-D sequence (one weight per iteration, e.g. "
            f"(0, 0, 1, 6.67)); got {weights!r}."
        )
    if not np.all(np.isfinite(alphas)):
        raise ConfigError(f"weights must be finite (no NaN/inf); got {weights!r}.")
    return alphas


def _check_density(density: Any, num_nodes: int) -> float:
    if density is None:
        return 1.0 / math.sqrt(num_nodes) if num_nodes > 1 else 1.0
    value = _check_real("density", density)
    if not 0.0 < value <= 1.0:
        raise ConfigError(
            f"density must be in (0, 1] (the fraction 1/s of non-zero projection entries, e.g. "
            f"1/3); got {density!r}. Pass None for 1/sqrt(num_nodes)."
        )
    return value


def _check_dtype(dtype: Any) -> type:
    try:
        resolved = np.dtype(dtype)
    except TypeError as error:
        raise ConfigError(f"dtype must be np.float32 or np.float64; got {dtype!r}.") from error
    if resolved not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ConfigError(f"dtype must be np.float32 or np.float64; got {dtype!r}.")
    return resolved.type


def _check_projection(projection: Any, num_nodes: int, dim: int, dtype: type) -> sp.csr_matrix:
    if not (sp.issparse(projection) or isinstance(projection, np.ndarray)):
        raise ConfigError(
            f"projection must be a numpy array or scipy sparse matrix of shape "
            f"[{num_nodes}, {dim}]; got {type(projection).__name__}."
        )
    if projection.shape != (num_nodes, dim):
        raise ConfigError(
            f"projection must have shape [num_nodes, dim] = [{num_nodes}, {dim}]; got "
            f"{list(projection.shape)}."
        )
    matrix = sp.csr_matrix(projection, dtype=np.float64)
    if not np.all(np.isfinite(matrix.data)):
        raise ConfigError("projection contains NaN/inf; pass finite values.")
    matrix.sum_duplicates()
    matrix.sort_indices()
    return sp.csr_matrix(
        (matrix.data.astype(dtype), matrix.indices.astype(np.int64),
         matrix.indptr.astype(np.int64)), shape=matrix.shape,
    )
