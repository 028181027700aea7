"""Node-classification evaluation of embeddings: the DeepWalk / node2vec / FastRP protocol.

References: B. Perozzi, R. Al-Rfou and S. Skiena, "DeepWalk: Online Learning of Social
Representations", KDD 2014 (its ``scoring.py``); A. Grover and J. Leskovec, "node2vec", KDD 2016;
H. Chen et al., "Fast and Accurate Network Embeddings via Very Sparse Random Projection",
CIKM 2019 (same scoring, ``C`` tuned).
"""

from __future__ import annotations

import math
import warnings
from numbers import Real
from typing import Any

import numpy as np
import scipy.sparse as sp

from graphkit.errors import ConfigError

__all__ = ["logistic_regression", "node_classification_f1", "top_k_predictions"]


def node_classification_f1(
    embeddings: Any,
    labels: Any,
    train_ratios: Any = (0.1, 0.5, 0.9),
    repeats: int = 5,
    C: float = 1.0,
    seed: Any = 0,
    normalize: bool = False,
    *,
    solver: str | None = None,
    max_iter: int = 1000,
    n_jobs: int | None = None,
) -> list[dict[str, float]]:
    r"""Micro/macro-F1 of a logistic regression trained on a random fraction of the labels.

    Protocol (DeepWalk's ``scoring.py``, also used by node2vec and FastRP):

    1. ``repeats`` random permutations of the nodes are drawn once from
       ``numpy.random.default_rng(seed)``; the same permutations serve every train ratio.
    2. For a ratio :math:`r` the first :math:`\lfloor r n \rfloor` nodes of a permutation are
       the training set and the rest the test set.
    3. Multi-label (``labels`` of shape ``[n, c]``): one-vs-rest L2-regularised logistic
       regression (``C`` the inverse regularisation strength, liblinear by default as in the
       scikit-learn the published numbers used). Each test node :math:`v` with :math:`k_v`
       true labels is predicted the :math:`k_v` labels of highest probability (ties broken by
       the lower label id), so only the ranking is evaluated, not the number of labels:

       .. math::

           \hat Y_v = \operatorname{top}_{k_v}\big(p(\ell \mid x_v)\big)_{\ell = 1..c},
           \qquad k_v = |Y_v|.

       Macro-F1 averages over all ``c`` labels (a label absent from the test set and never
       predicted counts as F1 = 0, as with scikit-learn's ``MultiLabelBinarizer(range(c))``).
    4. Single-label (``labels`` of shape ``[n]``, integer classes): multinomial logistic
       regression (lbfgs), predicting the most probable class; micro-F1 equals accuracy and
       macro-F1 averages over the classes present in the test labels or predictions.
    5. Mean and sample standard deviation (``ddof=1``; 0 for one repeat) over the repeats.

    Args:
        embeddings: ``[n, d]`` real array (finite).
        labels: ``[n]`` integer classes, or ``[n, c]`` 0/1 multi-label matrix (dense or
            scipy sparse).
        train_ratios: fractions of labelled training nodes, each in (0, 1) (default
            ``(0.1, 0.5, 0.9)``).
        repeats: number of random splits, >= 1 (default 5).
        C: inverse L2 regularisation strength of the logistic regression, > 0 (default 1.0).
        seed: seed of the splits (default 0).
        normalize: L2-normalise every embedding row before training (default False).
        solver: scikit-learn solver; default ``'liblinear'`` (multi-label) or ``'lbfgs'``
            (single-label, multinomial).
        max_iter: iteration cap of the solver (default 1000).
        n_jobs: parallel one-vs-rest fits (multi-label only; default None = 1).

    Returns:
        One dict per train ratio with keys ``train_ratio``, ``micro_f1_mean``,
        ``micro_f1_std``, ``macro_f1_mean``, ``macro_f1_std`` and ``repeats``.

    Raises:
        ConfigError: malformed embeddings/labels, mismatched lengths, ratios outside (0, 1),
            splits with an empty train or test set, bad ``repeats`` / ``C``.
    """
    x = _check_embeddings(embeddings)
    y, multilabel = _check_labels(labels, x.shape[0])
    ratios = _check_ratios(train_ratios, x.shape[0])
    repeats = _check_repeats(repeats)
    if isinstance(C, bool) or not isinstance(C, Real) or not (math.isfinite(C) and C > 0):
        raise ConfigError(f"C must be a finite number > 0 (e.g. 1.0); got {C!r}.")
    if normalize:
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        x = np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)
    rng = np.random.default_rng(seed)
    permutations = [rng.permutation(x.shape[0]) for _ in range(repeats)]
    score = _score_multilabel if multilabel else _score_single
    rows = []
    for ratio in ratios:
        scores = np.array([
            score(x, y, order, int(ratio * x.shape[0]), C, solver, max_iter, n_jobs)
            for order in permutations
        ])
        ddof = 1 if repeats > 1 else 0
        rows.append({
            "train_ratio": ratio,
            "micro_f1_mean": float(scores[:, 0].mean()),
            "micro_f1_std": float(scores[:, 0].std(ddof=ddof)),
            "macro_f1_mean": float(scores[:, 1].mean()),
            "macro_f1_std": float(scores[:, 1].std(ddof=ddof)),
            "repeats": repeats,
        })
    return rows


