"""Tests of the ``graphkit`` command line (typer app and the ``main`` entry point), including
``graphkit rewire`` and ``graphkit bench --rewire``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

import graphkit
from graphkit.cli import app, main
from graphkit.data import load
from graphkit.errors import ConfigError, DatasetError
from graphkit.layers.rewire.laser import LASER

DATASETS = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets"

runner = CliRunner()


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("GRAPHKIT_DATA", str(tmp_path / "data"))


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def _main(args: list[str], monkeypatch, capsys) -> tuple[int, str, str]:
    """Run the console entry point as ``graphkit ARGS``: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["graphkit", *args])
    with pytest.raises(SystemExit) as info:
        main()
    captured = capsys.readouterr()
    return info.value.code, captured.out, captured.err


def test_version():
    assert _ok(["--version"]).strip() == f"graphkit {graphkit.__version__}"


def test_no_arguments_shows_help():
    result = runner.invoke(app, [])
    assert "bench" in result.output and "datasets" in result.output and "report" in result.output


def test_datasets_list():
    out = _ok(["datasets", "list"])
    lines = out.splitlines()
    assert lines[0].split() == ["name", "tasks", "metric", "split", "description"]
    assert any(line.startswith("ogbl-ddi ") and "link:hits@20" in line for line in lines)
    assert any(line.startswith("sbm ") for line in lines)
    node_only = _ok(["datasets", "list", "--task", "node"])
    assert "ogbl-ddi" not in node_only and "csbm" in node_only


def test_datasets_info_synthetic():
    out = _ok(["datasets", "info", "sbm", "--task", "link", "--seed", "1"])
    rows = dict(line.split(None, 1) for line in out.splitlines()[2:] if line.strip())
    assert rows["name"].strip() == "sbm" and rows["task"].strip() == "link"
    assert rows["metric"].strip() == "auc" and rows["split"].strip() == "random (seed 1)"
    assert rows["nodes"].strip() == "1,000"
    assert "train edges" in out and "test negatives" in out


def test_datasets_info_ogbl_ddi(monkeypatch):
    if not (DATASETS / "ogbl_ddi").is_dir():
        pytest.skip(f"offline dataset copy not found at {DATASETS / 'ogbl_ddi'}")
    monkeypatch.setenv("GRAPHKIT_DATA", str(DATASETS))
    out = _ok(["datasets", "info", "ogbl-ddi"])
    expected = {
        "nodes": "4,267", "train edges": "1,067,911", "valid positives": "133,489",
        "test positives": "133,489", "valid negatives": "101,882", "test negatives": "95,599",
        "metric": "hits@20",
    }
    for label, value in expected.items():
        assert any(line.split("  ")[0] == label and line.split()[-1] == value
                   for line in out.splitlines()), (label, out)


def test_bench_prints_table_and_report_writes_plots(tmp_path):
    out_dir = tmp_path / "run"
    args = ["bench", "--dataset", "sbm", "--model", "sage,cn", "--preset", "smoke",
            "--out", str(out_dir), "--no-progress"]
    out = _ok(args)
    lines = out.splitlines()
    assert lines[0].split() == ["dataset", "model", "metric", "valid", "test", "seeds", "time"]
    sage = next(line for line in lines if line.split()[:2] == ["sbm", "sage"])
    assert "AUC" in sage and "valid " in sage and "(1 seed)" in sage
    assert any(line.split()[:2] == ["sbm", "cn"] for line in lines)
    records = [json.loads(line) for line in (out_dir / "results.jsonl").read_text().splitlines()]
    assert sorted(r["model"] for r in records) == ["cn", "sage"]
    sage_params = next(r for r in records if r["model"] == "sage")["config"]["params"]
    assert (sage_params["epochs"], sage_params["hidden"]) == (2, 16)  # the smoke preset
    # the same command again resumes: the same table, nothing retrained
    finished = {r["model"]: r["finished_at"] for r in records}
    assert _ok(args) == out
    again = [json.loads(line) for line in (out_dir / "results.jsonl").read_text().splitlines()]
    assert {r["model"]: r["finished_at"] for r in again} == finished

    report = _ok(["report", str(out_dir)])
    assert sage in report.splitlines()
    for name in ("bars.png", "learning_curves.png"):
        path = out_dir / name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and str(path) in report
    assert "plots" not in _ok(["report", str(out_dir), "--no-plots"])


