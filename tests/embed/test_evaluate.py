"""Tests of graphkit.embed.evaluate: separable examples with exact F1, the top-k rule worked by
hand, determinism, sparse/dense label equivalence and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from graphkit.embed.evaluate import node_classification_f1, top_k_predictions
from graphkit.errors import ConfigError

KEYS = {"train_ratio", "micro_f1_mean", "micro_f1_std", "macro_f1_mean", "macro_f1_std",
        "repeats"}


def _clusters(n_per_class: int = 20, classes: int = 3, seed: int = 0):
    """Points around far-apart centres (distance 20, noise 0.1): linearly separable."""
    rng = np.random.default_rng(seed)
    centres = 20.0 * np.eye(classes)
    y = np.repeat(np.arange(classes), n_per_class)
    x = centres[y] + 0.1 * rng.standard_normal((y.shape[0], classes))
    return x, y


def test_single_label_separable_is_exact():
    x, y = _clusters()
    rows = node_classification_f1(x, y, train_ratios=(0.5, 0.8), repeats=3, seed=1)
    assert [r["train_ratio"] for r in rows] == [0.5, 0.8]
    for row in rows:
        assert set(row) == KEYS
        assert row["micro_f1_mean"] == 1.0 and row["macro_f1_mean"] == 1.0
        assert row["micro_f1_std"] == 0.0 and row["macro_f1_std"] == 0.0
        assert row["repeats"] == 3


def test_multilabel_separable_is_exact():
    # Label 0 <=> feature 0 is +10, label 1 <=> feature 1 is +10; nodes carry 1 or 2 labels.
    rng = np.random.default_rng(2)
    y = np.array([[1, 0], [0, 1], [1, 1]] * 20)
    x = np.where(y == 1, 10.0, -10.0) + 0.1 * rng.standard_normal(y.shape)
    for labels in (y, sp.csr_matrix(y), torch.from_numpy(y.astype(np.float32))):
        rows = node_classification_f1(x, labels, train_ratios=(0.5,), repeats=2, C=1.0)
        assert rows[0]["micro_f1_mean"] == 1.0 and rows[0]["macro_f1_mean"] == 1.0


def test_top_k_hand_example():
    probabilities = np.array([
        [0.9, 0.1, 0.5, 0.3],   # k=1 -> {0}
        [0.2, 0.8, 0.7, 0.1],   # k=2 -> {1, 2}
        [0.4, 0.4, 0.4, 0.9],   # k=2 -> {3, 0}: tie between 0, 1, 2 broken by the lowest id
        [0.6, 0.1, 0.2, 0.3],   # k=0 -> {}
    ])
    k = np.array([1, 2, 2, 0])
    expected = np.array([[1, 0, 0, 0], [0, 1, 1, 0], [1, 0, 0, 1], [0, 0, 0, 0]])
    np.testing.assert_array_equal(top_k_predictions(probabilities, k), expected)


def test_top_k_f1_by_hand():
    """F1 of the top-k predictions above against the truth below, counted by hand.

    truth: node 0 {0}, node 1 {1, 3}, node 2 {2, 3}; predictions: {0}, {1, 2}, {3, 0}.
    Per label (tp, fp, fn): 0 -> (1, 1, 0), 1 -> (1, 0, 0), 2 -> (0, 1, 1), 3 -> (1, 0, 1).
    Micro: tp 3, fp 2, fn 2 -> F1 = 6 / (6 + 4) = 0.6.
    Macro: F1 per label 2/3, 1, 0, 2/3 -> mean 7/12.
    """
    from sklearn.metrics import f1_score

    probabilities = np.array([[0.9, 0.1, 0.5, 0.3], [0.2, 0.8, 0.7, 0.1], [0.4, 0.4, 0.4, 0.9]])
    truth = np.array([[1, 0, 0, 0], [0, 1, 0, 1], [0, 0, 1, 1]])
    predicted = top_k_predictions(probabilities, truth.sum(axis=1))
    assert f1_score(truth, predicted, average="micro") == pytest.approx(0.6)
    assert f1_score(truth, predicted, average="macro") == pytest.approx(7 / 12)


def test_same_seed_same_rows_and_std_over_repeats():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((80, 4))
    y = (x[:, 0] + 0.8 * rng.standard_normal(80) > 0).astype(int)
    a = node_classification_f1(x, y, train_ratios=(0.3,), repeats=4, seed=5)
    b = node_classification_f1(x, y, train_ratios=(0.3,), repeats=4, seed=5)
    c = node_classification_f1(x, y, train_ratios=(0.3,), repeats=4, seed=6)
    assert a == b and a != c
    assert 0.5 < a[0]["micro_f1_mean"] < 1.0 and a[0]["micro_f1_std"] > 0


def test_normalize_option_uses_row_directions():
    x, y = _clusters()
    scaled = x * np.linspace(1, 100, x.shape[0])[:, None]  # same directions, wild norms
    rows = node_classification_f1(scaled, y, train_ratios=(0.5,), repeats=1, normalize=True)
    assert rows[0]["micro_f1_mean"] == 1.0


@pytest.mark.parametrize(
    "embeddings,labels,kwargs",
    [
        (np.ones(10), np.zeros(10, int), {}),                         # 1-D embeddings
        (np.full((10, 2), np.nan), np.zeros(10, int), {}),            # NaN
        (np.ones((10, 2)), np.zeros(9, int), {}),                     # length mismatch
        (np.ones((10, 2)), np.zeros((9, 3), int), {}),                # multi-label rows
        (np.ones((10, 2)), np.full((10, 3), 2), {}),                  # not 0/1
        (np.ones((10, 2)), np.zeros(10), {}),                         # float classes
        (np.ones((10, 2)), np.zeros((10, 2, 2), int), {}),            # 3-D labels
        (np.ones((10, 2)), np.zeros(10, int), {"train_ratios": (0.0,)}),
        (np.ones((10, 2)), np.zeros(10, int), {"train_ratios": (1.0,)}),
        (np.ones((10, 2)), np.zeros(10, int), {"train_ratios": (0.05,)}),  # empty train set
        (np.ones((10, 2)), np.zeros(10, int), {"repeats": 0}),
        (np.ones((10, 2)), np.zeros(10, int), {"C": 0.0}),
        (np.ones((10, 2)), np.zeros(10, int), {"C": float("inf")}),
        (np.ones((10, 2)), np.zeros(10, int), {}),                    # single class in train
    ],
)
def test_bad_inputs(embeddings, labels, kwargs):
    with pytest.raises(ConfigError):
        node_classification_f1(embeddings, labels, **kwargs)
