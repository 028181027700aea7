"""Tests of the CSR path of the sheaf layers (``spmm=True``) and of ``SheafDiffusion(cached=True)``.

The CSR product against the block path (``spmm=False``) and the dense Laplacian, in values and
gradients (gradcheck of the custom backward), on the hand-made graphs of ``test_sheaf.py`` and on
random graphs; the pattern's transpose; the cache.
"""

from __future__ import annotations

import pytest
import torch

from graphkit.layers.sheaf import (
    MAP_KINDS,
    SheafConv,
    SheafDiffusion,
    _apply_blocks,
    _apply_csr,
    _csr_pattern,
    _laplacian_blocks,
    _prepare,
    sheaf_laplacian,
)

# a triangle 0-1-2 with a pendant node 3 attached to 2, columns in a scrambled order
GRAPH = torch.tensor([[2, 0, 1, 3, 1, 2, 0, 2], [3, 1, 0, 2, 2, 0, 2, 1]])


def _random_graph(n: int, p: float, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    upper = torch.triu(torch.rand(n, n, generator=generator) < p, diagonal=1)
    src, dst = upper.nonzero().t()
    return torch.cat([torch.stack([src, dst]), torch.stack([dst, src])], dim=1)


def _blocks(kind: str, edge_index: torch.Tensor, n: int, d: int, seed: int):
    generator = torch.Generator().manual_seed(seed)
    shape = (edge_index.size(1), d) if kind == "diag" else (edge_index.size(1), d, d)
    maps = torch.randn(*shape, generator=generator, dtype=torch.float64)
    graph = _prepare(edge_index, n)
    return graph, maps


@pytest.mark.parametrize("kind", ["diag", "general"])
@pytest.mark.parametrize("seed", [0, 1])
def test_csr_product_equals_dense_laplacian(kind, seed):
    n, d, c = 12, 3, 5
    edge_index = _random_graph(n, 0.4, seed)
    graph, maps = _blocks(kind, edge_index, n, d, seed)
    diagonal, off = _laplacian_blocks(graph, maps, normalized=True, augmented=True)
    x = torch.randn(n, d, c, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    dense = sheaf_laplacian(edge_index, maps, num_nodes=n).to_dense()
    expected = (dense @ x.reshape(n * d, c)).view(n, d, c)
    assert torch.allclose(_apply_csr(graph, diagonal, off, x), expected, atol=1e-12)
    assert torch.allclose(_apply_blocks(graph, diagonal, off, x), expected, atol=1e-12)


@pytest.mark.parametrize("kind", ["diag", "general"])
def test_csr_product_gradcheck(kind):
    n, d, c = 5, 2, 3
    edge_index = _random_graph(n, 0.6, 3)
    graph, maps = _blocks(kind, edge_index, n, d, 3)
    diagonal, off = (t.detach().requires_grad_() for t in _laplacian_blocks(graph, maps, True, True))
    x = torch.randn(n, d, c, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b, h: _apply_csr(graph, a, b, h), (diagonal, off, x))


def test_pattern_transpose_mirrors_every_entry():
    graph = _prepare(GRAPH, 4)
    pattern = _csr_pattern(graph, 2, diagonal_maps=False)
    rows = torch.repeat_interleave(torch.arange(pattern.size), pattern.crow.diff())
    assert torch.equal(rows[pattern.transpose], pattern.col)
    assert torch.equal(pattern.col[pattern.transpose], rows)
    assert pattern.col.numel() == (4 + GRAPH.size(1)) * 4  # (N + E) d² stored entries
    assert _csr_pattern(graph, 2, diagonal_maps=False) is pattern  # memoised on the graph


@pytest.mark.parametrize("kind", MAP_KINDS)
def test_layer_spmm_matches_block_path_in_values_and_gradients(kind):
    torch.manual_seed(4)
    edge_index = _random_graph(15, 0.3, 4)
    block = SheafConv(4, d=3, maps=kind, add_trivial=True).double()
    csr = SheafConv(4, d=3, maps=kind, add_trivial=True, spmm=True).double()
    csr.load_state_dict(block.state_dict())
    x = torch.randn(15, block.stalk_dim * 4, dtype=torch.float64)
    out_block, out_csr = block(x, edge_index), csr(x, edge_index)
    assert torch.allclose(out_block, out_csr, atol=1e-12)
    out_block.pow(2).sum().backward()
    out_csr.pow(2).sum().backward()
    for (name, a), b in zip(block.named_parameters(), csr.parameters(), strict=True):
        assert torch.allclose(a.grad, b.grad, atol=1e-10), name


def test_cached_diffusion_reuses_the_validated_graph():
    torch.manual_seed(0)
    model = SheafDiffusion(6, 4, hidden_channels=3, d=2, maps="diag", cached=True, spmm=True).eval()
    fresh = SheafDiffusion(6, 4, hidden_channels=3, d=2, maps="diag").eval()
    fresh.load_state_dict(model.state_dict())
    x = torch.randn(4, 6)
    first = model(x, GRAPH)
    graph = model._cache[1]
    assert torch.equal(model(x, GRAPH), first) and model._cache[1] is graph
    assert (2, True) in graph.patterns  # the CSR pattern was built once and kept
    assert torch.allclose(first, fresh(x, GRAPH), atol=1e-6)
    other = GRAPH[:, torch.randperm(GRAPH.size(1))]  # another tensor object: validated again
    assert torch.allclose(model(x, other), first, atol=1e-6) and model._cache[1] is not graph
    uncached = SheafDiffusion(6, 4, d=2)
    uncached(x, GRAPH)
    assert uncached._cache is None
