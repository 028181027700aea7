"""Tests of graphkit.layers.dropout: the mask's law, scaling, gradient and the edge cases."""

from __future__ import annotations

import pytest
import torch

from graphkit.errors import ConfigError
from graphkit.layers.dropout import uniform_dropout


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_keeps_each_entry_with_probability_one_minus_p_and_scales_it(p):
    torch.manual_seed(0)
    x = torch.ones(1000, 1000)
    out = uniform_dropout(x, p)
    kept = out != 0
    # 1e6 Bernoulli draws: the kept fraction is within 5 standard deviations of 1 - p
    sd = (p * (1 - p) / x.numel()) ** 0.5
    assert abs(kept.float().mean().item() - (1 - p)) < 5 * sd
    torch.testing.assert_close(out[kept], torch.full_like(out[kept], 1 / (1 - p)))


def test_gradient_is_the_scaled_mask():
    torch.manual_seed(1)
    x = torch.randn(50, 40, requires_grad=True)
    out = uniform_dropout(x, 0.3)
    out.sum().backward()
    mask = (out != 0).float()  # randn has no exact zeros
    torch.testing.assert_close(x.grad, mask / 0.7)


def test_bfloat16_input_keeps_its_dtype():
    x = torch.ones(64, 64, dtype=torch.bfloat16)
    assert uniform_dropout(x, 0.5).dtype == torch.bfloat16


def test_identity_when_evaluating_or_p_zero_and_zeros_at_p_one():
    x = torch.randn(10, 3)
    assert uniform_dropout(x, 0.5, training=False) is x
    assert uniform_dropout(x, 0.0) is x
    assert torch.equal(uniform_dropout(x, 1.0), torch.zeros_like(x))


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_rejects_p_outside_the_unit_interval(p):
    with pytest.raises(ConfigError, match="must be in \\[0, 1\\]"):
        uniform_dropout(torch.ones(2), p)
