"""Training checkpoints: the whole state of a training loop after an epoch.

A trained ``bench`` model writes its parts' ``state_dict`` (model, optimiser, best-valid
bookkeeping), the job's random generator and torch's global random states (CPU, and every CUDA
device once CUDA is initialised) to the runner's ``<out>/checkpoints/<record key>.pt`` after an
epoch, at most once per :data:`SAVE_INTERVAL_S` seconds and never after the last epoch. A rerun
of the same command loads it and continues with the next epoch: every random draw (batch order,
negatives, dropout) continues where the interrupted process stopped, so on CPU the resumed run
gives the result of an uninterrupted one. The file is written atomically (a crash never leaves
a torn checkpoint); the runner deletes it once the record is written.

The interval keeps short runs free of the cost (a save of a Cora-sized GCN with its Adam moments
costs about a tenth of its epoch: ``benchmarks/checkpoint_cost.py``) while a long run loses at
most :data:`SAVE_INTERVAL_S` seconds and one epoch.
"""

from __future__ import annotations

import io
import os
import pickle
import time
from pathlib import Path
from typing import Any

import torch

from graphkit.atomic import atomic_open
from graphkit.errors import FileFormatError

__all__ = ["SAVE_INTERVAL_S", "TrainingCheckpoint"]

#: least seconds between two saves of one run
SAVE_INTERVAL_S = 60.0


class TrainingCheckpoint:
    """Resume a training loop from, and save it to, one checkpoint file.

    Args:
        path: the checkpoint file (``job.checkpoint``); ``None`` turns both methods into no-ops.
        parts: objects with ``state_dict``/``load_state_dict`` by name, e.g.
            ``{'model': ..., 'optimizer': ..., 'selection': ...}``.
        generator: the job's generator (batch order, negative pairs).
    """

    def __init__(self, path: str | os.PathLike | None, parts: dict[str, Any],
                 generator: torch.Generator) -> None:
        self.path = None if path is None else Path(path)
        self.parts, self.generator = parts, generator
        self._last_save = time.perf_counter()

    def resume(self) -> int:
        """Load the checkpoint if it exists, in place; return the epochs it holds (0 if none).

        Raises:
            FileFormatError: the file is not a checkpoint of this training loop (not a torch
                file, or parts that do not fit); the message names the file to delete.
        """
        if self.path is None or not self.path.exists():
            return 0
        try:
            state = torch.load(self.path, weights_only=True, map_location="cpu")
            for name, part in self.parts.items():
                part.load_state_dict(state[name])
        except (pickle.UnpicklingError, RuntimeError, KeyError, TypeError, EOFError) as error:
            raise FileFormatError(
                f"checkpoint {self.path} does not fit this job ({type(error).__name__}: {error}); "
                "delete it to start the job afresh."
            ) from error
        self.generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        if "cuda_rng" in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        return int(state["epoch"])

    def epoch_done(self, epoch: int) -> None:
        """Save the state after ``epoch`` if :data:`SAVE_INTERVAL_S` seconds have passed since
        the last save (or since this object was made). Call it after every epoch but the last."""
        if self.path is None or time.perf_counter() - self._last_save < SAVE_INTERVAL_S:
            return
        state = {name: part.state_dict() for name, part in self.parts.items()}
        state.update(epoch=epoch, generator=self.generator.get_state(), torch_rng=torch.get_rng_state())
        if torch.cuda.is_initialized():
            state["cuda_rng"] = torch.cuda.get_rng_state_all()
        buffer = io.BytesIO()
        torch.save(state, buffer)
        with atomic_open(self.path) as handle:  # creates the folder
            handle.write(buffer.getvalue())
        self._last_save = time.perf_counter()
