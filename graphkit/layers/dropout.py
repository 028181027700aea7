r"""Inverted dropout whose mask is drawn from uniforms, for large activations on CPU.

.. math::

    \mathrm{dropout}(x)_i = \frac{m_i \, x_i}{1 - p}, \qquad m_i = [U_i \ge p], \quad
    U_i \sim \mathcal{U}[0, 1),

so :math:`P(m_i = 1) = 1 - p` and :math:`\mathbb{E}[\mathrm{dropout}(x)] = x`, the same
distribution as :func:`torch.nn.functional.dropout`. On CPU, torch draws that function's mask
with ``bernoulli_``, which took about 71 % of the Hadamard-MLP predictor's time on ogbl-ddi
batches (65,536 x 256 activations); comparing ``torch.rand`` with ``p`` makes the whole dropout
about 1.8x faster and the predictor pass about 1.7x faster
(``benchmarks/dropout_mask_speed.py``). The random stream differs from ``F.dropout``'s.
"""

from __future__ import annotations

import torch

from graphkit.errors import ConfigError

__all__ = ["uniform_dropout"]


def uniform_dropout(x: torch.Tensor, p: float, training: bool = True) -> torch.Tensor:
    """Zero each entry of ``x`` with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    Args:
        x: any tensor. p: drop probability in ``[0, 1]``. training: identity when ``False``.

    Returns:
        A tensor like ``x`` (``x`` itself when not training or ``p == 0``).

    Raises:
        ConfigError: ``p`` is outside ``[0, 1]``.
    """
    if not 0.0 <= p <= 1.0:
        raise ConfigError(f"dropout probability p must be in [0, 1]; got {p}.")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    keep = torch.rand(x.shape, device=x.device) >= p
    return x * keep.to(x.dtype).mul_(1.0 / (1.0 - p))
