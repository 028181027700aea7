"""``graphkit rewire`` and ``graphkit bench --rewire``."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from graphkit.cli import app, main
from graphkit.data import load
from graphkit.layers.rewire.laser import LASER

runner = CliRunner()


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("GRAPHKIT_DATA", str(tmp_path / "data"))


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_rewire_prints_diagnostics_and_writes_the_graph(tmp_path):
    out = tmp_path / "rewired.npy"
    text = _ok(["rewire", "laser", "--dataset", "ring-transfer", "--set", "rho=1.0",
                "--set", "max_distance=2", "--out", str(out)])
    for row in ("edges (undirected)", "curvature", "spectral gap", "total resistance",
                "edges added", "edges removed"):
        assert row in text
    assert "mean over the first 20 graphs" in text
    # each of the 500 10-cycles gains its 10 distance-2 pairs; nothing is removed
    assert "5,000" in text.split("edges added")[1].splitlines()[0]
    saved = np.load(out, allow_pickle=False)
    loaded = load("ring-transfer", task="node")
    expected = LASER(max_distance=2, rho=1.0)(loaded.data).edge_index
    assert saved.dtype == np.int64 and saved.shape == tuple(expected.shape)
    pt = tmp_path / "rewired.pt"
    _ok(["rewire", "laser", "--dataset", "ring-transfer", "--set", "rho=1.0", "--set",
         "max_distance=2", "--out", str(pt)])
    assert torch.equal(torch.load(pt), torch.from_numpy(saved))


def test_rewire_errors_are_one_line(tmp_path, monkeypatch, capsys):
    for args, message in (
        (["rewire", "laser", "--dataset", "ring-transfer", "--out", str(tmp_path / "x.csv")], ".npy or .pt"),
        (["rewire", "lazer", "--dataset", "ring-transfer", "--out", str(tmp_path / "x.npy")], "laser"),
        (["rewire", "laser", "--dataset", "ring-transfer", "--set", "rh=1", "--out",
          str(tmp_path / "x.npy")], "rho"),
    ):
        monkeypatch.setattr(sys, "argv", ["graphkit", *args])
        with pytest.raises(SystemExit) as info:
            main()
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and message in err


def test_bench_rewire_option_reaches_the_config(tmp_path):
    out = tmp_path / "bench"
    text = _ok(["bench", "--task", "node", "--dataset", "ring-transfer", "--model", "gcn",
                "--seeds", "0", "--epochs", "1", "--rewire", "laser", "--rewire-set", "rho=0.25",
                "--out", str(out), "--no-progress"])
    assert "ring-transfer" in text
    record = json.loads((out / "results.jsonl").read_text().splitlines()[0])
    assert record["config"]["rewire"] == repr(LASER(rho=0.25))
    assert list((out / "rewire").glob("ring-transfer-laser-*.npy"))
