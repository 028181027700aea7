"""``graphkit.bench.run``: expand a config into jobs, run the missing ones, record everything."""

from __future__ import annotations

import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch

import graphkit
from graphkit.bench.config import BenchConfig, check_keys, config_hash
from graphkit.bench.features import (
    FeatureCache,
    compute_features,
    parse_feature_spec,
    resolve_feature_params,
)
from graphkit.bench.job import Job, PeakMemory
from graphkit.bench.registry import ModelSpec, get_model
from graphkit.bench.results import ResultStore, job_key
from graphkit.bench.rewire import make_transform, rewire_dataset
from graphkit.data import get_info, load
from graphkit.data.types import LoadedDataset
from graphkit.errors import ConfigError

__all__ = ["run", "resolve_params", "versions"]

_FIXED_SPLITS = {"fixed-10": 10, "geom-gcn": 10}


def versions() -> dict[str, str]:
    """Versions of everything that can change a result."""
    import scipy
    import torch_geometric

    return {
        "graphkit": graphkit.__version__, "torch": torch.__version__,
        "torch_geometric": torch_geometric.__version__, "numpy": np.__version__,
        "scipy": scipy.__version__, "python": sys.version.split()[0],
        "platform": platform.platform(), "torch_threads": str(torch.get_num_threads()),
    }


def resolve_params(spec: ModelSpec, config: BenchConfig) -> dict[str, Any]:
    """Model defaults, then preset values the model accepts, then explicit ``params``.

    ``config.params`` apply to every model of the run: each key must be a hyperparameter of at
    least one of ``config.models`` (a typo is a :class:`ConfigError` listing the valid keys), and
    a model that lacks it ignores it (``--epochs 5`` with ``--model sage,cn`` trains ``sage`` for
    5 epochs; the heuristic ``cn`` has no epochs).
    """
    accepted = set(spec.defaults)
    for name in config.models:
        accepted |= set(get_model(config.task, name).defaults)
    names = ", ".join(dict.fromkeys([*config.models, spec.name]))
    check_keys(config.params, accepted, f"parameters of model(s) {names}")
    params = dict(spec.defaults)
    params.update({k: v for k, v in config.preset_params().items() if k in spec.defaults})
    params.update({k: v for k, v in config.params.items() if k in spec.defaults})
    return params


def _validate(config: BenchConfig) -> list[ModelSpec]:
    specs = [get_model(config.task, name) for name in config.models]
    for name in config.datasets:
        info = get_info(name)
        if config.task not in info.tasks:
            raise ConfigError(
                f"dataset {info.name!r} has no {config.task} task (it supports "
                f"{', '.join(info.tasks)}); pick --task {info.default_task} or another dataset."
            )
    if config.features is not None:
        resolve_feature_params(parse_feature_spec(config.features), config.feature_params)
    for spec in specs:
        resolve_params(spec, config)
    if config.rewire is not None:
        make_transform(config.rewire, config.rewire_params)
    return specs


def _split_of(info_split: str, seed: int) -> tuple[int | None, int]:
    """(fixed split id, split seed): fixed-split protocols use split ``seed mod 10`` with seed i."""
    if info_split in _FIXED_SPLITS:
        return seed % _FIXED_SPLITS[info_split], seed
    return None, seed


def run(config: BenchConfig) -> list[dict[str, Any]]:
    """Run every (dataset, model, seed) job of ``config`` that has no record yet.

    Args:
        config: the benchmark configuration.

    Returns:
        The records of all jobs of ``config`` (finished now or found from an earlier run).
        Records are also in ``config.out``: ``records/``, ``results.jsonl`` and ``summary.csv``.
    """
    specs = _validate(config)
    store = ResultStore(config.out)
    progress = sys.stderr.isatty() if config.progress is None else config.progress
    seeds = config.resolved_seeds()
    finished: list[dict[str, Any]] = []
    dataset_cache: dict[tuple, LoadedDataset] = {}
    for dataset_name in config.datasets:
        info = get_info(dataset_name)
        split_kind = info.splits[config.task]
        for spec in specs:
            params = resolve_params(spec, config)
            resolved = {
                "task": config.task, "dataset": info.name, "model": spec.name, "params": params,
                "features": config.features, "eval_batch_size": config.eval_batch_size,
            }
            if config.features is not None:
                resolved["feature_params"] = resolve_feature_params(
                    parse_feature_spec(config.features), config.feature_params
                )
            if config.dataset_params:
                resolved["dataset_params"] = dict(sorted(config.dataset_params.items()))
            if config.rewire not in (None, "none"):  # the transform's repr lists every argument
                resolved["rewire"] = repr(make_transform(config.rewire, config.rewire_params))
            digest = config_hash(resolved)
            for seed in seeds:
                key = job_key(info.name, spec.name, seed, digest)
                if store.has(key):
                    finished.append(store.read(key))
                    continue
                split_id, split_seed = _split_of(split_kind, seed)
                cache_key = (info.name, split_id, split_seed if split_kind == "random" else None)
                if cache_key not in dataset_cache:
                    dataset_cache.clear()  # keep one dataset in memory at a time
                    dataset_cache[cache_key] = load(
                        info.name, config.root, task=config.task, split=split_id, seed=split_seed,
                        **config.dataset_params,
                    )
                    if config.rewire is not None:
                        dataset_cache[cache_key] = rewire_dataset(
                            dataset_cache[cache_key], config.rewire, config.rewire_params,
                            config.rewire_cache or f"{config.out}/rewire", progress,
                        )
                dataset = dataset_cache[cache_key]
                checkpoint = Path(config.out) / "checkpoints" / f"{key}.pt"
                record = _run_job(spec, dataset, params, seed, config, progress, checkpoint)
                record.update(key=key, config=resolved, config_hash=digest, split_id=split_id)
                if "rewire" in dataset.extra:  # edges before/after and the cache status
                    record["rewire"] = dataset.extra["rewire"]
                store.write(record)
                checkpoint.unlink(missing_ok=True)
                finished.append(record)
    return finished


def _run_job(
    spec: ModelSpec, dataset: LoadedDataset, params: dict[str, Any], seed: int,
    config: BenchConfig, progress: bool, checkpoint: Path,
) -> dict[str, Any]:
    torch.manual_seed(seed)
    features = None
    if config.features is not None:
        cache = FeatureCache(config.feature_cache or f"{config.out}/features")
        features = compute_features(
            dataset, config.features, config.feature_params, seed, cache, progress=progress
        )
    job = Job(
        dataset=dataset, model=spec.name, params=params, seed=seed,
        metric=dataset.info.metrics[config.task], eval_batch_size=config.eval_batch_size,
        progress=progress, features=features, checkpoint=checkpoint,
    )
    start = time.perf_counter()
    with PeakMemory() as memory:
        outcome = spec.run(job)
    wall = time.perf_counter() - start + outcome.prior_time_s
    return {
        "dataset": dataset.info.name, "task": config.task, "model": spec.name, "seed": seed,
        "metric": job.metric,
        "metrics": {"valid": outcome.valid, "test": outcome.test,
                    **({"train": outcome.train} if outcome.train else {})},
        "best_epoch": outcome.best_epoch, "epochs_run": outcome.epochs_run,
        "num_params": outcome.num_params, "wall_time_s": round(wall, 3),
        "peak_rss_mb": None if memory.peak_bytes is None else round(memory.peak_bytes / 2**20, 1),
        "history": outcome.history, "versions": versions(),
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
