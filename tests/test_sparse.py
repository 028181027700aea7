"""graphkit's CSR operators keep torch's once-per-process sparse notices out of user output,
and ``sparse_matmul`` computes in float32 at least.

torch warns once per process, so each notice case runs in a fresh interpreter that turns every
``UserWarning`` into an error.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from graphkit._sparse import sparse_matmul

EDGES = "torch.tensor([[0, 0, 1, 2], [1, 2, 2, 3]])"
CASES = {
    "edge_operator": (
        "from graphkit.layers import EdgeOperator\n"
        f"src, dst = {EDGES}\n"
        "EdgeOperator(src, dst, 4).propagate(torch.ones(4, 2, 3), torch.ones(4, 2))\n"
    ),
    "adjacency": (
        "from graphkit.layers.propagation import Adjacency\n"
        f"Adjacency({EDGES}, num_nodes=4, layout='sparse').matmul(torch.ones(4, 2), 'sym')\n"
    ),
    "sheaf_spmm": (
        "from graphkit.layers.sheaf import SheafConv\n"
        "conv = SheafConv(2, d=2, maps='diag', spmm=True)\n"
        f"edges = {EDGES}\n"
        "conv(torch.ones(4, 4), torch.cat([edges, edges.flip(0)], 1))\n"
    ),
    "ncn_encoder": (
        "from graphkit.bench.link_ncn import PropagationEncoder\n"
        "from graphkit.layers.ncn import neighbor_lists\n"
        f"graph = neighbor_lists({EDGES}, 4)\n"
        "encoder = PropagationEncoder(4, 3, 5, num_layers=1, kind='gcn', input_dropout=0.5)\n"
        "encoder(torch.ones(4, 3).to_sparse().coalesce(), graph)\n"
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_csr_operators_raise_no_user_warning(case):
    script = "import torch\n" + CASES[case]
    result = subprocess.run([sys.executable, "-W", "error::UserWarning", "-c", script],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.parametrize("layout", ["csr", "coo"])
def test_sparse_matmul_keeps_float64_and_leaves_bfloat16_for_float32(layout):
    dense = torch.tensor([[0.0, 2.0, 0.0], [1.0, 0.0, 3.0], [0.0, 0.0, 4.0]])
    matrix = dense.to_sparse_csr() if layout == "csr" else dense.to_sparse()
    x = torch.randn(3, 2, dtype=torch.float64, requires_grad=True)
    out = sparse_matmul(matrix, x)  # the float64 operand is not rounded to float32
    assert out.dtype == torch.float64
    torch.testing.assert_close(out, dense.double() @ x)
    out.sum().backward()
    torch.testing.assert_close(x.grad, dense.double().sum(0).unsqueeze(1).expand(3, 2))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        half = sparse_matmul(matrix, x.detach().bfloat16())
    assert half.dtype == torch.float32
    torch.testing.assert_close(half, dense @ x.detach().bfloat16().float())
