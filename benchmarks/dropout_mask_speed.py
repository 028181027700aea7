"""Why the Hadamard MLP uses ``uniform_dropout``: the dropout mask's cost on ddi-sized chunks.

Times ``torch.nn.functional.dropout`` (mask drawn by ``bernoulli_``) against
``graphkit.layers.dropout.uniform_dropout`` (mask by comparing ``torch.rand`` with p) on a
16,384 x 256 float32 activation, one chunk of the ddi recipe's predictor, and profiles one
predictor forward + backward on 2 x 65,536 pairs (bfloat16, chunks of 16,384) with each
dropout, reporting the share of ``aten::bernoulli_`` / ``aten::uniform_`` in the total.

Usage (from the repository root)::

    python benchmarks/dropout_mask_speed.py
"""

from __future__ import annotations

import time

import torch
from torch.nn import functional as F
from torch.profiler import ProfilerActivity, profile

from graphkit.bench.link import GNN_DEFAULTS, LinkModel, _pair_loss_backward
from graphkit.layers import predictors
from graphkit.layers.dropout import uniform_dropout


def _ms(call, repeats: int = 20) -> float:
    call()
    start = time.perf_counter()
    for _ in range(repeats):
        call()
    return 1000 * (time.perf_counter() - start) / repeats


def _predictor_profile() -> tuple[float, float]:
    """Total CPU ms of one chunked bf16 predictor pass and the share of the mask's RNG op."""
    torch.manual_seed(0)
    n = 4267
    model = LinkModel(n, None, 256, "sage", 2, 0.5, "mlp", 2).train()
    h = torch.randn(n, 256).to(torch.bfloat16).requires_grad_()
    pos, neg = torch.randint(0, n, (2, 65536)), torch.randint(0, n, (2, 65536))
    params = {**GNN_DEFAULTS, "precision": "bf16"}
    _pair_loss_backward(model, h, None, pos, neg, params)  # warm-up
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        _pair_loss_backward(model, h, None, pos, neg, params)
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    rng = sum(e.self_cpu_time_total for e in events if e.key in ("aten::bernoulli_", "aten::uniform_"))
    return total / 1000, rng / total


def main() -> None:
    x = torch.randn(16384, 256)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"F.dropout(p=0.5) on 16384 x 256: {_ms(lambda: F.dropout(x, 0.5, True)):.1f} ms")
    print(f"uniform_dropout(p=0.5) on 16384 x 256: {_ms(lambda: uniform_dropout(x, 0.5)):.1f} ms")
    total, share = _predictor_profile()
    print(f"predictor pass with uniform_dropout: {total:.0f} ms CPU, RNG {100 * share:.0f} %")
    original = predictors.uniform_dropout
    predictors.uniform_dropout = lambda t, p, training: F.dropout(t, p, training)
    try:
        total, share = _predictor_profile()
    finally:
        predictors.uniform_dropout = original
    print(f"predictor pass with F.dropout: {total:.0f} ms CPU, RNG {100 * share:.0f} %")


if __name__ == "__main__":
    main()
