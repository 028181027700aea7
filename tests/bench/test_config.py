"""Tests of graphkit.bench.config: seeds, --set assignments, TOML files, validation, precedence."""

from __future__ import annotations

import pytest

from graphkit.bench import PRESETS, BenchConfig, get_model
from graphkit.bench.config import config_hash, load_config, parse_assignments, parse_seeds
from graphkit.bench.link import GNN_DEFAULTS
from graphkit.bench.runner import resolve_params
from graphkit.errors import ConfigError

# ---------------------------------------------------------------- seeds


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0-9", list(range(10))),
        ("1,3,5", [1, 3, 5]),
        ("0-2,7", [0, 1, 2, 7]),
        ("4", [4]),
        (" 2 - 3 , 9 ", [2, 3, 9]),
        ("5-5", [5]),
    ],
)
def test_parse_seeds(text, expected):
    assert parse_seeds(text) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("3-1", "not understood"),
        ("a", "not understood"),
        ("1-b", "not understood"),
        ("-1", "not understood"),
        ("", "at least one"),
        (" , ", "at least one"),
        ("1,1", "repeats"),
        ("0-3,2", "repeats"),
    ],
)
def test_parse_seeds_errors(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_seeds(text)


def test_config_seeds_from_string_list_preset_or_default():
    assert BenchConfig(seeds="0-2").seeds == [0, 1, 2]
    assert BenchConfig(seeds=[4, 2]).resolved_seeds() == [4, 2]
    assert BenchConfig(preset="smoke").resolved_seeds() == PRESETS["smoke"]["seeds"] == [0]
    assert BenchConfig(preset="smoke", seeds=[3]).resolved_seeds() == [3]  # explicit wins
    assert BenchConfig().resolved_seeds() == list(range(10))


@pytest.mark.parametrize("seeds", [[], [1, 1], [-1], [0.5], "x", [True]])
def test_config_rejects_bad_seed_lists(seeds):
    with pytest.raises(ConfigError, match="seed"):
        BenchConfig(seeds=seeds)


# ---------------------------------------------------------------- --set


def test_parse_assignments_types():
    params = parse_assignments(
        ["hidden=128", "lr=0.01", "wd=1e-4", "flag=true", "off = false", "predictor=dot",
         "name='quoted'", "sizes=[1, 2]", "expr=a=b"]
    )
    assert params == {
        "hidden": 128, "lr": 0.01, "wd": 1e-4, "flag": True, "off": False, "predictor": "dot",
        "name": "quoted", "sizes": [1, 2], "expr": "a=b",
    }
    assert type(params["hidden"]) is int and type(params["lr"]) is float
    assert parse_assignments(["a=1", "a=2"]) == {"a": 2}  # the last assignment wins
    assert parse_assignments([]) == {}


@pytest.mark.parametrize("item", ["hidden", "=3", " =3", "hidden=", "hidden=  "])
def test_parse_assignments_errors(item):
    with pytest.raises(ConfigError, match="key=value"):
        parse_assignments([item])


# ---------------------------------------------------------------- TOML


def test_load_config_valid(tmp_path):
    path = tmp_path / "bench.toml"
    path.write_text(
        'task = "link"\ndatasets = ["sbm"]\nmodels = ["sage", "gcn"]\nseeds = "0-2"\n'
        "[params]\nhidden = 32\nlr = 0.01\n"
    )
    fields = load_config(path)
    assert fields == {
        "task": "link", "datasets": ["sbm"], "models": ["sage", "gcn"], "seeds": "0-2",
        "params": {"hidden": 32, "lr": 0.01},
    }
    config = BenchConfig(**fields)
    assert config.seeds == [0, 1, 2] and config.params == {"hidden": 32, "lr": 0.01}


def test_load_config_unknown_key_suggests(tmp_path):
    path = tmp_path / "bench.toml"
    path.write_text('datasts = ["sbm"]\n')
    with pytest.raises(ConfigError, match=r"unknown key 'datasts'\. Did you mean datasets\b") as info:
        load_config(path)
    assert str(path) in str(info.value) and "Valid keys:" in str(info.value)
    assert "eval_batch_size" in str(info.value)


def test_load_config_bad_toml_and_missing_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("task = link\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.toml")


# ---------------------------------------------------------------- BenchConfig validation


def test_config_validation():
    with pytest.raises(ConfigError, match="task must be 'link' or 'node'"):
        BenchConfig(task="graph")
    with pytest.raises(ConfigError, match=r"unknown preset 'fast'.*quick.*smoke"):
        BenchConfig(preset="fast")
    with pytest.raises(ConfigError, match="at least one"):
        BenchConfig(datasets=[])
    with pytest.raises(ConfigError, match="at least one"):
        BenchConfig(models=" , ")
    with pytest.raises(ConfigError, match="eval_batch_size"):
        BenchConfig(eval_batch_size=0)
    config = BenchConfig(datasets="sbm, erdos-renyi", models="sage,mf")
    assert config.datasets == ["sbm", "erdos-renyi"] and config.models == ["sage", "mf"]


# ---------------------------------------------------------------- parameters


def test_resolve_params_precedence():
    sage = get_model("link", "sage")
    assert resolve_params(sage, BenchConfig(models=["sage"])) == GNN_DEFAULTS
    smoke = resolve_params(sage, BenchConfig(models=["sage"], preset="smoke"))
    assert smoke == {**GNN_DEFAULTS, "epochs": 2, "hidden": 16, "eval_every": 1}
    explicit = resolve_params(
        sage, BenchConfig(models=["sage"], preset="smoke", params={"hidden": 8, "lr": 0.1})
    )
    assert explicit == {**GNN_DEFAULTS, "epochs": 2, "hidden": 8, "eval_every": 1, "lr": 0.1}


def test_resolve_params_typo_names_valid_keys():
    sage = get_model("link", "sage")
    with pytest.raises(ConfigError, match=r"unknown key 'hiden'\. Did you mean hidden\?") as info:
        resolve_params(sage, BenchConfig(models=["sage"], params={"hiden": 8}))
    for key in GNN_DEFAULTS:
        assert key in str(info.value)


def test_params_apply_to_the_models_that_take_them():
    config = BenchConfig(models=["sage", "cn"], params={"epochs": 3}, preset="smoke")
    assert resolve_params(get_model("link", "cn"), config) == {}
    assert resolve_params(get_model("link", "sage"), config)["epochs"] == 3
    # a key that no model of the run takes is still an error
    with pytest.raises(ConfigError, match="unknown key 'epochs'.*nothing to set"):
        resolve_params(get_model("link", "cn"), BenchConfig(models=["cn"], params={"epochs": 3}))


def test_config_hash_is_canonical():
    a = config_hash({"model": "sage", "params": {"hidden": 8, "lr": 0.1}})
    b = config_hash({"params": {"lr": 0.1, "hidden": 8}, "model": "sage"})
    assert a == b and len(a) == 12
    assert config_hash({"model": "sage", "params": {"hidden": 9, "lr": 0.1}}) != a