def test_bench_config_file_set_and_epochs_precedence(tmp_path):
    config = tmp_path / "bench.toml"
    config.write_text(
        'datasets = ["sbm"]\nmodels = ["mf"]\nseeds = "0"\npreset = "smoke"\n'
        "[params]\nhidden = 12\nlr = 0.05\nepochs = 4\n"
    )
    out_dir = tmp_path / "run"
    _ok(["bench", "--config", str(config), "--set", "lr=0.02", "--set", "dropout=0",
         "--epochs", "1", "--out", str(out_dir)])
    (record,) = [json.loads(line) for line in (out_dir / "results.jsonl").read_text().splitlines()]
    params = record["config"]["params"]
    # file < --set < --epochs, and all of them above the preset
    assert (params["hidden"], params["lr"], params["dropout"], params["epochs"]) == (12, 0.02, 0, 1)
    assert record["seed"] == 0 and record["epochs_run"] == 1


def test_bench_dataset_set_reaches_the_loader(tmp_path):
    out_dir = tmp_path / "run"
    _ok(["bench", "--task", "node", "--dataset", "csbm", "--model", "mlp", "--seeds", "0",
         "--epochs", "1", "--dataset-set", "homophily=0.2", "--dataset-set", "num_nodes=200",
         "--out", str(out_dir), "--no-progress"])
    (record,) = [json.loads(line) for line in (out_dir / "results.jsonl").read_text().splitlines()]
    assert record["config"]["dataset_params"] == {"homophily": 0.2, "num_nodes": 200}


def test_bench_list_models():
    out = _ok(["bench", "--list-models"])
    models = {line.split()[0] for line in out.splitlines()[2:]}
    assert {"sage", "gcn", "gin", "gat", "mf", "cn", "aa", "ra", "katz", "ppr"} <= models
    assert "GraphSAGE" in out and "common neighbours" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["bench", "--dataset", "nope", "--model", "sage"], "unknown dataset 'nope'"),
        (["bench", "--dataset", "sbm", "--model", "nope"], "unknown link model 'nope'"),
        (["bench", "--dataset", "sbm", "--model", "sage", "--set", "hidden"], "key=value"),
        (["bench", "--dataset", "sbm", "--model", "sage", "--set", "hiden=8"], "Did you mean hidden"),
        (["bench", "--dataset", "sbm", "--seeds", "3-1"], "seeds '3-1' is not understood"),
        (["bench", "--dataset", "sbm", "--preset", "fast"], "unknown preset 'fast'"),
        (["datasets", "info", "nope"], "unknown dataset 'nope'"),
    ],
)
def test_errors_exit_2_with_one_line_message(args, message, monkeypatch, capsys, tmp_path):
    code, out, err = _main([*args, *(["--out", str(tmp_path / "o")] if args[0] == "bench" else [])],
                           monkeypatch, capsys)
    assert code == 2
    assert err.startswith("error: ") and message in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_errors_propagate_from_the_app(tmp_path):
    result = runner.invoke(app, ["bench", "--dataset", "nope", "--out", str(tmp_path)])
    assert result.exit_code != 0 and isinstance(result.exception, DatasetError)
    result = runner.invoke(app, ["report", str(tmp_path / "empty")])
    assert isinstance(result.exception, ConfigError) and "no finished records" in str(result.exception)


def test_main_success_exits_zero(monkeypatch, capsys):
    code, out, _ = _main(["--version"], monkeypatch, capsys)
    assert code == 0 and out.strip() == f"graphkit {graphkit.__version__}"


# ---------------------------------------------------------------- rewire


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
