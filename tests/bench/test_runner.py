"""Tests of graphkit.bench.run: outputs on disk, resume, interruption, determinism, summaries,
errors, fixed splits and entry-point plugins."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
import torch

from graphkit.bench import (
    BenchConfig,
    JobOutcome,
    ModelSpec,
    get_model,
    model_names,
    register_model,
    registry,
    run,
)
from graphkit.bench.config import config_hash
from graphkit.bench.link import GNN_DEFAULTS, LinkModel
from graphkit.bench.results import format_summary, summarize
from graphkit.errors import ConfigError, DatasetError

DATASETS = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets"
SMALL = {"epochs": 2, "hidden": 16, "batch_size": 4096, "eval_every": 1}
RECORD_FIELDS = {
    "dataset", "task", "model", "seed", "metric", "metrics", "best_epoch", "epochs_run",
    "num_params", "wall_time_s", "peak_rss_mb", "history", "versions", "finished_at", "key",
    "config", "config_hash", "split_id",
}


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHKIT_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def fake_model():
    """``make(name, task)`` registers a fake model and returns (spec, calls, state); removed after.

    The fake model records every job it receives, raises when ``state['fail_on']`` is the
    job's seed, and returns metrics that depend on the seed and on its ``scale`` parameter.
    """
    specs: list[ModelSpec] = []

    def make(name: str = "fake", task: str = "link"):
        calls: list = []
        state = {"fail_on": None}

        def run_job(job):
            calls.append(job)
            if job.seed == state["fail_on"]:
                raise RuntimeError(f"interrupted at seed {job.seed}")
            value = job.params["scale"] * (0.5 + job.seed / 100)
            metrics = {job.metric: value, "other": 0.25}
            return JobOutcome(
                valid=metrics, test={job.metric: value / 2, "other": 0.5}, best_epoch=1,
                epochs_run=job.params["epochs"], num_params=7,
                history=[{"epoch": 1, "loss": 1.0, "valid": value, "test": value / 2}],
            )

        spec = ModelSpec(name, task, run_job, {"epochs": 1, "scale": 1.0}, "fake model for tests")
        register_model(spec)
        specs.append(spec)
        return spec, calls, state

    yield make
    registry.unregister(specs)


def _files(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


# ---------------------------------------------------------------- outputs


def test_run_writes_records_jsonl_and_summary(tmp_path):
    out = tmp_path / "out"
    config = BenchConfig(datasets=["sbm"], models=["sage"], seeds=[0, 1], params=SMALL,
                         out=str(out), progress=False)
    records = run(config)
    assert [r["seed"] for r in records] == [0, 1]
    params = {**GNN_DEFAULTS, **SMALL}
    expected_params = sum(
        p.numel() for p in LinkModel(1000, 32, 16, "sage", 2, 0.5, "mlp", 2).parameters()
    )
    for record in records:
        assert set(record) == RECORD_FIELDS
        assert record["config"] == {
            "task": "link", "dataset": "sbm", "model": "sage", "params": params,
            "features": None, "eval_batch_size": 65536,
        }
        assert record["config_hash"] == config_hash(record["config"])
        assert record["key"] == f"sbm__sage__seed{record['seed']}__{record['config_hash']}"
        assert record["metric"] == "auc" and record["split_id"] is None
        for part in ("valid", "test"):
            assert set(record["metrics"][part]) == {"auc", "ap"}
            assert all(0 <= v <= 1 for v in record["metrics"][part].values())
        assert record["best_epoch"] in (1, 2) and record["epochs_run"] == 2
        best = record["history"][record["best_epoch"] - 1]
        assert best["valid"] == record["metrics"]["valid"]["auc"]
        assert best["test"] == record["metrics"]["test"]["auc"]
        assert record["num_params"] == expected_params
        assert record["wall_time_s"] > 0 and record["peak_rss_mb"] > 10
        assert record["versions"]["torch"] == torch.__version__
        assert {"graphkit", "torch_geometric", "numpy", "python"} <= set(record["versions"])
    assert _files(out) == sorted(
        ["results.jsonl", "summary.csv"] + [f"records/{r['key']}.json" for r in records]
    )
    lines = (out / "results.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == records
    for record in records:
        assert json.loads((out / "records" / f"{record['key']}.json").read_text()) == record
    with open(out / "summary.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["metric"], r["primary"], r["seeds"]) for r in rows] == [
        ("auc", "True", "2"), ("ap", "False", "2")
    ]
    aucs = [100 * r["metrics"]["test"]["auc"] for r in records]
    assert float(rows[0]["test_mean"]) == pytest.approx(sum(aucs) / 2)
    assert float(rows[0]["test_std"]) == pytest.approx(abs(aucs[0] - aucs[1]) / math.sqrt(2))


# ---------------------------------------------------------------- resume


def test_resume_runs_nothing_and_returns_the_same_records(tmp_path, fake_model):
    spec, calls, _ = fake_model()
    config = BenchConfig(datasets=["sbm"], models=["fake"], seeds="0-2", out=str(tmp_path / "o"))
    first = run(config)
    assert [job.seed for job in calls] == [0, 1, 2]
    assert [r["metrics"]["valid"]["auc"] for r in first] == [0.5, 0.51, 0.52]
    second = run(config)
    assert len(calls) == 3  # nothing ran again
    assert second == first
    # more seeds: only the new one runs
    run(BenchConfig(datasets=["sbm"], models=["fake"], seeds="0-3", out=str(tmp_path / "o")))
    assert [job.seed for job in calls] == [0, 1, 2, 3]
    # changed parameters: a new hash, so every seed runs again, next to the old records
    changed = run(BenchConfig(datasets=["sbm"], models=["fake"], seeds="0-2", params={"scale": 2.0},
                              out=str(tmp_path / "o")))
    assert len(calls) == 7
    assert changed[0]["config_hash"] != first[0]["config_hash"]
    assert [r["metrics"]["valid"]["auc"] for r in changed] == [1.0, 1.02, 1.04]
    assert len(list((tmp_path / "o" / "records").glob("*.json"))) == 7
    assert len((tmp_path / "o" / "results.jsonl").read_text().splitlines()) == 7


def test_interrupted_run_keeps_finished_jobs_and_no_temp_files(tmp_path, fake_model):
    spec, calls, state = fake_model()
    out = tmp_path / "o"
    config = BenchConfig(datasets=["sbm"], models=["fake"], seeds=[0, 1, 2], out=str(out))
    state["fail_on"] = 1
    with pytest.raises(RuntimeError, match="interrupted at seed 1"):
        run(config)
    files = _files(out)
    assert len(files) == 3 and not any(".tmp" in f for f in files)
    assert [json.loads(line)["seed"] for line in (out / "results.jsonl").read_text().splitlines()] == [0]
    state["fail_on"] = None
    records = run(config)
    assert [job.seed for job in calls] == [0, 1, 1, 2]  # seed 0 was not run again
    assert [r["seed"] for r in records] == [0, 1, 2]


def test_checkpoint_is_named_after_the_record_and_removed_once_it_is_written(tmp_path):
    """The runner hands each job ``<out>/checkpoints/<key>.pt``; a rerun of an interrupted job
    gets the same path (with what the job saved there), and the file goes with the record."""
    seen: list[tuple[Path, bool]] = []

    def run_job(job):
        seen.append((Path(job.checkpoint), Path(job.checkpoint).exists()))
        if len(seen) == 1:
            Path(job.checkpoint).parent.mkdir(parents=True, exist_ok=True)
            Path(job.checkpoint).write_bytes(b"state after epoch 1")
            raise RuntimeError("killed in epoch 2")
        metrics = {job.metric: 0.5}
        return JobOutcome(valid=metrics, test=metrics, best_epoch=1, epochs_run=2,
                          history=[], prior_time_s=100.0)

    spec = ModelSpec("checkpointed", "link", run_job, {}, "fake model for tests")
    register_model(spec)
    try:
        config = BenchConfig(datasets=["sbm"], models=["checkpointed"], seeds=[0],
                             out=str(tmp_path / "o"))
        with pytest.raises(RuntimeError, match="epoch 2"):
            run(config)
        (record,) = run(config)
    finally:
        registry.unregister([spec])
    assert seen[0][0] == seen[1][0] == tmp_path / "o" / "checkpoints" / f"{record['key']}.pt"
    assert seen == [(seen[0][0], False), (seen[0][0], True)]
    assert not seen[0][0].exists()
    assert record["wall_time_s"] >= 100.0  # the interrupted process's training time counts


def test_same_seed_gives_identical_results(tmp_path):
    def once(out):
        config = BenchConfig(datasets=["sbm"], models=["sage"], seeds=[3], params=SMALL,
                             out=str(out), progress=False)
        (record,) = run(config)
        history = [{k: v for k, v in point.items() if k != "time_s"} for point in record["history"]]
        return record["metrics"], record["best_epoch"], history

    assert once(tmp_path / "a") == once(tmp_path / "b")


# ---------------------------------------------------------------- summaries


def _fake_record(model, seed, valid, test, config_hash="h", wall=1.0):
    return {
        "dataset": "d", "model": model, "seed": seed, "config_hash": config_hash, "metric": "auc",
        "metrics": {"valid": {"auc": valid, "ap": 0.5}, "test": {"auc": test, "ap": 0.5}},
        "wall_time_s": wall,
    }


def test_summary_mean_and_unbiased_std_by_hand():
    records = [
        _fake_record("m", 0, 0.5, 0.1, wall=1.0),
        _fake_record("m", 1, 0.6, 0.2, wall=2.0),
        _fake_record("m", 2, 0.7, 0.6, wall=6.0),
        _fake_record("single", 0, 0.9, 0.8),
    ]
    rows = {(r["model"], r["metric"]): r for r in summarize(records)}
    auc = rows[("m", "auc")]
    assert auc["primary"] and not rows[("m", "ap")]["primary"]
    assert auc["valid_mean"] == pytest.approx(60.0)
    assert auc["valid_std"] == pytest.approx(10.0)  # sqrt((100 + 0 + 100) / (3 - 1))
    assert auc["test_mean"] == pytest.approx(30.0)
    assert auc["test_std"] == pytest.approx(math.sqrt((400 + 100 + 900) / 2))
    assert auc["seeds"] == 3 and auc["wall_time_s"] == pytest.approx(3.0)
    assert rows[("m", "ap")]["valid_std"] == 0.0
    assert math.isnan(rows[("single", "auc")]["valid_std"])  # one seed: no std
    text = format_summary(summarize(records))
    assert "valid 60.00 ± 10.00" in text and "test 30.00 ± 26.46" in text and "(3 seeds)" in text
    single = next(line for line in text.splitlines() if line.split()[1] == "single")
    assert single.split() == ["d", "single", "AUC", "valid", "90.00", "test", "80.00", "(1", "seed)",
                              "1.0", "s/seed"]
    assert "AUC" in text and "AP" not in text  # primary metric only
    assert "AP" in format_summary(summarize(records), primary_only=False)


def test_summary_separates_config_hashes():
    records = [_fake_record("m", 0, 0.5, 0.5, "h1"), _fake_record("m", 0, 0.7, 0.7, "h2")]
    rows = [r for r in summarize(records) if r["metric"] == "auc"]
    assert sorted(r["valid_mean"] for r in rows) == pytest.approx([50.0, 70.0])


def test_format_summary_of_nothing_is_an_error():
    with pytest.raises(ConfigError, match="no finished results"):
        format_summary([])


# ---------------------------------------------------------------- errors


def test_unknown_dataset_model_and_task_mismatch_list_choices(tmp_path):
    out = tmp_path / "o"
    with pytest.raises(DatasetError, match=r"unknown dataset 'nope'.*ogbl-ddi.*sbm"):
        run(BenchConfig(datasets=["nope"], models=["sage"], out=str(out)))
    with pytest.raises(ConfigError, match=r"unknown link model 'sagee'.*cn.*mf.*sage"):
        run(BenchConfig(datasets=["sbm"], models=["sagee"], out=str(out)))
    with pytest.raises(ConfigError, match=r"'csbm' has no link task \(it supports node\).*--task node"):
        run(BenchConfig(datasets=["csbm"], models=["sage"], out=str(out)))
    with pytest.raises(ConfigError, match="unknown key 'hiden'"):
        run(BenchConfig(datasets=["sbm"], models=["sage"], params={"hiden": 4}, out=str(out)))
    with pytest.raises(ConfigError, match="unknown feature method 'nope'"):
        run(BenchConfig(datasets=["sbm"], models=["sage"], features="nope", out=str(out)))
    assert not out.exists()  # validation happens before anything is written


# ---------------------------------------------------------------- fixed splits


def test_fixed_split_datasets_map_seed_to_split(tmp_path, fake_model):
    if not (DATASETS / "texas").is_dir():
        pytest.skip(f"offline dataset copy not found at {DATASETS / 'texas'}")
    spec, calls, _ = fake_model("fake-node", "node")
    records = run(BenchConfig(task="node", datasets=["texas"], models=["fake-node"],
                              seeds=[0, 3, 12], root=str(DATASETS), out=str(tmp_path / "o")))
    assert [job.dataset.split_id for job in calls] == [0, 3, 2]
    assert [r["split_id"] for r in records] == [0, 3, 2]
    assert all(job.metric == "accuracy" for job in calls)
    # different splits really are different
    assert not torch.equal(calls[0].dataset.split.train_idx, calls[1].dataset.split.train_idx)


def test_random_split_datasets_draw_the_split_from_the_seed(tmp_path, fake_model):
    spec, calls, _ = fake_model()
    run(BenchConfig(datasets=["sbm"], models=["fake"], seeds=[0, 1], out=str(tmp_path / "o")))
    assert [(job.dataset.split_id, job.dataset.seed) for job in calls] == [(None, 0), (None, 1)]


# ---------------------------------------------------------------- plugins


class _EntryPoint:
    def __init__(self, value):
        self.value = value

    def load(self):
        return self.value


def test_entry_point_plugins_are_found(monkeypatch):
    def plugin_run(job):
        raise AssertionError("not run here")

    single = ModelSpec("plugin-one", "link", plugin_run, {"k": 1}, "from an entry point")
    several = [ModelSpec("plugin-two", "link", plugin_run), ModelSpec("plugin-node", "node", plugin_run)]
    groups = []

    def fake_entry_points(group):
        groups.append(group)
        return [_EntryPoint(single), _EntryPoint(lambda: several)]

    monkeypatch.setattr(registry, "entry_points", fake_entry_points)
    monkeypatch.setattr(registry, "_loaded_tasks", set())
    try:
        assert get_model("link", "plugin-one") is single
        assert get_model("link", "plugin-two") is several[0]
        assert {"plugin-one", "plugin-two", "sage"} <= set(model_names("link"))
        assert get_model("node", "plugin-node") is several[1]
        assert groups and set(groups) == {"graphkit.models"}
    finally:
        registry.unregister([single, *several])
    with pytest.raises(ConfigError, match="unknown link model 'plugin-one'"):
        get_model("link", "plugin-one")


def test_register_model_twice_is_an_error(fake_model):
    spec, _, _ = fake_model()
    register_model(spec)  # the same spec again is fine
    with pytest.raises(ConfigError, match="already registered"):
        register_model(ModelSpec("fake", "link", spec.run))


def test_dataset_params_reach_the_loader_and_the_config_hash(tmp_path):
    def bench(out, **dataset_params):
        config = BenchConfig(task="node", datasets=["csbm"], models=["mlp"], seeds=[0],
                             params={"epochs": 2}, out=str(tmp_path / out), progress=False,
                             dataset_params=dataset_params)
        return run(config)[0]

    plain, low, high = bench("a"), bench("b", homophily=0.1), bench("c", homophily=0.9)
    assert "dataset_params" not in plain["config"]  # records without options keep their hash
    assert set(plain["metrics"]) == {"train", "valid", "test"}  # node models report the fit
    assert low["config"]["dataset_params"] == {"homophily": 0.1}
    assert len({plain["config_hash"], low["config_hash"], high["config_hash"]}) == 3
    with pytest.raises(DatasetError, match="homophilly"):
        bench("d", homophilly=0.1)
