"""Benchmark configuration: one dataclass, built from Python, a TOML file or the command line.

Precedence (lowest first): the model's defaults, the preset, the TOML file, ``--set`` overrides
and explicit arguments (``--epochs``). Every key is validated: a typo is an error that lists the
valid keys, never silently ignored.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphkit.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["BenchConfig", "PRESETS", "parse_seeds", "parse_assignments", "load_config", "config_hash"]

# Presets change model hyperparameters (params) and run-level fields (seeds).
PRESETS: dict[str, dict[str, Any]] = {
    "quick": {
        "seeds": [0, 1],
        "params": {"epochs": 10, "hidden": 128, "batch_size": 65536, "eval_every": 2},
    },
    "smoke": {"seeds": [0], "params": {"epochs": 2, "hidden": 16, "eval_every": 1}},
}


@dataclass
class BenchConfig:
    """Everything a benchmark run needs.

    Attributes:
        task: ``'link'`` or ``'node'``.
        datasets: catalogue names.
        models: registered model names (``graphkit bench --list-models``).
        seeds: seeds to run; ``None`` means the protocol default (10 seeds: 0-9).
        params: hyperparameter overrides applied to every model (``hidden=128``...).
        root: data root (default: ``$GRAPHKIT_DATA``, then ``~/.cache/graphkit/datasets``).
        out: output directory (``results.jsonl``, ``summary.csv``, plots).
        preset: name of a preset in :data:`PRESETS` (applied below the explicit fields).
        eval_batch_size: pairs scored per batch at evaluation.
        features: feature method(s) used as node input features (``'fastrp'``, ``'orbits+fastrp'``;
            ``graphkit bench --list-features``).
        feature_params: parameters of the feature methods (``dim=256`` or ``fastrp.dim=256``).
        feature_cache: directory of cached features (default: ``out / 'features'``).
        progress: show progress bars (default: only when stderr is a terminal).
        rewire: rewiring method applied to the message-passing graph after loading
            (``graphkit.bench.rewire.REWIRING_METHODS``: none, sdrf, fosr, borf, gtr, laser).
        rewire_params: arguments of the rewiring transform (``rho=0.25``...).
        rewire_cache: directory of cached rewired graphs (default: ``out / 'rewire'``).
        dataset_params: loader options passed to :func:`graphkit.data.load` for every dataset
            (split ratios, generator parameters such as ``homophily=0.3``, the message-passing
            ``direction`` of a stored directed graph); unknown keys are a loader error.
    """

    task: str = "link"
    datasets: list[str] = field(default_factory=lambda: ["ogbl-ddi"])
    models: list[str] = field(default_factory=lambda: ["sage"])
    seeds: list[int] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    root: str | None = None
    out: str = "runs/bench"
    preset: str | None = None
    eval_batch_size: int = 65536
    features: str | None = None
    feature_params: dict[str, Any] = field(default_factory=dict)
    feature_cache: str | None = None
    progress: bool | None = None
    rewire: str | None = None
    rewire_params: dict[str, Any] = field(default_factory=dict)
    rewire_cache: str | None = None
    dataset_params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.task not in ("link", "node"):
            raise ConfigError(f"task must be 'link' or 'node'; got {self.task!r}.")
        if isinstance(self.datasets, str):
            self.datasets = _split_names(self.datasets)
        if isinstance(self.models, str):
            self.models = _split_names(self.models)
        if isinstance(self.seeds, str):
            self.seeds = parse_seeds(self.seeds)
        elif self.seeds is not None:
            _check_seed_list(self.seeds)
        if not self.datasets or not self.models:
            raise ConfigError("datasets and models must each name at least one entry.")
        if self.preset is not None and self.preset not in PRESETS:
            raise ConfigError(f"unknown preset {self.preset!r}; choose one of {sorted(PRESETS)}.")
        if self.eval_batch_size < 1:
            raise ConfigError(f"eval_batch_size must be >= 1; got {self.eval_batch_size}.")
        if self.feature_params and self.features is None:
            raise ConfigError("feature_params are set but no --features method is chosen.")
        if self.rewire_params and self.rewire is None:
            raise ConfigError("rewire_params are set but no --rewire method is chosen.")

    def resolved_seeds(self) -> list[int]:
        """The explicit seeds, else the preset's, else the protocol default 0-9."""
        if self.seeds is not None:
            return list(self.seeds)
        if self.preset is not None and "seeds" in PRESETS[self.preset]:
            return list(PRESETS[self.preset]["seeds"])
        return list(range(10))

    def preset_params(self) -> dict[str, Any]:
        return dict(PRESETS[self.preset].get("params", {})) if self.preset else {}


def _split_names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _check_seed_list(seeds: Any) -> None:
    if (
        not isinstance(seeds, (list, tuple))
        or not seeds
        or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds)
    ):
        raise ConfigError(
            f"seeds must be a non-empty list of non-negative integers or a string like '0-9'; "
            f"got {seeds!r}."
        )
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"seeds {list(seeds)!r} repeats a seed.")


def parse_seeds(text: str) -> list[int]:
    """``'0-9'`` → 0..9, ``'1,3,5'`` → [1, 3, 5], ``'0-2,7'`` → [0, 1, 2, 7]."""
    seeds: list[int] = []
    try:
        for part in _split_names(text):
            if "-" in part:
                low, high = (int(v) for v in part.split("-", 1))
                if high < low:
                    raise ValueError
                seeds.extend(range(low, high + 1))
            else:
                seeds.append(int(part))
    except ValueError:
        raise ConfigError(
            f"seeds {text!r} is not understood; use a range '0-9', a list '1,3,5' or both '0-2,7'."
        ) from None
    if not seeds:
        raise ConfigError("seeds must name at least one seed (e.g. '0-9').")
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"seeds {text!r} repeats a seed.")
    return seeds


def parse_assignments(items: list[str]) -> dict[str, Any]:
    """``['hidden=128', 'lr=0.01', 'predictor=dot']`` → typed dict (TOML value syntax, bare strings ok)."""
    params: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key or not raw.strip():
            raise ConfigError(f"--set expects key=value (e.g. hidden=128); got {item!r}.")
        try:
            params[key] = tomllib.loads(f"v = {raw.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            params[key] = raw.strip()
    return params


_FIELDS = {f.name for f in dataclasses.fields(BenchConfig)}


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a TOML file into :class:`BenchConfig` keyword arguments (unknown keys are errors).

    Example::

        task = "link"
        datasets = ["ogbl-ddi"]
        models = ["sage", "gcn"]
        seeds = "0-9"
        [params]
        hidden = 256
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist.") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {path} is not valid TOML: {error}.") from None
    check_keys(raw, _FIELDS, f"config file {path}")
    return raw


def check_keys(values: dict[str, Any], valid: set[str], where: str) -> None:
    """Raise :class:`ConfigError` for the first key not in ``valid``, suggesting close matches."""
    for key in values:
        if key not in valid:
            close = difflib.get_close_matches(key, sorted(valid), n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise ConfigError(
                f"{where}: unknown key {key!r}.{hint} "
                f"Valid keys: {', '.join(sorted(valid)) or 'none (nothing to set)'}."
            )


def config_hash(resolved: dict[str, Any]) -> str:
    """Short SHA-256 of a resolved job configuration (canonical JSON)."""
    text = json.dumps(resolved, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]
