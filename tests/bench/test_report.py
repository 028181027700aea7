"""``graphkit report``: swept-parameter detection, the sweep table and the plots."""

from __future__ import annotations

import json

from graphkit.bench.report import render_report, sweep_parameter, sweep_table
from graphkit.bench.results import ResultStore


def _record(model: str, seed: int, test: float, homophily: float | None = None, hidden: int = 16,
            lr: float = 0.01) -> dict:
    config = {"task": "node", "dataset": "csbm", "model": model,
              "params": {"hidden": hidden, "lr": lr}}
    if homophily is not None:
        config["dataset_params"] = {"homophily": homophily}
    return {
        "dataset": "csbm", "model": model, "seed": seed, "metric": "accuracy",
        "metrics": {"valid": {"accuracy": test}, "test": {"accuracy": test}},
        "config": config, "config_hash": json.dumps(config, sort_keys=True)[-12:],
        "wall_time_s": 1.0, "history": [], "key": f"{model}-{seed}-{homophily}-{lr}",
    }


def test_a_parameter_varied_within_a_model_is_the_sweep():
    records = [_record("mlp", s, 0.5, h, hidden=64) for s in (0, 1) for h in (0.1, 0.9)]
    records += [_record("gcn", s, 0.5, h, hidden=16) for s in (0, 1) for h in (0.1, 0.9)]
    # hidden differs between the models but not within one: not swept
    assert sweep_parameter(records) == "dataset_params.homophily"


def test_no_sweep_or_two_swept_parameters_give_none():
    assert sweep_parameter([_record("mlp", s, 0.5) for s in (0, 1)]) is None
    two = [_record("mlp", 0, 0.5, 0.1, lr=0.01), _record("mlp", 0, 0.5, 0.9, lr=0.05)]
    assert sweep_parameter(two) is None


def test_sweep_table_means_and_stds_per_value():
    records = [_record("gcn", 0, 0.90, 0.9), _record("gcn", 1, 0.80, 0.9),
               _record("gcn", 0, 0.55, 0.5), _record("mlp", 0, 0.70, 0.5)]
    lines = sweep_table(records, "dataset_params.homophily").splitlines()
    assert lines[0].split()[:2] == ["homophily", "csbm/gcn"]
    assert lines[2].split() == ["0.5", "55.00", "70.00"]
    # 0.9: mean 85, unbiased std of (90, 80) = 7.07; mlp has no run there
    assert lines[3].split() == ["0.9", "85.00", "±", "7.07", "-"]


def test_report_writes_the_sweep_plot(tmp_path):
    store = ResultStore(tmp_path)
    for record in [_record(m, s, 0.5 + 0.1 * s, h) for m in ("mlp", "gcn") for s in (0, 1)
                   for h in (0.1, 0.5, 0.9)]:
        store.write(record)
    text = render_report(tmp_path)
    assert "homophily" in text and (tmp_path / "sweep.png").stat().st_size > 0
    assert (tmp_path / "bars.png").is_file()


def test_report_without_sweep_has_no_sweep_plot(tmp_path):
    store = ResultStore(tmp_path)
    store.write(_record("mlp", 0, 0.5))
    assert "homophily" not in render_report(tmp_path)
    assert not (tmp_path / "sweep.png").exists()