def top_k_predictions(probabilities: np.ndarray, k: np.ndarray) -> np.ndarray:
    """0/1 matrix marking, in every row, the ``k[row]`` columns of highest probability.

    Ties are broken by the lower column index (a stable sort), so the result is deterministic.

    Args:
        probabilities: ``[m, c]`` scores.
        k: ``[m]`` number of labels to predict per row (0 <= k <= c).

    Returns:
        ``int8 [m, c]`` 0/1 matrix with ``k[row]`` ones in every row.
    """
    order = np.argsort(-probabilities, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(probabilities.shape[1])[None, :], axis=1)
    return (ranks < np.asarray(k)[:, None]).astype(np.int8)


def logistic_regression(
    x: np.ndarray, y: Any, *, multilabel: bool, C: float = 1.0, solver: str | None = None,
    max_iter: int = 1000, n_jobs: int | None = None,
) -> Any:
    """The fitted classifier of the protocol above (steps 3 and 4), shared with ``graphkit bench``.

    Multi-label ``y [m, c]``: one-vs-rest L2 logistic regression (``solver`` default
    ``'liblinear'``; a label without training positives gets a constant predictor). Single-label
    ``y [m]``: multinomial logistic regression (default ``'lbfgs'``).

    Args:
        x: training features ``[m, d]``. y: their labels. multilabel: which of the two.
        C: inverse L2 regularisation strength. solver: scikit-learn solver (default above).
        max_iter: iteration cap. n_jobs: parallel one-vs-rest fits (multi-label only).

    Returns:
        A fitted scikit-learn estimator with ``predict_proba``.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    if not multilabel:
        return LogisticRegression(C=C, solver=solver or "lbfgs", max_iter=max_iter).fit(x, y)
    classifier = OneVsRestClassifier(
        LogisticRegression(C=C, solver=solver or "liblinear", max_iter=max_iter), n_jobs=n_jobs
    )
    with warnings.catch_warnings():  # a label without training positives: constant predictor
        warnings.filterwarnings("ignore", message="Label .* is present in all training")
        warnings.filterwarnings("ignore", message="Label not .* present in all training")
        return classifier.fit(x, y)


def _score_multilabel(x, y, order, n_train, C, solver, max_iter, n_jobs) -> tuple[float, float]:
    from sklearn.metrics import f1_score

    train, test = order[:n_train], order[n_train:]
    classifier = logistic_regression(x[train], y[train], multilabel=True, C=C, solver=solver,
                                     max_iter=max_iter, n_jobs=n_jobs)
    probabilities = classifier.predict_proba(x[test])
    truth = y[test].toarray()
    predicted = top_k_predictions(probabilities, truth.sum(axis=1))
    return (
        f1_score(truth, predicted, average="micro", zero_division=0),
        f1_score(truth, predicted, average="macro", zero_division=0),
    )


def _score_single(x, y, order, n_train, C, solver, max_iter, n_jobs) -> tuple[float, float]:
    from sklearn.metrics import f1_score

    del n_jobs  # one multinomial model
    train, test = order[:n_train], order[n_train:]
    if np.unique(y[train]).shape[0] < 2:
        raise ConfigError(
            f"the training split ({n_train} nodes) holds a single class; raise the train ratio "
            "or use a different seed."
        )
    classifier = logistic_regression(x[train], y[train], multilabel=False, C=C, solver=solver,
                                     max_iter=max_iter)
    predicted = classifier.predict(x[test])
    return (
        f1_score(y[test], predicted, average="micro", zero_division=0),
        f1_score(y[test], predicted, average="macro", zero_division=0),
    )


def _check_embeddings(embeddings: Any) -> np.ndarray:
    if hasattr(embeddings, "detach"):
        embeddings = embeddings.detach().cpu().numpy()
    x = np.asarray(embeddings)
    if x.ndim != 2 or x.shape[0] == 0 or not np.issubdtype(x.dtype, np.number):
        raise ConfigError(
            f"embeddings must be a numeric [n, d] array with n >= 1; got shape "
            f"{list(x.shape)} and dtype {x.dtype}."
        )
    x = x.astype(np.float64)
    if not np.all(np.isfinite(x)):
        raise ConfigError("embeddings contain NaN/inf; fix or drop those rows first.")
    return x


def _check_labels(labels: Any, n: int) -> tuple[Any, bool]:
    if hasattr(labels, "detach"):
        labels = labels.detach().cpu().numpy()
    if sp.issparse(labels):
        matrix = sp.csr_matrix(labels)
    else:
        array = np.asarray(labels)
        if array.ndim == 1:
            return _check_classes(array, n), False
        if array.ndim != 2:
            raise ConfigError(
                f"labels must be [n] classes or an [n, c] 0/1 matrix; got shape {list(array.shape)}."
            )
        matrix = sp.csr_matrix(array)
    if matrix.shape[0] != n:
        raise ConfigError(
            f"labels has {matrix.shape[0]} rows but embeddings has {n}; they must match."
        )
    matrix.eliminate_zeros()
    if matrix.nnz and not np.all(matrix.data == 1):
        raise ConfigError("multi-label labels must be 0/1; binarise them first (labels != 0).")
    return sp.csr_matrix(matrix, dtype=np.int64), True


def _check_classes(array: np.ndarray, n: int) -> np.ndarray:
    if array.shape[0] != n:
        raise ConfigError(f"labels has {array.shape[0]} entries but embeddings has {n} rows.")
    if not np.issubdtype(array.dtype, np.integer):
        raise ConfigError(
            f"single-label labels must be integer classes; got dtype {array.dtype}. Cast with "
            ".astype(int) (or pass an [n, c] 0/1 matrix for multi-label)."
        )
    return array.astype(np.int64)


def _check_ratios(train_ratios: Any, n: int) -> list[float]:
    ratios = np.atleast_1d(np.asarray(train_ratios, dtype=np.float64))
    if ratios.ndim != 1 or ratios.shape[0] == 0 or not np.all((ratios > 0) & (ratios < 1)):
        raise ConfigError(f"train_ratios must be fractions in (0, 1); got {train_ratios!r}.")
    for ratio in ratios:
        n_train = int(ratio * n)
        if n_train == 0 or n_train == n:
            raise ConfigError(
                f"train ratio {ratio} of {n} nodes leaves an empty train or test set; use a "
                "ratio between 1/n and 1 - 1/n."
            )
    return [float(r) for r in ratios]


def _check_repeats(repeats: Any) -> int:
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or repeats < 1:
        raise ConfigError(f"repeats must be an int >= 1; got {repeats!r}.")
    return int(repeats)
