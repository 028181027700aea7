"""Benchmark runner: ``graphkit.bench.run(BenchConfig(...))`` is what ``graphkit bench`` calls."""

from graphkit.bench.config import PRESETS, BenchConfig
from graphkit.bench.features import FeatureMethod, register_features
from graphkit.bench.job import Job, JobOutcome
from graphkit.bench.registry import (
    ModelSpec,
    get_model,
    model_names,
    register_model,
)
from graphkit.bench.runner import run

__all__ = [
    "PRESETS",
    "BenchConfig",
    "Job",
    "JobOutcome",
    "FeatureMethod",
    "ModelSpec",
    "get_model",
    "model_names",
    "register_features",
    "register_model",
    "run",
]
