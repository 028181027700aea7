"""Tests of graphkit.bench.features: parameter resolution, the on-disk cache, concatenation,
the training-graph-only rule for link tasks, the runner's --features and ``graphkit embed``."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from graphkit.bench import BenchConfig, JobOutcome, ModelSpec, register_model, registry, run
from graphkit.bench.features import (
    FEATURE_METHODS,
    FeatureCache,
    FeatureMethod,
    compute_features,
    parse_feature_spec,
    register_features,
    resolve_feature_params,
)
from graphkit.cli import app
from graphkit.data import load
from graphkit.errors import ConfigError
from graphkit.graph import as_graph

CALLS: list[tuple[str, dict]] = []


def degree_features(graph, power: int = 1, seed: int = 0):
    """Node degree to ``power`` and the seed, as two columns."""
    CALLS.append(("degree", {"power": power, "seed": seed}))
    degrees = as_graph(graph).degrees().astype(np.float64)
    return np.stack([degrees**power, np.full_like(degrees, seed)], axis=1)


def ones_features(graph, dim: int = 3, power: int = 1):
    """``dim`` columns of ones (unseeded)."""
    CALLS.append(("ones", {"dim": dim, "power": power}))
    return torch.ones(as_graph(graph).num_nodes, dim)


@pytest.fixture(autouse=True)
def _methods(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHKIT_CACHE", str(tmp_path / "cache"))
    CALLS.clear()
    added = [
        register_features(FeatureMethod("test-degree", degree_features, "degree")),
        register_features(FeatureMethod("test-ones", ones_features, "ones", uses_seed=False)),
    ]
    yield
    for method in added:
        FEATURE_METHODS.pop(method.name)


@pytest.fixture(scope="module")
def link_sbm():
    return load("sbm", task="link", seed=0, num_nodes=120, p_in=0.1, p_out=0.01)


def test_parameters_default_to_the_function_signature_and_take_overrides():
    methods = parse_feature_spec("test-degree+test-ones")
    assert resolve_feature_params(methods, {}) == {
        "test-degree": {"power": 1}, "test-ones": {"dim": 3, "power": 1},
    }
    both = resolve_feature_params(methods, {"power": 2, "test-ones.dim": 5})
    assert both == {"test-degree": {"power": 2}, "test-ones": {"dim": 5, "power": 2}}
    with pytest.raises(ConfigError, match="unknown key 'dimm'.*Did you mean dim"):
        resolve_feature_params(methods, {"dimm": 4})
    with pytest.raises(ConfigError, match="unknown key 'test-degree.dim'"):
        resolve_feature_params(methods, {"test-degree.dim": 4})


@pytest.mark.parametrize(
    ("spec", "message"),
    [("nope", "unknown feature method 'nope'.*test-degree"), ("test-ones+", "empty method name"),
     ("test-ones+test-ones", "repeats a method")],
)
def test_bad_feature_specs(spec, message):
    with pytest.raises(ConfigError, match=message):
        parse_feature_spec(spec)


def test_link_features_see_the_training_graph_only(link_sbm):
    features = compute_features(link_sbm, "test-degree", {}, seed=3)
    train_degrees = np.bincount(link_sbm.data.edge_index[0].numpy(), minlength=120)
    assert features.dtype == torch.float32 and features.shape == (120, 2)
    np.testing.assert_array_equal(features[:, 0].numpy(), train_degrees)
    assert (features[:, 1] == 3).all()
    held_out = torch.cat([link_sbm.split.valid_pos, link_sbm.split.test_pos], dim=1)
    with_held_out = train_degrees + np.bincount(held_out.flatten().numpy(), minlength=120)
    assert int(train_degrees.sum()) == 2 * link_sbm.split.train_pos.shape[1]
    assert not np.array_equal(features[:, 0].numpy(), with_held_out)


def test_concatenation_keeps_the_order_of_the_spec(link_sbm):
    features = compute_features(link_sbm, "test-ones+test-degree", {"dim": 2}, seed=1)
    assert features.shape == (120, 4)
    assert (features[:, :2] == 1).all() and (features[:, 3] == 1).all()


def test_cache_reuses_files_and_keys_on_seed_params_and_graph(tmp_path, link_sbm):
    cache = FeatureCache(tmp_path / "features")
    first = compute_features(link_sbm, "test-degree+test-ones", {}, seed=0, cache=cache)
    assert len(CALLS) == 2
    again = compute_features(link_sbm, "test-degree+test-ones", {}, seed=0, cache=cache)
    assert len(CALLS) == 2 and torch.equal(first, again)
    compute_features(link_sbm, "test-degree+test-ones", {}, seed=1, cache=cache)
    assert [name for name, _ in CALLS[2:]] == ["degree"]  # unseeded 'ones' is reused
    compute_features(link_sbm, "test-degree", {"power": 2}, seed=0, cache=cache)
    assert CALLS[-1] == ("degree", {"power": 2, "seed": 0})
    other_split = load("sbm", task="link", seed=1, num_nodes=120, p_in=0.1, p_out=0.01)
    compute_features(other_split, "test-ones", {}, seed=0, cache=cache)
    assert CALLS[-1][0] == "ones" and len(CALLS) == 5
    files = sorted(p.name for p in (tmp_path / "features" / "sbm").iterdir())
    assert len([f for f in files if f.endswith(".npy")]) == 5 and not any(f.startswith(".") for f in files)
    key = json.loads(next((tmp_path / "features" / "sbm").glob("test-degree-*.json")).read_text())
    assert key["method"] == "test-degree" and key["task"] == "link" and len(key["graph_sha256"]) == 64


def test_wrong_row_count_is_an_error(link_sbm):
    register_features(FeatureMethod("test-short", lambda graph, seed=0: np.zeros((3, 1)), "short"))
    try:
        with pytest.raises(ConfigError, match="returned 3 rows for a graph of 120 nodes"):
            compute_features(link_sbm, "test-short", {}, seed=0)
    finally:
        FEATURE_METHODS.pop("test-short")


def test_runner_passes_features_to_jobs_and_records_their_parameters(tmp_path):
    seen = []

    def run_job(job):
        seen.append(job.features)
        return JobOutcome(valid={"acc": 0.5}, test={"acc": 0.5}, best_epoch=0, epochs_run=0)

    spec = register_model(ModelSpec("featured", "node", run_job, defaults={}))
    try:
        config = BenchConfig(
            task="node", datasets=["sbm"], models=["featured"], seeds=[0, 1], out=str(tmp_path / "o"),
            features="test-degree", feature_params={"power": 2},
        )
        records = run(config)
    finally:
        registry.unregister([spec])
    assert [f.shape[1] for f in seen] == [2, 2] and seen[1][0, 1] == 1  # seeded per job
    assert records[0]["config"]["feature_params"] == {"test-degree": {"power": 2}}
    assert len(list((tmp_path / "o" / "features" / "sbm").glob("*.npy"))) == 2


def test_feature_params_without_features_is_an_error():
    with pytest.raises(ConfigError, match="no --features"):
        BenchConfig(feature_params={"dim": 4})


def test_cli_embed_writes_an_npy_and_lists_methods(tmp_path):
    runner = CliRunner()
    out = tmp_path / "emb.npy"
    result = runner.invoke(app, ["embed", "test-ones", "--dataset", "sbm", "--task", "node",
                                 "--out", str(out), "--set", "dim=4"])
    assert result.exit_code == 0, result.output
    assert np.load(out, allow_pickle=False).shape == (1000, 4)
    assert "test-ones embedding of the sbm graph" in result.output
    listed = runner.invoke(app, ["bench", "--list-features"])
    assert "fastrp" in listed.output and "test-ones" in listed.output
    bad = runner.invoke(app, ["embed", "test-ones", "--dataset", "sbm", "--out", str(tmp_path / "x.txt")])
    assert bad.exit_code != 0 and "must end in .npy" in str(bad.exception or bad.output)


def test_only_plain_positional_defaults_are_parameters():
    def method(graph, dim: int = 4, scale=(1.0, 2.0), dtype=np.float32, *, extra=None, seed=0):
        return np.zeros((as_graph(graph).num_nodes, dim))

    assert FeatureMethod("m", method, "").defaults() == {"dim": 4, "scale": (1.0, 2.0)}


def test_progress_reaches_methods_that_take_it(link_sbm):
    seen = []

    def with_progress(graph, dim: int = 2, *, progress: bool = False):
        seen.append(progress)
        return np.zeros((as_graph(graph).num_nodes, dim))

    register_features(FeatureMethod("test-progress", with_progress, "", uses_seed=False))
    try:
        compute_features(link_sbm, "test-progress+test-ones", {}, seed=0, progress=True)
        compute_features(link_sbm, "test-progress", {}, seed=0)
    finally:
        FEATURE_METHODS.pop("test-progress")
    assert seen == [True, False]
