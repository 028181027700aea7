"""Neural Sheaf Diffusion (Bodnar, Di Giovanni, Chamberlain, Liò & Bronstein, NeurIPS 2022).

A cellular sheaf on a graph attaches a vector space :math:`\\mathbb{R}^d` (the *stalk*) to every
node and edge, and a linear *restriction map* :math:`F_{v \\trianglelefteq e}` (``d × d``) to every
incident node-edge pair. Its Laplacian generalises the graph Laplacian: diffusion with it pulls
the features of two neighbours together only after transporting them through the maps, which
lets the model separate classes on heterophilous graphs.

Conventions used throughout this module:

* ``edge_index`` ``[2, E]`` lists every undirected edge in **both directions** (the PyG
  convention for undirected graphs), without self-loops or duplicates. Column ``k`` is the
  directed edge ``u → v`` and ``maps[k]`` is :math:`F_{u \\trianglelefteq e}`, the map of its
  *source* ``u`` onto the edge :math:`e = \\{u, v\\}`; the map of ``v`` onto ``e`` is the one of
  the reverse column ``v → u``. A graph given with each undirected edge once is rejected with a
  message that says how to symmetrise it (``torch_geometric.utils.to_undirected`` or
  :func:`graphkit.graph.as_graph`).
* Maps are ``[E, d]`` (diagonal maps, the diagonal of each :math:`F`) or ``[E, d, d]``
  (orthogonal or general maps).
* Node features of a diffusion layer are ``[N, d · C]``, stalk-major: columns
  ``i·C .. (i+1)·C - 1`` are the ``C`` channels of stalk dimension ``i``.

Everything is sparse: the Laplacian has ``(N + E) · d²`` stored entries and the layers apply it
block by block (gather, batched ``d × d`` products, scatter-add), so memory grows with
``E · d · C`` and never with ``N²``. With ``spmm=True`` the layers apply it as one CSR sparse
matrix product instead (backward: a sampled dense-dense product at the stored entries), which
keeps memory at ``O(E · d² + N · d · C)`` and is much faster on dense graphs such as ogbl-ddi.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn import functional as F

from graphkit._sparse import at_least_float32, csr_tensor, sparse_matmul
from graphkit.errors import ConfigError, GraphInputError

__all__ = [
    "MAP_KINDS",
    "ORTHOGONAL_METHODS",
    "sheaf_laplacian",
    "orthogonal_matrices",
    "SheafLearner",
    "SheafConv",
    "SheafDiffusion",
]

#: restriction-map families: diagonal, orthogonal O(d) and general ``d × d`` maps
MAP_KINDS = ("diag", "orth", "general")
#: parametrisations of the orthogonal group used by :func:`orthogonal_matrices`
ORTHOGONAL_METHODS = ("householder", "cayley", "matrix_exp")
_ACTIVATIONS = {"tanh": torch.tanh, "elu": F.elu, "id": lambda t: t}


# ---------------------------------------------------------------------------------- graph input


@dataclass(frozen=True)
class _SheafGraph:
    """A validated ``edge_index`` with the column of each reverse edge and edge orientations."""

    edge_index: torch.Tensor  # [2, E] long
    reverse: torch.Tensor  # [E]: column of v → u for column u → v
    num_nodes: int
    # CSR patterns of the Laplacian per (stalk dimension, diagonal maps), built on first use
    patterns: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def orientation(self) -> torch.Tensor:
        """``+1`` for ``u < v`` and ``-1`` for ``u > v`` (``[E]``, float)."""
        src, dst = self.edge_index
        return (src < dst).float() * 2.0 - 1.0


def _as_edge_index(edge_index: torch.Tensor) -> torch.Tensor:
    """``edge_index`` as a long ``[2, E]`` tensor (a torch sparse adjacency gives its indices)."""
    if not isinstance(edge_index, torch.Tensor):
        raise GraphInputError(
            f"edge_index must be a torch.Tensor [2, E] or a torch sparse adjacency; got "
            f"{type(edge_index).__name__}. Convert other graphs with graphkit.graph.as_graph(...)"
            ".to_edge_index()."
        )
    if edge_index.layout != torch.strided:
        edge_index = edge_index.to_sparse_coo().coalesce().indices()
    if edge_index.dim() != 2 or edge_index.size(0) != 2:
        raise GraphInputError(f"edge_index must have shape [2, E]; got {list(edge_index.shape)}.")
    if edge_index.dtype not in (torch.int32, torch.int64):
        raise GraphInputError(f"edge_index must hold integer node ids; got dtype {edge_index.dtype}.")
    return edge_index.long()


def _prepare(edge_index: torch.Tensor, num_nodes: int | None) -> _SheafGraph:
    """Validate an undirected ``edge_index`` given in both directions and pair up its columns.

    Raises:
        GraphInputError: bad shape or dtype, ids out of range, self-loops, duplicate columns, or
            a column ``u → v`` without its reverse ``v → u``.
    """
    edge_index = _as_edge_index(edge_index)
    src, dst = edge_index
    if num_nodes is None:
        num_nodes = int(edge_index.max()) + 1 if edge_index.numel() else 0
    if edge_index.numel() and (int(edge_index.min()) < 0 or int(edge_index.max()) >= num_nodes):
        raise GraphInputError(
            f"edge_index holds node ids outside [0, num_nodes={num_nodes}); pass the right "
            "num_nodes or relabel the nodes."
        )
    if bool((src == dst).any()):
        raise GraphInputError(
            "edge_index has self-loops, which have no place in a sheaf Laplacian (a node and "
            "edge would share a stalk); remove them, e.g. torch_geometric.utils.remove_self_loops."
        )
    key, reverse_key = src * num_nodes + dst, dst * num_nodes + src
    sorted_key, order = torch.sort(key)
    if sorted_key.numel() > 1 and bool((sorted_key[1:] == sorted_key[:-1]).any()):
        raise GraphInputError("edge_index has duplicate columns; coalesce it first.")
    position = torch.searchsorted(sorted_key, reverse_key).clamp(max=max(key.numel() - 1, 0))
    if key.numel() and not bool((sorted_key[position] == reverse_key).all()):
        raise GraphInputError(
            "edge_index must list every undirected edge in both directions (u → v and v → u); "
            "some reverse edges are missing. Symmetrise it with "
            "torch_geometric.utils.to_undirected(edge_index)."
        )
    return _SheafGraph(edge_index, order[position], num_nodes)


def _check_maps(maps: torch.Tensor, num_edges: int) -> None:
    """Raise :class:`GraphInputError` unless ``maps`` is a finite ``[E, d]`` or ``[E, d, d]``."""
    if not isinstance(maps, torch.Tensor) or not maps.is_floating_point():
        raise GraphInputError("maps must be a floating-point tensor [E, d] or [E, d, d].")
    square = maps.dim() == 3 and maps.size(1) == maps.size(2)
    if not (maps.dim() == 2 or square) or maps.size(0) != num_edges or maps.size(1) == 0:
        raise GraphInputError(
            f"maps must have shape [E, d] (diagonal) or [E, d, d] with E = {num_edges} edge "
            f"columns and d >= 1; got {list(maps.shape)}."
        )
    if not bool(torch.isfinite(maps).all()):
        raise GraphInputError("maps holds NaN or infinite values.")


# ------------------------------------------------------------------------- inverse square root


class _SymmetricPower(torch.autograd.Function):
    """:math:`A^{-1/2}` of a batch of symmetric PSD matrices, with a stable backward pass.

    The gradient uses the divided differences of :math:`f(\\lambda) = \\lambda^{-1/2}`
    (Daleckii-Krein), which stay finite when eigenvalues coincide (the SVD/eigen gradient of
    PyTorch divides by eigenvalue gaps and is infinite for, e.g., a multiple of the identity).
    Eigenvalues ``<= tol`` are treated as zero (pseudo-inverse).
    """

    @staticmethod
    def forward(ctx, matrices: torch.Tensor, tol: float) -> torch.Tensor:
        ctx.dtype = matrices.dtype
        with torch.autocast(matrices.device.type, enabled=False):  # float32 at least
            values, vectors = torch.linalg.eigh(matrices.to(at_least_float32(matrices)))
            positive = values > tol
            powered = torch.where(positive, values.clamp(min=tol if tol > 0 else 1e-30).rsqrt(), 0.0)
            ctx.save_for_backward(values, vectors, powered, positive)
            return (vectors * powered.unsqueeze(-2)) @ vectors.transpose(-1, -2)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        values, vectors, powered, positive = ctx.saved_tensors
        grad = grad.to(values.dtype)
        gap = values.unsqueeze(-1) - values.unsqueeze(-2)
        # relative gaps below sqrt(machine epsilon) count as ties: there the divided difference
        # loses half its digits to cancellation and the mean derivative is accurate to O(gap²)
        scale = values.abs().amax(-1, keepdim=True).unsqueeze(-1).clamp(min=1.0)
        close = gap.abs() <= torch.finfo(values.dtype).eps ** 0.5 * scale
        derivative = torch.where(positive, -0.5 * powered**3, 0.0)
        mean_derivative = 0.5 * (derivative.unsqueeze(-1) + derivative.unsqueeze(-2))
        ratio = (powered.unsqueeze(-1) - powered.unsqueeze(-2)) / torch.where(close, 1.0, gap)
        kernel = torch.where(close, mean_derivative, ratio)
        inner = vectors.transpose(-1, -2) @ grad @ vectors
        result = vectors @ (kernel * inner) @ vectors.transpose(-1, -2)
        return (0.5 * (result + result.transpose(-1, -2))).to(ctx.dtype), None


def _inverse_sqrt(diagonal: torch.Tensor, augmented: bool) -> torch.Tensor:
    """:math:`(D + I)^{-1/2}` (``augmented``) or the pseudo-inverse root :math:`D^{+1/2}`.

    ``diagonal`` is ``[N, d]`` (diagonal blocks) or ``[N, d, d]`` (full blocks).
    """
    if diagonal.dim() == 2:
        shifted = diagonal + 1.0 if augmented else diagonal
        safe = torch.where(shifted > 0, shifted, 1.0)
        return torch.where(shifted > 0, safe.rsqrt(), 0.0)
    if augmented:
        eye = torch.eye(diagonal.size(-1), dtype=diagonal.dtype, device=diagonal.device)
        diagonal = diagonal + eye
    if diagonal.numel() == 0:
        return diagonal
    tol = 0.0 if augmented else 1e-6 * max(float(diagonal.detach().abs().max()), 1.0)
    return _SymmetricPower.apply(diagonal, tol)


# ------------------------------------------------------------------------------ the Laplacian


def _laplacian_blocks(
    graph: _SheafGraph, maps: torch.Tensor, normalized: bool, augmented: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """Diagonal blocks ``[N, d(, d)]`` and off-diagonal blocks ``[E, d(, d)]`` of the Laplacian.

    Off-diagonal block ``k`` sits at block row ``src_k`` and block column ``dst_k``.
    """
    src, _ = graph.edge_index
    other = maps[graph.reverse]
    n = graph.num_nodes
    if maps.dim() == 2:
        off = -maps * other
        diagonal = maps.new_zeros(n, maps.size(1)).index_add(0, src, maps * maps)
    else:
        off = -maps.transpose(-1, -2) @ other
        diagonal = maps.new_zeros(n, *maps.shape[1:]).index_add(
            0, src, maps.transpose(-1, -2) @ maps
        )
    if not normalized:
        return diagonal, off
    scale = _inverse_sqrt(diagonal, augmented)
    if maps.dim() == 2:
        return scale * diagonal * scale, scale[src] * off * scale[graph.edge_index[1]]
    return scale @ diagonal @ scale, scale[src] @ off @ scale[graph.edge_index[1]]


def _block_indices(graph: _SheafGraph, d: int, diagonal_maps: bool) -> torch.Tensor:
    """Row/column indices ``[2, (N + E) · d(²)]`` of the Laplacian entries, blocks in order."""
    nodes = torch.arange(graph.num_nodes, device=graph.edge_index.device)
    block_rows = torch.cat([nodes, graph.edge_index[0]])
    block_cols = torch.cat([nodes, graph.edge_index[1]])
    i = torch.arange(d, device=nodes.device)
    if diagonal_maps:
        rows = (block_rows.unsqueeze(1) * d + i).reshape(-1)
        cols = (block_cols.unsqueeze(1) * d + i).reshape(-1)
    else:
        rows = (block_rows.view(-1, 1, 1) * d + i.view(1, d, 1)).expand(-1, d, d).reshape(-1)
        cols = (block_cols.view(-1, 1, 1) * d + i.view(1, 1, d)).expand(-1, d, d).reshape(-1)
    return torch.stack([rows, cols])


def sheaf_laplacian(
    edge_index: torch.Tensor,
    maps: torch.Tensor,
    num_nodes: int | None = None,
    normalized: bool = True,
    augmented: bool = True,
) -> torch.Tensor:
    """Sheaf Laplacian of restriction maps on an undirected graph, as a sparse block matrix.

    From Hansen & Ghrist (2019) and Bodnar et al., "Neural Sheaf Diffusion" (NeurIPS 2022),
    with :math:`F_{v \\trianglelefteq e}` the map of node ``v`` onto edge ``e``:

    .. math::
        L_{vv} = \\sum_{e \\ni v} F_{v \\trianglelefteq e}^\\top F_{v \\trianglelefteq e},
        \\qquad
        L_{uv} = -F_{u \\trianglelefteq e}^\\top F_{v \\trianglelefteq e}
        \\quad (e = \\{u, v\\}),
        \\qquad
        \\Delta = (D + I)^{-1/2} L (D + I)^{-1/2},

    where :math:`D` is the block diagonal of :math:`L`. The :math:`+I` (``augmented=True``) is
    what the authors' implementation uses for all three map families: it keeps
    :math:`\\Delta` finite at isolated nodes and at nodes whose maps vanish, and bounds its
    spectrum. ``augmented=False`` gives :math:`D^{-1/2} L D^{-1/2}` with the pseudo-inverse
    root (zero where a block is singular). For full ``d × d`` blocks the root comes from an
    eigendecomposition whose backward pass stays finite at repeated eigenvalues.

    Args:
        edge_index: ``[2, E]``, every undirected edge in both directions, no self-loops or
            duplicates (or a torch sparse adjacency with that pattern, whose columns are then
            taken in coalesced row-major order; its values are ignored).
        maps: ``[E, d]`` diagonal maps or ``[E, d, d]`` maps; ``maps[k]`` is the map of the
            source node of column ``k`` onto that edge.
        num_nodes: ``N`` (default: ``max id + 1``).
        normalized: return :math:`\\Delta` instead of :math:`L` (default ``True``).
        augmented: with ``normalized``, use :math:`D + I` (default ``True``) or :math:`D`.

    Returns:
        A coalesced sparse COO tensor ``[N·d, N·d]``; block ``(u, v)`` is rows ``u·d .. u·d+d-1``
        and columns ``v·d .. v·d+d-1``. It has ``(N + E)·d`` stored entries for diagonal maps
        and ``(N + E)·d²`` otherwise.

    Raises:
        GraphInputError: malformed ``edge_index`` (see above) or ``maps`` of the wrong shape,
            dtype, or with non-finite values.
    """
    graph = _prepare(edge_index, num_nodes)
    _check_maps(maps, graph.edge_index.size(1))
    d = maps.size(1)
    diagonal, off = _laplacian_blocks(graph, maps, normalized, augmented)
    values = torch.cat([diagonal.reshape(-1), off.reshape(-1)])
    indices = _block_indices(graph, d, maps.dim() == 2).to(maps.device)
    size = graph.num_nodes * d
    return torch.sparse_coo_tensor(indices, values, (size, size), check_invariants=False).coalesce()


def _apply_blocks(
    graph: _SheafGraph, diagonal: torch.Tensor, off: torch.Tensor, x: torch.Tensor
) -> torch.Tensor:
    """``L @ x`` from its blocks, for ``x`` ``[N, d, C]`` (memory ``O((N + E) · d · C)``)."""
    src, dst = graph.edge_index
    if diagonal.dim() == 2:
        own = diagonal.unsqueeze(-1) * x
        messages = off.unsqueeze(-1) * x[dst]
    else:
        own = diagonal @ x
        messages = off @ x[dst]
    return own.index_add(0, src, messages)


@dataclass(frozen=True)
class _CSRPattern:
    """Sparsity pattern of a sheaf Laplacian in CSR order, built once per graph and stalk size.

    ``order[j]`` is the position, in the block order of :func:`_block_indices` (diagonal blocks,
    then one block per column of ``edge_index``), of the ``j``-th stored CSR entry, and
    ``transpose[j]`` the CSR position of the entry mirrored across the diagonal (the pattern is
    symmetric: block ``(u, v)`` exists exactly when ``(v, u)`` does).
    """

    crow: torch.Tensor
    col: torch.Tensor
    order: torch.Tensor
    transpose: torch.Tensor
    size: int


def _csr_pattern(graph: _SheafGraph, d: int, diagonal_maps: bool) -> _CSRPattern:
    """The memoised :class:`_CSRPattern` of ``graph`` for stalk dimension ``d``."""
    key = (d, diagonal_maps)
    if key not in graph.patterns:
        rows, cols = _block_indices(graph, d, diagonal_maps)
        size = graph.num_nodes * d
        sorted_keys, order = torch.sort(rows * size + cols)
        crow = torch.zeros(size + 1, dtype=torch.long, device=rows.device)
        crow[1:] = torch.bincount(rows, minlength=size).cumsum(0)
        col = cols[order]
        transpose = torch.searchsorted(sorted_keys, col * size + rows[order])
        graph.patterns[key] = _CSRPattern(crow, col, order, transpose, size)
    return graph.patterns[key]


class _PatternMatmul(torch.autograd.Function):
    """``A @ x`` for a square CSR matrix ``A`` given by its values on a fixed symmetric pattern.

    Backward: :math:`\\partial x = A^\\top g` (the transpose is the same pattern with the values
    mirrored) and :math:`\\partial A_{ij} = g_i \\cdot x_j` at the stored entries only
    (``torch.sparse.sampled_addmm``), so no dense ``[size, size]`` matrix is ever formed.
    """

    @staticmethod
    def forward(ctx, values: torch.Tensor, x: torch.Tensor, pattern: _CSRPattern) -> torch.Tensor:
        ctx.pattern = pattern
        ctx.save_for_backward(values, x)
        return sparse_matmul(_csr(pattern, values), x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor | None, None]:
        values, x = ctx.saved_tensors
        pattern, dtype = ctx.pattern, grad.dtype  # grad is in the product's dtype
        grad = grad.contiguous()
        grad_values = grad_x = None
        if ctx.needs_input_grad[0]:
            sampled = torch.sparse.sampled_addmm(
                _csr(pattern, grad.new_zeros(values.shape)), grad, x.to(dtype).t(), beta=0.0
            )
            grad_values = sampled.values().to(values.dtype)
        if ctx.needs_input_grad[1]:
            grad_x = sparse_matmul(_csr(pattern, values[pattern.transpose]), grad).to(x.dtype)
        return grad_values, grad_x, None


def _csr(pattern: _CSRPattern, values: torch.Tensor) -> torch.Tensor:
    return csr_tensor(pattern.crow, pattern.col, values, (pattern.size, pattern.size))


def _apply_csr(
    graph: _SheafGraph, diagonal: torch.Tensor, off: torch.Tensor, x: torch.Tensor
) -> torch.Tensor:
    """:func:`_apply_blocks` as one CSR product (memory ``O((N + E) · d² + N · d · C)``)."""
    n, d, c = x.shape
    pattern = _csr_pattern(graph, d, diagonal.dim() == 2)
    values = torch.cat([diagonal.reshape(-1), off.reshape(-1)])[pattern.order]
    return _PatternMatmul.apply(values, x.reshape(n * d, c), pattern).view(n, d, c)


# ------------------------------------------------------------------------- restriction maps


def _householder(params: torch.Tensor, d: int) -> torch.Tensor:
    """Products of ``d - 1`` Householder reflections ``H(v_1) ... H(v_{d-1})``."""
    rows, cols = torch.tril_indices(d, d, offset=-1, device=params.device)
    vectors = torch.eye(d, dtype=params.dtype, device=params.device).repeat(params.size(0), 1, 1)
    vectors[:, rows, cols] = params  # column j: v_j = e_j + the parameters below the diagonal
    q = torch.eye(d, dtype=params.dtype, device=params.device).expand(params.size(0), d, d)
    for j in range(d - 1):
        v = vectors[:, :, j]
        qv = (q @ v.unsqueeze(-1)).squeeze(-1)
        q = q - 2.0 * qv.unsqueeze(-1) * v.unsqueeze(-2) / (v * v).sum(-1).view(-1, 1, 1)
    return q


def _skew(params: torch.Tensor, d: int) -> torch.Tensor:
    rows, cols = torch.tril_indices(d, d, offset=-1, device=params.device)
    lower = params.new_zeros(params.size(0), d, d)
    lower[:, rows, cols] = params
    return lower - lower.transpose(-1, -2)


def orthogonal_matrices(params: torch.Tensor, d: int, method: str = "householder") -> torch.Tensor:
    """Map ``[B, d(d-1)/2]`` unconstrained parameters to ``[B, d, d]`` orthogonal matrices.

    .. math::
        \\text{householder: } Q = \\prod_{j=1}^{d-1} \\Big(I - 2\\frac{v_j v_j^\\top}
        {v_j^\\top v_j}\\Big),\\ v_j = e_j + \\sum_{i > j} p_{ij} e_i; \\qquad
        \\text{cayley: } Q = (I - A/2)^{-1}(I + A/2); \\qquad
        \\text{matrix\\_exp: } Q = e^{A},

    with :math:`A` the skew-symmetric matrix whose strict lower triangle holds the parameters.
    Cayley and the exponential give rotations (:math:`\\det Q = 1`); the Householder product
    has :math:`\\det Q = (-1)^{d-1}`. Sheaf Laplacians only use :math:`F_u^\\top F_v`, a
    rotation in every case.

    Args:
        params: ``[B, d(d-1)/2]``. d: matrix size (>= 2).
        method: ``'householder'`` (default, as the authors), ``'cayley'`` or ``'matrix_exp'``.
    """
    if method not in ORTHOGONAL_METHODS:
        raise ConfigError(f"method must be one of {ORTHOGONAL_METHODS}; got {method!r}.")
    if d < 2 or params.dim() != 2 or params.size(1) != d * (d - 1) // 2:
        raise ConfigError(
            f"orthogonal maps need d >= 2 and params [B, d(d-1)/2 = {d * (d - 1) // 2}]; got d={d} "
            f"and params {list(params.shape)}."
        )
    if method == "householder":
        return _householder(params, d)
    skew = _skew(params, d)
    if method == "matrix_exp":
        return torch.matrix_exp(skew)
    eye = torch.eye(d, dtype=params.dtype, device=params.device)
    return torch.linalg.solve(eye - 0.5 * skew, eye + 0.5 * skew)


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{name} must be one of {choices}; got {value!r}.")


class SheafLearner(nn.Module):
    """Predicts restriction maps from the features of each edge's two endpoints.

    As in Bodnar et al. (NeurIPS 2022), the map of ``v`` onto ``e = {v, u}`` is

    .. math::
        F_{v \\trianglelefteq e} = \\Phi(x_v, x_u) = \\sigma\\big(W [x_v \\,\\|\\, x_u]\\big),

    reshaped to a diagonal (``d`` outputs), a general matrix (``d²`` outputs), or turned into an
    orthogonal matrix by :func:`orthogonal_matrices` (``d(d-1)/2`` outputs). With
    ``edge_weights`` the orthogonal maps are scaled by a learned symmetric weight
    :math:`w_e = s(x_v, x_u)\\, s(x_u, x_v)`, :math:`s = \\mathrm{sigmoid}(w^\\top [\\cdot \\| \\cdot])`,
    as in the authors' O(d) model.

    Args:
        in_channels: node feature size. d: stalk dimension (>= 2 for ``'orth'``).
        maps: ``'diag'``, ``'orth'`` (default) or ``'general'``.
        act: :math:`\\sigma`, ``'tanh'`` (default), ``'elu'`` or ``'id'``.
        orth_method: see :func:`orthogonal_matrices` (default ``'householder'``).
        edge_weights: learn edge weights (``'orth'`` only; default ``False``).
    """

    def __init__(
        self, in_channels: int, d: int, maps: str = "orth", act: str = "tanh",
        orth_method: str = "householder", edge_weights: bool = False,
    ) -> None:
        super().__init__()
        _check_choice("maps", maps, MAP_KINDS)
        _check_choice("act", act, tuple(_ACTIVATIONS))
        _check_choice("orth_method", orth_method, ORTHOGONAL_METHODS)
        if d < 1 or (maps == "orth" and d < 2):
            raise ConfigError(f"d must be >= 1 (>= 2 for orthogonal maps); got d={d}.")
        if edge_weights and maps != "orth":
            raise ConfigError("edge_weights applies to orthogonal maps only (maps='orth').")
        self.in_channels, self.d, self.maps, self.act = in_channels, d, maps, act
        self.orth_method, self.edge_weights = orth_method, edge_weights
        outputs = {"diag": d, "orth": d * (d - 1) // 2, "general": d * d}[maps]
        self.lin = nn.Linear(2 * in_channels, outputs, bias=False)
        self.weight_lin = nn.Linear(2 * in_channels, 1, bias=False) if edge_weights else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.lin.reset_parameters()
        if self.weight_lin is not None:
            self.weight_lin.reset_parameters()

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        """Maps ``[E, d]`` (diagonal) or ``[E, d, d]`` for ``x`` ``[N, in_channels]``.

        ``edge_index`` must list both directions of every edge (see the module docstring).
        """
        graph = _prepare(edge_index, x.size(0))
        return self._maps(x, graph)

    def _pair_linear(self, lin: nn.Linear, x: torch.Tensor, graph: _SheafGraph) -> torch.Tensor:
        """``lin([x_src || x_dst])`` per edge, as two node-level products gathered per edge."""
        src, dst = graph.edge_index
        weight = lin.weight
        own = F.linear(x, weight[:, : self.in_channels])
        other = F.linear(x, weight[:, self.in_channels:])
        return own[src] + other[dst]

    def _maps(self, x: torch.Tensor, graph: _SheafGraph) -> torch.Tensor:
        out = _ACTIVATIONS[self.act](self._pair_linear(self.lin, x, graph))
        if self.maps == "diag":
            return out
        if self.maps == "general":
            return out.view(-1, self.d, self.d)
        maps = orthogonal_matrices(out, self.d, self.orth_method)
        if self.weight_lin is None:
            return maps
        half = torch.sigmoid(self._pair_linear(self.weight_lin, x, graph)).view(-1)
        return maps * (half * half[graph.reverse]).view(-1, 1, 1)

    def __repr__(self) -> str:
        return f"SheafLearner({self.in_channels}, d={self.d}, maps={self.maps!r})"


def _with_fixed_stalks(
    maps: torch.Tensor, graph: _SheafGraph, add_trivial: bool, add_signed: bool
) -> torch.Tensor:
    """Append fixed one-dimensional stalks: maps ``1`` (trivial) and ``±1`` by orientation."""
    fixed = []
    if add_trivial:
        fixed.append(torch.ones_like(graph.orientation))
    if add_signed:
        fixed.append(graph.orientation)
    if not fixed:
        return maps
    extra = torch.stack(fixed, dim=1).to(maps.dtype)
    if maps.dim() == 2:
        return torch.cat([maps, extra], dim=1)
    d, k = maps.size(1), extra.size(1)
    full = maps.new_zeros(maps.size(0), d + k, d + k)
    full[:, :d, :d] = maps
    full[:, d:, d:] = torch.diag_embed(extra)
    return full


# ------------------------------------------------------------------------------------ layers


class SheafConv(nn.Module):
    """One step of discrete neural sheaf diffusion with a learned sheaf (Bodnar et al., 2022).

    .. math::
        X' = (1 + \\tanh \\varepsilon) \\odot X
             - \\sigma\\big(\\Delta_{F(X)} (I_N \\otimes W_1) X W_2\\big),

    where :math:`X` is the ``[N·D, C]`` view of the ``[N, D·C]`` input (``D`` stalk dimensions
    of ``C`` channels each), :math:`\\Delta_{F(X)}` the normalised sheaf Laplacian
    (:func:`sheaf_laplacian`) of the maps a :class:`SheafLearner` predicts from :math:`X`,
    :math:`W_1` (``D × D``, identity at initialisation) mixes stalk dimensions,
    :math:`W_2` (``C × C``, orthogonal initialisation) mixes channels, :math:`\\sigma` is ELU
    and :math:`\\varepsilon \\in \\mathbb{R}^D` (zero at initialisation) scales the residual.

    Args:
        channels: ``C``, channels per stalk dimension.
        d: learned stalk dimension (default 2; >= 2 for ``'orth'``).
        maps: ``'diag'``, ``'orth'`` (default) or ``'general'``.
        add_trivial: one more stalk dimension with fixed identity maps, i.e. the ordinary
            normalised graph Laplacian (the authors' ``add_hp``; default ``False``).
        add_signed: one more stalk dimension with fixed maps ``+1``/``-1`` at the lower/higher
            endpoint, i.e. :math:`L_{uv} = +1` (the authors' ``add_lp``; default ``False``).
            ``D = d + add_trivial + add_signed``.
        normalized, augmented: Laplacian normalisation (see :func:`sheaf_laplacian`; default
            ``True``, ``True``).
        orth_method: orthogonal parametrisation (default ``'householder'``).
        edge_weights: learned edge weights for orthogonal maps (default: ``maps == 'orth'``).
        sheaf_act: activation of the map learner (default ``'tanh'``).
        left_weights, right_weights: use :math:`W_1` / :math:`W_2` (default ``True``).
        use_act: apply ELU as :math:`\\sigma` (default ``True``).
        dropout: dropout on :math:`X` before the diffusion (default 0).
        map_dropout: dropout on the learner's input (default 0).
        pool_stalks: feed the learner the sum over stalk dimensions (``C`` features per node)
            instead of all ``D·C`` features (default ``False``).
        spmm: apply :math:`\\Delta` as one CSR sparse-dense product (memory
            ``O(E·D² + N·D·C)``, much faster on dense graphs) instead of gathering ``E·D·C``
            messages; the same result up to rounding (default ``False``).
    """

    def __init__(
        self, channels: int, d: int = 2, maps: str = "orth", *, add_trivial: bool = False,
        add_signed: bool = False, normalized: bool = True, augmented: bool = True,
        orth_method: str = "householder", edge_weights: bool | None = None,
        sheaf_act: str = "tanh", left_weights: bool = True, right_weights: bool = True,
        use_act: bool = True, dropout: float = 0.0, map_dropout: float = 0.0,
        pool_stalks: bool = False, spmm: bool = False,
    ) -> None:
        super().__init__()
        if channels < 1:
            raise ConfigError(f"channels must be >= 1; got {channels}.")
        for name, p in (("dropout", dropout), ("map_dropout", map_dropout)):
            if not 0.0 <= p < 1.0:
                raise ConfigError(f"{name} must be in [0, 1); got {p}.")
        self.channels, self.d, self.maps = channels, d, maps
        self.add_trivial, self.add_signed = add_trivial, add_signed
        self.stalk_dim = d + int(add_trivial) + int(add_signed)
        self.normalized, self.augmented = normalized, augmented
        self.use_act, self.dropout, self.map_dropout = use_act, dropout, map_dropout
        self.pool_stalks, self.spmm = pool_stalks, spmm
        learner_in = channels if pool_stalks else channels * self.stalk_dim
        self.learner = SheafLearner(
            learner_in, d, maps, sheaf_act, orth_method,
            maps == "orth" if edge_weights is None else edge_weights,
        )
        self.left = nn.Linear(self.stalk_dim, self.stalk_dim, bias=False) if left_weights else None
        self.right = nn.Linear(channels, channels, bias=False) if right_weights else None
        self.epsilon = nn.Parameter(torch.empty(self.stalk_dim, 1))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.learner.reset_parameters()
        if self.left is not None:
            nn.init.eye_(self.left.weight)
        if self.right is not None:
            nn.init.orthogonal_(self.right.weight)
        nn.init.zeros_(self.epsilon)

    def restriction_maps(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        """The maps (fixed stalks included) the layer uses for ``x`` ``[N, D·C]``: ``[E, D(, D)]``."""
        graph = self._graph(x, edge_index)
        return self._restriction_maps(x, graph)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        """``[N, D·C]`` → ``[N, D·C]``; ``edge_index`` lists both directions of every edge."""
        return self._step(x, self._graph(x, edge_index))

    def _graph(self, x: torch.Tensor, edge_index: torch.Tensor) -> _SheafGraph:
        width = self.stalk_dim * self.channels
        if x.dim() != 2 or x.size(1) != width:
            raise GraphInputError(
                f"x must be [N, D·C] = [N, {self.stalk_dim}·{self.channels} = {width}]; got "
                f"{list(x.shape)}. Map the input features to that width first (SheafDiffusion "
                "does this with a linear layer)."
            )
        return _prepare(edge_index, x.size(0))

    def _restriction_maps(self, x: torch.Tensor, graph: _SheafGraph) -> torch.Tensor:
        features = F.dropout(x, p=self.map_dropout, training=self.training)
        if self.pool_stalks:
            features = features.view(x.size(0), self.stalk_dim, self.channels).sum(1)
        maps = self.learner._maps(features, graph)
        return _with_fixed_stalks(maps, graph, self.add_trivial, self.add_signed)

    def _step(self, x: torch.Tensor, graph: _SheafGraph) -> torch.Tensor:
        maps = self._restriction_maps(x, graph)
        diagonal, off = _laplacian_blocks(graph, maps, self.normalized, self.augmented)
        h = F.dropout(x, p=self.dropout, training=self.training)
        h = h.view(x.size(0), self.stalk_dim, self.channels)
        if self.left is not None:
            h = self.left.weight @ h
        if self.right is not None:
            h = self.right(h)
        h = (_apply_csr if self.spmm else _apply_blocks)(graph, diagonal, off, h)
        if self.use_act:
            h = F.elu(h)
        out = (1.0 + torch.tanh(self.epsilon)) * x.view_as(h) - h
        return out.reshape(x.size(0), -1)

    def __repr__(self) -> str:
        return f"SheafConv({self.channels}, d={self.d}, maps={self.maps!r})"


class SheafDiffusion(nn.Module):
    """Discrete neural sheaf diffusion for node classification (Bodnar et al., NeurIPS 2022).

    .. math::
        X_0 = \\mathrm{ELU}(\\mathrm{Lin}_{in}(X)) \\in \\mathbb{R}^{N \\times D C}, \\quad
        X_{t+1} = (1 + \\tanh \\varepsilon_t) \\odot X_t
                  - \\sigma\\big(\\Delta_{F(t)} (I_N \\otimes W_1^t) X_t W_2^t\\big), \\quad
        Y = \\mathrm{Lin}_{out}(X_T),

    with a new sheaf :math:`F(t)` learned from :math:`X_t` at every layer (one
    :class:`SheafConv` per layer). Dropout ``input_dropout`` is applied to the input and
    ``dropout`` after the input layer, before every diffusion step and (from the second layer
    on) to the map learners' input, as in the authors' implementation.

    Args:
        in_channels: input features. out_channels: classes.
        hidden_channels: ``C`` channels per stalk dimension (default 20).
        d: learned stalk dimension (default 2). maps: ``'diag'``, ``'orth'`` (default) or
            ``'general'``. num_layers: diffusion steps ``T`` (default 2).
        dropout: default 0.5. input_dropout: default 0.
        use_act: ELU after the input layer and in every step (default ``True``).
        cached: validate ``edge_index`` (and build the CSR pattern of ``spmm``) once and reuse
            it while later calls pass the same ``edge_index`` tensor object and node count, as
            PyG's ``GCNConv(cached=True)``; for transductive use, where the graph is fixed and
            not modified in place (default ``False``).
        **conv_kwargs: passed to every :class:`SheafConv` (``add_trivial``, ``add_signed``,
            ``normalized``, ``augmented``, ``orth_method``, ``edge_weights``, ``sheaf_act``,
            ``left_weights``, ``right_weights``, ``pool_stalks``, ``spmm``).
    """

    def __init__(
        self, in_channels: int, out_channels: int, hidden_channels: int = 20, d: int = 2,
        maps: str = "orth", num_layers: int = 2, dropout: float = 0.5, input_dropout: float = 0.0,
        use_act: bool = True, cached: bool = False, **conv_kwargs,
    ) -> None:
        super().__init__()
        if num_layers < 1:
            raise ConfigError(f"num_layers must be >= 1; got {num_layers}.")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.hidden_channels, self.d, self.maps, self.num_layers = hidden_channels, d, maps, num_layers
        self.dropout, self.input_dropout, self.use_act = dropout, input_dropout, use_act
        self.cached = cached
        self._cache: tuple[torch.Tensor, _SheafGraph] | None = None
        self.convs = nn.ModuleList(
            SheafConv(
                hidden_channels, d, maps, use_act=use_act, dropout=dropout,
                map_dropout=dropout if layer > 0 else 0.0, **conv_kwargs,
            )
            for layer in range(num_layers)
        )
        width = self.convs[0].stalk_dim * hidden_channels
        self.lin_in = nn.Linear(in_channels, width)
        self.lin_out = nn.Linear(width, out_channels)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.lin_in.reset_parameters()
        self.lin_out.reset_parameters()
        for conv in self.convs:
            conv.reset_parameters()

    def sheaf_parameters(self) -> list[nn.Parameter]:
        """Parameters of the map learners (the authors give them their own weight decay)."""
        return [p for conv in self.convs for p in conv.learner.parameters()]

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        """Logits ``[N, out_channels]`` for ``x`` ``[N, in_channels]``."""
        graph = self._graph(edge_index, x.size(0))
        h = F.dropout(x, p=self.input_dropout, training=self.training)
        h = self.lin_in(h)
        if self.use_act:
            h = F.elu(h)
        h = F.dropout(h, p=self.dropout, training=self.training)
        for conv in self.convs:
            h = conv._step(h, graph)
        return self.lin_out(h)

    def _graph(self, edge_index: torch.Tensor, num_nodes: int) -> _SheafGraph:
        cache = self._cache
        if cache is not None and cache[0] is edge_index and cache[1].num_nodes == num_nodes:
            return cache[1]
        graph = _prepare(edge_index, num_nodes)
        if self.cached:
            self._cache = (edge_index, graph)
        return graph

    def __repr__(self) -> str:
        return (
            f"SheafDiffusion({self.in_channels}, {self.out_channels}, hidden_channels="
            f"{self.hidden_channels}, d={self.d}, maps={self.maps!r}, num_layers={self.num_layers})"
        )
