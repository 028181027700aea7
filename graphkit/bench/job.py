"""One benchmark job (dataset × model × seed): its inputs and its outcome."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from graphkit.data.types import LoadedDataset

__all__ = ["Job", "JobOutcome", "PeakMemory"]


@dataclass
class Job:
    """What a model's ``run`` function receives.

    Attributes:
        dataset: the loaded dataset and split (link: ``data.edge_index`` is the training graph).
        model: model name. params: resolved hyperparameters (defaults + preset + overrides).
        seed: the job's seed (the caller has already seeded torch with it).
        metric: the dataset's official metric for the task (``'hits@20'``, ``'auc'``...).
        eval_batch_size: pairs or nodes scored per evaluation batch.
        progress: show a progress bar. features: extra input features ``[N, d]`` or ``None``.
        checkpoint: a file the model may save its training state to after an epoch and
            resume from when it exists (``None``: no checkpointing; the trained link models use
            :class:`~graphkit.bench.checkpoint.TrainingCheckpoint`). The runner names it after
            the job's record and deletes it once the record is written.
    """

    dataset: LoadedDataset
    model: str
    params: dict[str, Any]
    seed: int
    metric: str
    eval_batch_size: int = 65536
    progress: bool = False
    features: torch.Tensor | None = None
    checkpoint: os.PathLike | None = None


@dataclass
class JobOutcome:
    """What a model's ``run`` function returns. Metric values are fractions in [0, 1].

    ``valid``/``test`` hold the metrics at the epoch selected by the primary valid metric
    (``best_epoch``); ``history`` has one entry per evaluation for learning curves. ``train``
    holds the same metrics on the training nodes or pairs at ``best_epoch`` where the model
    reports them (empty otherwise): how well the model fits its training data.
    """

    valid: dict[str, float]
    test: dict[str, float]
    best_epoch: int | None = None
    epochs_run: int = 0
    num_params: int = 0
    history: list[dict[str, float]] = field(default_factory=list)
    train: dict[str, float] = field(default_factory=dict)
    #: training seconds spent by earlier, interrupted processes (resumed from a checkpoint)
    prior_time_s: float = 0.0


class PeakMemory:
    """Peak resident set size of this process while the context is open (sampled every 20 ms).

    Reads ``/proc/self/statm`` (Linux); elsewhere reports ``None``.
    """

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.peak_bytes: int | None = None
        self._stop = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

    def _rss(self) -> int | None:
        try:
            with open("/proc/self/statm") as handle:
                return int(handle.read().split()[1]) * self._page
        except OSError:
            return None

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self._update()

    def _update(self) -> None:
        rss = self._rss()
        if rss is not None:
            self.peak_bytes = max(self.peak_bytes or 0, rss)

    def __enter__(self) -> PeakMemory:
        self._update()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._update()
