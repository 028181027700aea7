"""Benchmark rewiring: registry, per-graph application, link tasks, the cache and recorded configs."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from graphkit.bench import BenchConfig, run
from graphkit.bench import rewire as rewire_module
from graphkit.bench.rewire import (
    edge_changes,
    graph_diagnostics,
    make_transform,
    rewire_dataset,
    rewire_edge_index,
)
from graphkit.data import load
from graphkit.errors import ConfigError
from graphkit.layers.rewire.laser import LASER


class _Recorder:
    """A transform that records the graphs it is given and adds nothing."""

    seen: list[torch.Tensor] = []

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def __call__(self, data):
        _Recorder.seen.append(data.edge_index.clone())
        return data

    def __repr__(self) -> str:
        return f"_Recorder(seed={self.seed})"


@pytest.fixture
def recorder(monkeypatch):
    monkeypatch.setitem(rewire_module.REWIRING_METHODS, "recorder", f"{__name__}:_Recorder")
    _Recorder.seen = []
    return _Recorder


def test_registry_names_and_errors():
    assert set(rewire_module.rewiring_names()) == {"none", "sdrf", "fosr", "borf", "gtr", "laser"}
    assert make_transform("none") is None
    assert repr(make_transform("laser", {"rho": 0.25})) == repr(LASER(rho=0.25))
    with pytest.raises(ConfigError, match="unknown rewiring method 'lazer'.*laser"):
        make_transform("lazer")
    with pytest.raises(ConfigError, match="unknown key 'rh'.*rho"):
        make_transform("laser", {"rh": 0.5})
    with pytest.raises(ConfigError, match="no parameters"):
        make_transform("none", {"rho": 0.5})


def test_union_of_graphs_is_rewired_graph_by_graph():
    loaded = load("ring-transfer", task="node", num_graphs=6)
    edge_index = rewire_edge_index(loaded.data, "laser", {"rho": 1.0, "max_distance": 2})
    graph_id = loaded.data.graph_id
    assert torch.equal(graph_id[edge_index[0]], graph_id[edge_index[1]])
    # each node of a 10-cycle has 2 nodes at distance 2, both added (rho=1), both directions
    added, removed = edge_changes(loaded.data.edge_index, edge_index, loaded.data.num_nodes)
    assert (added, removed) == (6 * 10, 0)


def test_link_task_rewires_the_training_graph_only(recorder):
    loaded = load("erdos-renyi", task="link", num_nodes=60)
    rewired = rewire_dataset(loaded, "recorder")
    assert len(recorder.seen) == 1
    assert torch.equal(recorder.seen[0], loaded.data.edge_index)
    seen = set(map(tuple, recorder.seen[0].t().tolist()))
    held_out = torch.cat([loaded.split.valid_pos, loaded.split.test_pos], dim=1).t().tolist()
    assert not seen & set(map(tuple, held_out))
    assert rewired.extra["rewire"]["cache"] == "off"


def test_cache_miss_then_hit_keyed_on_graph_repr_and_code(tmp_path, recorder, monkeypatch):
    loaded = load("ring-transfer", task="node", num_graphs=5)
    first = rewire_dataset(loaded, "laser", {"rho": 0.5}, cache_dir=tmp_path)
    second = rewire_dataset(loaded, "laser", {"rho": 0.5}, cache_dir=tmp_path)
    assert (first.extra["rewire"]["cache"], second.extra["rewire"]["cache"]) == ("miss", "hit")
    assert torch.equal(first.data.edge_index, second.data.edge_index)
    files = sorted(tmp_path.glob("*.npy"))
    assert len(files) == 1 and not list(tmp_path.glob(".*"))  # no temporary file left behind
    assert np.array_equal(np.load(files[0], allow_pickle=False), first.data.edge_index.numpy())
    # another argument or another graph is a miss
    assert rewire_dataset(loaded, "laser", {"rho": 1.0}, cache_dir=tmp_path).extra["rewire"]["cache"] == "miss"
    other = load("ring-transfer", task="node", num_graphs=5, ring_size=8)
    assert rewire_dataset(other, "laser", {"rho": 0.5}, cache_dir=tmp_path).extra["rewire"]["cache"] == "miss"
    assert len(list(tmp_path.glob("*.npy"))) == 3
    # a changed rewiring implementation is a miss too
    monkeypatch.setattr(rewire_module, "rewiring_code_digest", lambda: "other code")
    assert rewire_dataset(loaded, "laser", {"rho": 0.5}, cache_dir=tmp_path).extra["rewire"]["cache"] == "miss"
    # the input dataset is untouched
    assert loaded.data.edge_index.size(1) == 5 * 20 and "rewire" not in loaded.extra


def test_diagnostics_report_curvature_and_limits(monkeypatch):
    loaded = load("ring-transfer", task="node", num_graphs=5)
    report = graph_diagnostics(loaded.data.edge_index, loaded.data.num_nodes, loaded.data.graph_id)
    assert report["edges (undirected)"] == "50"
    assert report["curvature"].startswith("min 0.000 / mean 0.000 / max 0.000")  # cycles: BFC 0
    monkeypatch.setattr(rewire_module, "CURVATURE_MAX_EDGES", 5)
    monkeypatch.setattr(rewire_module, "RESISTANCE_MAX_NODES", 5)
    report = graph_diagnostics(loaded.data.edge_index, loaded.data.num_nodes, loaded.data.graph_id)
    assert report["curvature"] == "skipped: more than 5 directed edges"
    assert report["total resistance"] == "skipped: more than 5 nodes"


def _records(out) -> list[dict]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]


def test_bench_rewire_is_recorded_and_cached(tmp_path):
    def config(seeds, rewire="laser", params=None):
        return BenchConfig(
            task="node", datasets=["ring-transfer"], models=["gcn"], seeds=seeds,
            params={"epochs": 2}, out=str(tmp_path), rewire=rewire,
            rewire_params=params or {"rho": 0.5}, progress=False,
        )

    first = run(config([0]))
    assert first[0]["config"]["rewire"] == repr(LASER(rho=0.5))
    assert first[0]["rewire"]["cache"] == "miss"
    assert first[0]["rewire"]["edges_after"] > first[0]["rewire"]["edges_before"]
    # another seed generates other features on the same topology: the rewired graph is reused
    second = run(config([0, 1]))
    assert [r["rewire"]["cache"] for r in second] == ["miss", "hit"]
    # other rewiring arguments and no rewiring are separate results, never mixed
    other = run(config([0], params={"rho": 1.0}))
    plain = run(BenchConfig(task="node", datasets=["ring-transfer"], models=["gcn"], seeds=[0],
                            params={"epochs": 2}, out=str(tmp_path), progress=False))
    hashes = {first[0]["config_hash"], other[0]["config_hash"], plain[0]["config_hash"]}
    assert len(hashes) == 3 and "rewire" not in plain[0]["config"]
    assert len(_records(tmp_path)) == 4
    with pytest.raises(ConfigError, match="rewire_params"):
        BenchConfig(task="node", rewire_params={"rho": 0.5})


def test_source_digest_changes_with_any_source_file(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "notes.txt").write_text("ignored")
    before = rewire_module.source_digest(tmp_path)
    (tmp_path / "notes.txt").write_text("still ignored")
    assert rewire_module.source_digest(tmp_path) == before
    (tmp_path / "a.py").write_text("x = 2\n")
    changed = rewire_module.source_digest(tmp_path)
    (tmp_path / "b.py").write_text("")
    assert len({before, changed, rewire_module.source_digest(tmp_path)}) == 3
