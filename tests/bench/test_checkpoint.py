"""Tests of :class:`graphkit.bench.checkpoint.TrainingCheckpoint`: the save interval, the
restored state, the error for a file that does not fit, and the no-op without a path. End-to-end resumption is tested with the models
(``test_link.py``, ``test_link_walkpool.py``)."""

from __future__ import annotations

import re

import pytest
import torch

from graphkit.bench import checkpoint as checkpoint_module
from graphkit.bench.checkpoint import TrainingCheckpoint
from graphkit.errors import FileFormatError


def test_saves_at_most_once_per_interval_and_restores_every_state(tmp_path, monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(checkpoint_module.time, "perf_counter", lambda: clock[0])
    path = tmp_path / "checkpoints" / "job.pt"
    model, generator = torch.nn.Linear(2, 1), torch.Generator().manual_seed(3)
    checkpoint = TrainingCheckpoint(path, {"model": model}, generator)
    saved = []
    for epoch, now in enumerate([59.0, 60.0, 100.0, 120.5], 1):
        clock[0] = now
        torch.rand(epoch, generator=generator)  # the epoch's draws
        torch.rand(epoch)
        generator_state, torch_state = generator.get_state(), torch.get_rng_state()
        checkpoint.epoch_done(epoch)
        saved.append(torch.load(path, weights_only=True)["epoch"] if path.exists() else None)
    assert saved == [None, 2, 2, 4]  # 60 s after the start, then 60 s after that save

    torch.manual_seed(0)
    fresh_model, fresh_generator = torch.nn.Linear(2, 1), torch.Generator()
    assert TrainingCheckpoint(path, {"model": fresh_model}, fresh_generator).resume() == 4
    assert torch.equal(fresh_model.weight, model.weight) and torch.equal(fresh_model.bias, model.bias)
    assert torch.equal(fresh_generator.get_state(), generator_state)
    assert torch.equal(torch.get_rng_state(), torch_state)


def test_no_path_and_missing_file(tmp_path):
    model, generator = torch.nn.Linear(2, 1), torch.Generator()
    assert TrainingCheckpoint(tmp_path / "absent.pt", {"model": model}, generator).resume() == 0
    unsaved = TrainingCheckpoint(None, {"model": model}, generator)
    assert unsaved.resume() == 0
    unsaved._last_save = float("-inf")  # long past the interval: only the missing path stops it
    unsaved.epoch_done(1)
    assert list(tmp_path.iterdir()) == []


def test_a_checkpoint_that_does_not_fit_names_the_file_to_delete(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoint_module, "SAVE_INTERVAL_S", 0.0)
    path = tmp_path / "job.pt"
    TrainingCheckpoint(path, {"model": torch.nn.Linear(2, 1)}, torch.Generator()).epoch_done(1)
    for parts in ({"model": torch.nn.Linear(3, 1)}, {"encoder": torch.nn.Linear(2, 1)}):
        with pytest.raises(FileFormatError, match=f"(?s)checkpoint {re.escape(str(path))} does not fit.*delete it"):
            TrainingCheckpoint(path, parts, torch.Generator()).resume()
    path.write_bytes(b"not a torch file")
    with pytest.raises(FileFormatError, match="delete it to start the job afresh"):
        TrainingCheckpoint(path, {"model": torch.nn.Linear(2, 1)}, torch.Generator()).resume()
