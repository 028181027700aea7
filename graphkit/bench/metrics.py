"""Evaluation metrics for link prediction and node classification.

Pure functions of CPU tensors (numpy arrays are accepted too) that return a Python ``float``
fraction in ``[0, 1]``; the reporting layer multiplies by 100. Link metrics take the scores of
positive and negative pairs and follow the OGB ``Evaluator`` (Hu et al., "Open Graph Benchmark:
Datasets for Machine Learning on Graphs", NeurIPS 2020) exactly, ties included:

* :func:`hits_at_k` with *global* negatives (ogbl-ddi, -collab, -ppa): every positive is ranked
  against the same pool of negatives;
* :func:`mrr` with *per-positive* negatives (ogbl-citation2): positive ``i`` is ranked against
  its own row ``neg[i]``.

Node metrics take logits/scores (or predicted labels) and the true labels; the F1 scores also
handle the multi-label protocol of DeepWalk / node2vec (see :func:`micro_f1`).

:data:`LINK_METRICS` and :data:`NODE_METRICS` map the metric names used in the dataset
catalogue to functions ``(scores, targets) -> float``; :func:`metric_fn` looks a name up
(``'hits@K'`` for any ``K``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import torch
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

from graphkit.errors import ConfigError, GraphkitError

__all__ = [
    "hits_at_k",
    "mrr",
    "roc_auc",
    "average_precision",
    "accuracy",
    "micro_f1",
    "macro_f1",
    "LINK_METRICS",
    "NODE_METRICS",
    "metric_fn",
]


def hits_at_k(pos: torch.Tensor, neg: torch.Tensor, k: int) -> float:
    """Hits@K against a global pool of negatives, as OGB's ``Evaluator`` computes it.

    The threshold is the ``k``-th largest negative score; a positive is a hit when its score is
    *strictly* greater, so a positive tied with the threshold counts as a miss. When there are
    fewer than ``k`` negatives every positive is a hit (OGB returns ``1.0`` in that case).

    .. math::
        \\mathrm{Hits@}K = \\frac{1}{P} \\sum_{i=1}^{P}
        \\mathbb{1}\\left[s^+_i > s^-_{(K)}\\right]

    where :math:`s^-_{(K)}` is the :math:`K`-th largest negative score.

    Args:
        pos: scores of the positive pairs, shape ``[P]`` (``P >= 1``).
        neg: scores of the negative pairs, shape ``[M]``.
        k: rank cut-off, ``k >= 1``.

    Returns:
        The fraction of positives ranked above the ``k``-th negative, in ``[0, 1]``.

    Raises:
        GraphkitError: on a non-positive ``k``, wrong shapes, empty ``pos`` or NaN scores.
    """
    k = _check_k(k)
    pos = _scores(pos, "pos", ndim=1)
    neg = _scores(neg, "neg", ndim=1, allow_empty=True)
    if neg.numel() < k:
        return 1.0
    threshold = torch.topk(neg, k).values[-1]
    return float((pos > threshold).sum()) / pos.numel()


def mrr(pos: torch.Tensor, neg: torch.Tensor) -> float:
    """Mean reciprocal rank with per-positive negatives, as OGB's ogbl-citation2 evaluator.

    Ties are split evenly: the rank of positive ``i`` is the mean of its optimistic and
    pessimistic ranks among its own negatives ``neg[i]``,

    .. math::
        r_i = 1 + \\tfrac12\\left(\\#\\{j: s^-_{ij} > s^+_i\\} +
        \\#\\{j: s^-_{ij} \\ge s^+_i\\}\\right), \\qquad
        \\mathrm{MRR} = \\frac{1}{P}\\sum_{i=1}^{P} \\frac{1}{r_i}.

    Args:
        pos: scores of the positive pairs, shape ``[P]`` (``P >= 1``).
        neg: scores of the negatives of each positive, shape ``[P, K]``.

    Returns:
        The mean reciprocal rank, in ``(0, 1]``.

    Raises:
        GraphkitError: on wrong shapes (``neg`` must be ``[P, K]``), empty ``pos`` or NaN scores.
    """
    pos = _scores(pos, "pos", ndim=1)
    neg = _scores(neg, "neg", ndim=2, allow_empty=True)
    if neg.shape[0] != pos.shape[0]:
        raise GraphkitError(
            f"neg must have shape [P, K] with P = len(pos) = {pos.shape[0]} (row i holds the "
            f"negatives of positive i); got {list(neg.shape)}. For a global pool of negatives "
            "use hits_at_k, roc_auc or average_precision."
        )
    column = pos.reshape(-1, 1)
    optimistic = (neg > column).sum(dim=1)
    pessimistic = (neg >= column).sum(dim=1)
    rank = 0.5 * (optimistic + pessimistic).double() + 1.0
    return float((1.0 / rank).mean())


def roc_auc(pos: torch.Tensor, neg: torch.Tensor) -> float:
    """Area under the ROC curve of positives (label 1) against negatives (label 0).

    Computed by :func:`sklearn.metrics.roc_auc_score`; tied scores count one half.

    Args:
        pos: scores of the positive pairs, shape ``[P]`` (``P >= 1``).
        neg: scores of the negative pairs, shape ``[M]`` (``M >= 1``).

    Returns:
        The ROC-AUC, in ``[0, 1]``.
    """
    y_true, y_score = _binary(pos, neg)
    return float(roc_auc_score(y_true, y_score))


def average_precision(pos: torch.Tensor, neg: torch.Tensor) -> float:
    """Average precision (area under the precision-recall curve, step-wise).

    Computed by :func:`sklearn.metrics.average_precision_score` with positives as label 1.

    Args:
        pos: scores of the positive pairs, shape ``[P]`` (``P >= 1``).
        neg: scores of the negative pairs, shape ``[M]`` (``M >= 1``).

    Returns:
        The average precision, in ``[0, 1]``.
    """
    y_true, y_score = _binary(pos, neg)
    return float(average_precision_score(y_true, y_score))


def accuracy(pred: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of nodes whose predicted class equals the true class.

    Args:
        pred: logits or scores ``[N, C]`` (the prediction is the arg-max) or predicted labels
            ``[N]`` (integers).
        y: true labels, integers of shape ``[N]`` or ``[N, 1]`` (OGB node datasets).

    Returns:
        The accuracy, in ``[0, 1]``.
    """
    labels = _single_label(y, "y")
    predicted = _predicted_classes(pred, labels.shape[0])
    return float((predicted == labels).double().mean())


def micro_f1(pred: torch.Tensor, y: torch.Tensor) -> float:
    """Micro-averaged F1 score, single-label or multi-label.

    *Single-label* (``y`` of shape ``[N]``): ``pred`` is logits ``[N, C]`` (arg-max) or labels
    ``[N]``; micro-F1 then equals accuracy.

    *Multi-label* (``y`` of shape ``[N, C]`` holding 0/1): with real-valued scores ``pred``
    ``[N, C]``, each node is predicted the top-:math:`k_i` labels, where :math:`k_i` is its
    *true* number of labels. This is the protocol of DeepWalk (Perozzi et al., KDD 2014),
    node2vec (Grover & Leskovec, KDD 2016) and FastRP (Chen et al., CIKM 2019) on BlogCatalog;
    ties between equal scores go to the lower label index. A boolean ``pred`` ``[N, C]`` is
    taken as the predicted label sets themselves.

    Args:
        pred: logits/scores or predictions (see above).
        y: true labels ``[N]`` (or ``[N, 1]``) for single-label, 0/1 ``[N, C]`` for multi-label.

    Returns:
        The micro-F1, in ``[0, 1]``.
    """
    y_true, y_pred = _f1_inputs(pred, y)
    return float(f1_score(y_true, y_pred, average="micro", zero_division=0))


def macro_f1(pred: torch.Tensor, y: torch.Tensor) -> float:
    """Macro-averaged F1 score (unweighted mean of the per-class F1), single- or multi-label.

    Predictions are formed as in :func:`micro_f1` (arg-max, or the top-:math:`k_i` protocol for
    multi-label ``y``). The mean runs over the classes present in ``y`` or in the predictions
    (single-label) or over all ``C`` columns (multi-label); a class with no true and no
    predicted node scores 0, as in scikit-learn with ``zero_division=0``.

    Args:
        pred: logits/scores or predictions (see :func:`micro_f1`).
        y: true labels ``[N]`` (or ``[N, 1]``) for single-label, 0/1 ``[N, C]`` for multi-label.

    Returns:
        The macro-F1, in ``[0, 1]``.
    """
    y_true, y_pred = _f1_inputs(pred, y)
    return float(f1_score(y_true, y_pred, average="macro", zero_division=0))


MetricFn = Callable[[Any, Any], float]

#: Link prediction metrics ``(pos_scores, neg_scores) -> float`` by catalogue name.
LINK_METRICS: dict[str, MetricFn] = {
    **{f"hits@{k}": partial(hits_at_k, k=k) for k in (1, 3, 10, 20, 50, 100)},
    "mrr": mrr,
    "auc": roc_auc,
    "ap": average_precision,
}

#: Node classification metrics ``(logits_or_pred, y) -> float`` by catalogue name.
NODE_METRICS: dict[str, MetricFn] = {
    "accuracy": accuracy,
    "micro-f1": micro_f1,
    "macro-f1": macro_f1,
}

_HITS = re.compile(r"hits@(\d+)")


def metric_fn(name: str) -> MetricFn:
    """The metric function called ``name``.

    Names are case-insensitive and ``_`` may stand for ``-`` (``'micro_f1'``). ``'hits@K'``
    works for any positive integer ``K``, not only the ones listed in :data:`LINK_METRICS`.

    Args:
        name: a key of :data:`LINK_METRICS` or :data:`NODE_METRICS`, or ``'hits@K'``.

    Returns:
        A function ``(scores, targets) -> float``.

    Raises:
        ConfigError: for an unknown name, listing the valid ones.
    """
    if not isinstance(name, str):
        raise ConfigError(f"metric name must be a string; got {type(name).__name__}.")
    key = name.strip().lower().replace("_", "-")
    if key in LINK_METRICS:
        return LINK_METRICS[key]
    if key in NODE_METRICS:
        return NODE_METRICS[key]
    match = _HITS.fullmatch(key)
    if match and int(match.group(1)) >= 1:
        return partial(hits_at_k, k=int(match.group(1)))
    valid = ", ".join([*LINK_METRICS, *NODE_METRICS])
    raise ConfigError(
        f"unknown metric {name!r}; valid names: {valid} (and 'hits@K' for any K >= 1)."
    )


def _check_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise GraphkitError(f"k must be a positive integer; got {k!r}.")
    return int(k)


def _tensor(values: Any, name: str) -> torch.Tensor:
    if isinstance(values, torch.Tensor):
        return values.detach().cpu()
    if isinstance(values, np.ndarray):
        return torch.from_numpy(values)
    raise GraphkitError(
        f"{name} must be a torch.Tensor or numpy array; got {type(values).__name__}. "
        f"Wrap it with torch.as_tensor({name})."
    )


def _scores(values: Any, name: str, ndim: int, allow_empty: bool = False) -> torch.Tensor:
    scores = _tensor(values, name)
    if scores.dim() != ndim:
        expected = "[num_pairs]" if ndim == 1 else "[num_positives, num_negatives]"
        raise GraphkitError(
            f"{name} must be {ndim}-D with shape {expected}; got shape {list(scores.shape)}."
            + (" Flatten it with .view(-1)." if ndim == 1 and 1 in scores.shape else "")
        )
    if scores.dtype == torch.bool or scores.is_complex():
        raise GraphkitError(f"{name} must hold real-valued scores; got dtype {scores.dtype}.")
    if scores.numel() == 0 and not allow_empty:
        raise GraphkitError(f"{name} is empty; a metric needs at least one {name} score.")
    if scores.is_floating_point() and bool(torch.isnan(scores).any()):
        raise GraphkitError(
            f"{name} contains NaN scores (first at index {_first_nan(scores)}); fix the model "
            "output (NaN compares false with everything and would silently count as a miss)."
        )
    return scores


def _first_nan(scores: torch.Tensor) -> list[int]:
    return [int(i) for i in torch.nonzero(torch.isnan(scores))[0]]


def _binary(pos: Any, neg: Any) -> tuple[np.ndarray, np.ndarray]:
    pos = _scores(pos, "pos", ndim=1).double().numpy()
    neg = _scores(neg, "neg", ndim=1).double().numpy()
    y_true = np.concatenate([np.ones(pos.shape[0]), np.zeros(neg.shape[0])])
    return y_true, np.concatenate([pos, neg])


def _single_label(y: Any, name: str) -> torch.Tensor:
    labels = _tensor(y, name)
    if labels.dim() == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.dim() != 1:
        raise GraphkitError(
            f"{name} must hold one class per node, shape [N] or [N, 1]; got {list(labels.shape)}."
        )
    if labels.is_floating_point() or labels.dtype == torch.bool:
        raise GraphkitError(f"{name} must hold integer class ids; got dtype {labels.dtype}.")
    if labels.numel() == 0:
        raise GraphkitError(f"{name} is empty; pass the labels of at least one node.")
    return labels.long()


def _predicted_classes(pred: Any, num_nodes: int) -> torch.Tensor:
    pred = _tensor(pred, "pred")
    if pred.dim() == 2:
        pred = pred.argmax(dim=1)
    elif pred.dim() != 1 or pred.is_floating_point():
        raise GraphkitError(
            "pred must be logits [N, C] or integer predicted labels [N]; got "
            f"shape {list(pred.shape)} and dtype {pred.dtype}."
        )
    if pred.shape[0] != num_nodes:
        raise GraphkitError(
            f"pred has {pred.shape[0]} rows but y has {num_nodes}; pass one row per node."
        )
    return pred.long()


def _f1_inputs(pred: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    target = _tensor(y, "y")
    if not (target.dim() == 2 and target.shape[1] > 1):
        labels = _single_label(target, "y")
        return labels.numpy(), _predicted_classes(pred, labels.shape[0]).numpy()
    if not bool(((target == 0) | (target == 1)).all()):
        raise GraphkitError("multi-label y [N, C] must hold only 0/1 (or False/True) values.")
    y_true = target.numpy().astype(np.int64)
    scores = _tensor(pred, "pred")
    if scores.shape != target.shape:
        raise GraphkitError(
            f"pred must have the shape of the multi-label y, {list(target.shape)}; "
            f"got {list(scores.shape)}."
        )
    if scores.dtype == torch.bool:
        return y_true, scores.numpy().astype(np.int64)
    if not scores.is_floating_point():
        raise GraphkitError(
            "multi-label pred must be real-valued scores (top-k protocol) or a boolean "
            f"prediction matrix; got dtype {scores.dtype}."
        )
    # top-k_i labels per node, k_i = its true label count; stable sort: ties -> lower index
    order = np.argsort(-scores.double().numpy(), axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(order.shape[1])[None, :], axis=1)
    y_pred = (ranks < y_true.sum(axis=1, keepdims=True)).astype(np.int64)
    return y_true, y_pred
