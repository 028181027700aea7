"""Tests of graphkit.bench.metrics against OGB's Evaluator, scikit-learn and hand computations."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from ogb.linkproppred import Evaluator
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

from graphkit.bench.metrics import (
    LINK_METRICS,
    NODE_METRICS,
    accuracy,
    average_precision,
    hits_at_k,
    macro_f1,
    metric_fn,
    micro_f1,
    mrr,
    roc_auc,
)
from graphkit.errors import ConfigError, GraphkitError


def _tied_scores(*shape: int) -> torch.Tensor:
    """Scores on a coarse grid of 11 values, so that many of them tie."""
    return torch.randint(0, 11, shape).float() / 10


# ---------------------------------------------------------------- hits@K


def test_hits_hand_computed():
    neg = torch.tensor([0.9, 0.5, 0.3, 0.1])
    pos = torch.tensor([1.0, 0.5, 0.6, 0.2])
    # 2nd largest negative is 0.5; positives strictly above it: 1.0 and 0.6 (0.5 ties: a miss)
    assert hits_at_k(pos, neg, 2) == 0.5
    assert hits_at_k(pos, neg, 1) == 0.25  # threshold 0.9
    assert hits_at_k(pos, neg, 4) == 1.0  # threshold 0.1
    assert hits_at_k(pos, neg, 5) == 1.0  # fewer negatives than k: OGB returns 1


def test_hits_all_tied_is_zero():
    assert hits_at_k(torch.ones(3), torch.ones(50), 20) == 0.0


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [1, 20, 100])
def test_hits_equals_ogb_evaluator_with_ties(seed, k):
    torch.manual_seed(seed)
    pos, neg = _tied_scores(300), _tied_scores(500)
    evaluator = Evaluator("ogbl-ddi")
    evaluator.K = k
    expected = evaluator.eval({"y_pred_pos": pos, "y_pred_neg": neg})[f"hits@{k}"]
    assert hits_at_k(pos, neg, k) == expected
    # the numpy path of the evaluator agrees too, and numpy inputs are accepted
    expected_np = evaluator.eval({"y_pred_pos": pos.numpy(), "y_pred_neg": neg.numpy()})
    assert hits_at_k(pos.numpy(), neg.numpy(), k) == expected_np[f"hits@{k}"]


def test_hits_ddi_evaluator_default_k():
    torch.manual_seed(3)
    pos, neg = torch.randn(1000), torch.randn(2000) + 1
    expected = Evaluator("ogbl-ddi").eval({"y_pred_pos": pos, "y_pred_neg": neg})["hits@20"]
    assert LINK_METRICS["hits@20"](pos, neg) == expected
    assert metric_fn("Hits@20")(pos, neg) == expected


@pytest.mark.parametrize("k", [0, -1, 2.0, True])
def test_hits_bad_k(k):
    with pytest.raises(GraphkitError, match="k must be a positive integer"):
        hits_at_k(torch.ones(2), torch.ones(3), k)


def test_hits_bad_shapes_and_values():
    with pytest.raises(GraphkitError, match=r"pos must be 1-D.*\[2, 1\].*view\(-1\)"):
        hits_at_k(torch.ones(2, 1), torch.ones(3), 1)
    with pytest.raises(GraphkitError, match="neg must be 1-D"):
        hits_at_k(torch.ones(2), torch.ones(3, 2), 1)
    with pytest.raises(GraphkitError, match="pos is empty"):
        hits_at_k(torch.ones(0), torch.ones(3), 1)
    with pytest.raises(GraphkitError, match="NaN"):
        hits_at_k(torch.tensor([0.1, float("nan")]), torch.ones(3), 1)
    with pytest.raises(GraphkitError, match="torch.Tensor or numpy array"):
        hits_at_k([0.1, 0.2], torch.ones(3), 1)


# ---------------------------------------------------------------- MRR


def test_mrr_hand_computed():
    pos = torch.tensor([0.5, 0.5, 0.1])
    neg = torch.tensor([[0.1, 0.2, 0.3], [0.5, 0.9, 0.0], [0.1, 0.1, 0.1]])
    # ranks: 1; 1 + (1 above + 2 at-or-above)/2 = 2.5; 1 + (0 + 3)/2 = 2.5
    assert mrr(pos, neg) == pytest.approx((1 + 1 / 2.5 + 1 / 2.5) / 3, abs=1e-15)


@pytest.mark.parametrize("seed", [0, 1])
def test_mrr_equals_ogb_citation2_evaluator_with_ties(seed):
    torch.manual_seed(seed)
    pos, neg = _tied_scores(400), _tied_scores(400, 100)
    out = Evaluator("ogbl-citation2").eval({"y_pred_pos": pos, "y_pred_neg": neg})
    assert mrr(pos, neg) == pytest.approx(float(out["mrr_list"].mean()), abs=1e-6)
    assert metric_fn("mrr") is mrr


def test_mrr_bad_shapes():
    with pytest.raises(GraphkitError, match=r"neg must be 2-D"):
        mrr(torch.ones(3), torch.ones(3))
    with pytest.raises(GraphkitError, match=r"P = len\(pos\) = 3"):
        mrr(torch.ones(3), torch.ones(4, 10))


# ---------------------------------------------------------------- AUC / AP


def test_auc_ap_hand_computed():
    pos, neg = torch.tensor([0.9, 0.4]), torch.tensor([0.5, 0.1])
    assert roc_auc(pos, neg) == 0.75  # 3 of the 4 (pos, neg) pairs ordered correctly
    # ranking 0.9(+) 0.5(-) 0.4(+) 0.1(-): precision 1 at recall 1/2, 2/3 at recall 1
    assert average_precision(pos, neg) == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)
    assert roc_auc(torch.ones(2), torch.ones(3)) == 0.5  # ties count one half


def test_auc_ap_match_sklearn():
    torch.manual_seed(0)
    pos, neg = _tied_scores(200) + 0.2, _tied_scores(300)
    y = np.r_[np.ones(200), np.zeros(300)]
    s = np.r_[pos.numpy(), neg.numpy()]
    assert roc_auc(pos, neg) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert average_precision(pos, neg) == pytest.approx(average_precision_score(y, s), abs=1e-12)
    assert metric_fn("auc") is roc_auc and metric_fn("AP") is average_precision


def test_auc_needs_negatives():
    with pytest.raises(GraphkitError, match="neg is empty"):
        roc_auc(torch.ones(3), torch.ones(0))


# ---------------------------------------------------------------- node metrics


def test_accuracy_logits_labels_and_ogb_column():
    logits = torch.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    y = torch.tensor([1, 0, 0, 0])
    assert accuracy(logits, y) == 0.75
    assert accuracy(torch.tensor([1, 0, 0, 0]), y.view(-1, 1)) == 1.0
    assert micro_f1(logits, y) == 0.75  # single-label micro-F1 is accuracy


def test_accuracy_errors():
    with pytest.raises(GraphkitError, match="3 rows but y has 4"):
        accuracy(torch.zeros(3, 2), torch.zeros(4, dtype=torch.long))
    with pytest.raises(GraphkitError, match="integer class ids"):
        accuracy(torch.zeros(4, 2), torch.zeros(4))
    with pytest.raises(GraphkitError, match=r"logits \[N, C\] or integer predicted labels"):
        accuracy(torch.zeros(4), torch.zeros(4, dtype=torch.long))


def test_single_label_macro_f1_matches_sklearn():
    torch.manual_seed(0)
    logits, y = torch.randn(60, 4), torch.randint(0, 4, (60,))
    expected = f1_score(y.numpy(), logits.argmax(1).numpy(), average="macro")
    assert macro_f1(logits, y) == pytest.approx(expected, abs=1e-12)


def test_multilabel_top_k_protocol_hand_computed():
    y = torch.tensor([[1, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]])
    scores = torch.tensor(
        [[0.9, 0.1, 0.8, 0.0],  # k=2 -> {0, 2}: 1 TP, 1 FP, 1 FN
         [0.2, 0.1, 0.7, 0.3],  # k=1 -> {2}: 1 TP
         [0.5, 0.5, 0.5, 0.5]]  # k=2, all tied -> lower indices {0, 1}: 1 TP, 1 FP, 1 FN
    )
    # micro: TP=3, FP=2, FN=2 -> F1 = 2*3 / (2*3 + 2 + 2) = 0.6
    assert micro_f1(scores, y) == pytest.approx(0.6)
    # per class F1: c0 (TP2) 1.0, c1 (TP0 FP1 FN1) 0, c2 (TP1 FP1) 2/3, c3 (FN1) 0
    assert macro_f1(scores, y) == pytest.approx((1 + 0 + 2 / 3 + 0) / 4)
    predicted = torch.tensor([[1, 0, 1, 0], [0, 0, 1, 0], [1, 1, 0, 0]], dtype=torch.bool)
    assert micro_f1(predicted, y) == pytest.approx(0.6)


def test_multilabel_matches_sklearn_on_random_scores():
    rng = np.random.default_rng(0)
    y = (rng.random((80, 6)) < 0.3).astype(np.int64)
    scores = rng.random((80, 6))
    k = y.sum(1)
    pred = np.zeros_like(y)
    for i in range(80):  # independent per-row reference of the top-k protocol
        pred[i, np.argsort(-scores[i])[: k[i]]] = 1
    assert micro_f1(torch.from_numpy(scores), torch.from_numpy(y)) == pytest.approx(
        f1_score(y, pred, average="micro", zero_division=0), abs=1e-12
    )
    assert macro_f1(scores, y) == pytest.approx(
        f1_score(y, pred, average="macro", zero_division=0), abs=1e-12
    )


def test_multilabel_errors():
    y = torch.tensor([[1, 0], [0, 1]])
    with pytest.raises(GraphkitError, match=r"shape of the multi-label y, \[2, 2\]"):
        micro_f1(torch.zeros(2, 3), y)
    with pytest.raises(GraphkitError, match="only 0/1"):
        micro_f1(torch.zeros(2, 2), torch.tensor([[2, 0], [0, 1]]))
    with pytest.raises(GraphkitError, match="real-valued scores"):
        micro_f1(torch.zeros(2, 2, dtype=torch.long), y)


# ---------------------------------------------------------------- registry


def test_registry_names_cover_catalogue_metrics():
    from graphkit.data.catalog import CATALOG

    names = {metric for info in CATALOG.values() for metric in info.metrics.values()}
    for name in names:
        assert callable(metric_fn(name)), name
    assert set(NODE_METRICS) == {"accuracy", "micro-f1", "macro-f1"}
    assert metric_fn("micro_f1") is micro_f1


def test_metric_fn_any_hits_k():
    neg = torch.arange(10.0)
    assert metric_fn("hits@7")(torch.tensor([2.5, 3.5]), neg) == 0.5  # threshold 3.0


@pytest.mark.parametrize("name", ["hits@0", "hits@", "hits@x", "recall", "f1", ""])
def test_metric_fn_unknown_lists_valid_names(name):
    with pytest.raises(ConfigError, match=r"unknown metric.*valid names: hits@1, .*mrr.*micro-f1"):
        metric_fn(name)
