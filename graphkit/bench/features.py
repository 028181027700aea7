"""Input features for benchmark models: embeddings from :mod:`graphkit.embed`, cached on disk.

``--features fastrp`` replaces a dataset's node features by a FastRP embedding; ``orbits+fastrp``
concatenates several methods column-wise. Each method is a function of :mod:`graphkit.embed`
whose keyword arguments (other than ``graph`` and ``seed``) are its parameters; their defaults are
the function's own, overridden by ``feature_params`` (``dim=256`` for every method that has a
``dim``, ``fastrp.dim=256`` for one method only).

Features are computed from ``dataset.data``: for link tasks its ``edge_index`` is the *training*
graph, so valid and test edges never leak into the embedding. Results are cached as ``.npy``
(never pickle) under a key that hashes the dataset, the exact input graph (which pins the split),
the method, its resolved parameters and the seed; files are written atomically, so an interrupted
run never leaves a truncated cache entry, and a rerun reuses what was computed.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from graphkit.atomic import atomic_open, atomic_write_bytes
from graphkit.bench.config import check_keys
from graphkit.data.types import LoadedDataset
from graphkit.errors import ConfigError

__all__ = [
    "FeatureMethod",
    "FEATURE_METHODS",
    "feature_names",
    "get_feature_method",
    "register_features",
    "parse_feature_spec",
    "resolve_feature_params",
    "FeatureCache",
    "save_array",
    "compute_features",
]

_EXCLUDED_ARGUMENTS = ("graph", "seed")


@dataclass(frozen=True)
class FeatureMethod:
    """A node-feature method: ``function(graph, seed=..., **params) -> array [num_nodes, d]``.

    Attributes:
        name: the name used on the command line (``--features NAME``).
        target: ``'module:function'`` (imported only when the method is used) or the function.
        description: one line for ``graphkit bench --list-features``.
        uses_seed: whether the result depends on the seed (it is then part of the cache key).
    """

    name: str
    target: str | Callable[..., Any]
    description: str
    uses_seed: bool = True

    def function(self) -> Callable[..., Any]:
        if callable(self.target):
            return self.target
        module, attribute = self.target.split(":")
        return getattr(importlib.import_module(module), attribute)

    @property
    def target_name(self) -> str:
        if isinstance(self.target, str):
            return self.target
        return f"{self.target.__module__}:{self.target.__qualname__}"

    def defaults(self) -> dict[str, Any]:
        """The function's tunable parameters and their defaults.

        These are the positional-or-keyword parameters with a plain-data default (number,
        string, bool, ``None`` or a tuple of those), other than ``graph`` and ``seed``;
        keyword-only parameters and object defaults (a dtype) are left to the function.
        """
        signature = inspect.signature(self.function())
        return {
            name: parameter.default
            for name, parameter in signature.parameters.items()
            if name not in _EXCLUDED_ARGUMENTS
            and parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
            and _is_plain(parameter.default)
        }

    def compute(self, graph: Any, params: dict[str, Any], seed: int, progress: bool = False) -> np.ndarray:
        """Run the function; ``progress`` is passed on to functions with a ``progress`` keyword."""
        function = self.function()
        arguments = dict(params, seed=seed) if self.uses_seed else dict(params)
        if "progress" in inspect.signature(function).parameters:
            arguments["progress"] = progress
        result = function(graph, **arguments)
        array = result.numpy() if isinstance(result, torch.Tensor) else np.asarray(result)
        return np.ascontiguousarray(array, dtype=np.float32)


def _is_plain(value: Any) -> bool:
    if isinstance(value, (tuple, list)):
        return all(_is_plain(item) for item in value)
    return value is None or isinstance(value, (bool, int, float, str))


FEATURE_METHODS: dict[str, FeatureMethod] = {}


def register_features(method: FeatureMethod) -> FeatureMethod:
    """Add a feature method (a name registered twice with a different target is an error)."""
    known = FEATURE_METHODS.get(method.name)
    if known is not None and known != method:
        raise ConfigError(f"feature method {method.name!r} is already registered ({known.target_name}).")
    FEATURE_METHODS[method.name] = method
    return method


for _method in (
    FeatureMethod("fastrp", "graphkit.embed.fastrp:fastrp",
                  "FastRP very sparse random projection embedding (Chen et al. 2019)"),
    FeatureMethod("node2vec", "graphkit.embed.skipgram:node2vec",
                  "node2vec biased walks + skip-gram (Grover & Leskovec 2016)"),
    FeatureMethod("deepwalk", "graphkit.embed.skipgram:deepwalk",
                  "DeepWalk uniform walks + skip-gram (Perozzi et al. 2014)"),
    FeatureMethod("orbits", "graphkit.embed.orbit_embedding:orbit_features",
                  "log-scaled graphlet orbit counts (graphlet degree vectors)", uses_seed=False),
    FeatureMethod("orbit-adjacency", "graphkit.embed.orbit_embedding:orbit_adjacency_embedding",
                  "low-rank PPMI factors of the GRADCO orbit adjacency matrices"),
):
    register_features(_method)


def feature_names() -> list[str]:
    return sorted(FEATURE_METHODS)


def get_feature_method(name: str) -> FeatureMethod:
    try:
        return FEATURE_METHODS[name]
    except KeyError:
        choices = ", ".join(feature_names())
        raise ConfigError(
            f"unknown feature method {name!r} in --features; choose one of: {choices} "
            "(join several with '+', e.g. orbits+fastrp)."
        ) from None


def parse_feature_spec(spec: str) -> list[FeatureMethod]:
    """``'orbits+fastrp'`` → the two methods, in order (a repeated name is an error)."""
    names = [part.strip() for part in spec.split("+")]
    if not all(names):
        raise ConfigError(f"--features {spec!r} has an empty method name; write e.g. 'orbits+fastrp'.")
    if len(set(names)) != len(names):
        raise ConfigError(f"--features {spec!r} repeats a method.")
    return [get_feature_method(name) for name in names]


def resolve_feature_params(
    methods: list[FeatureMethod], overrides: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Each method's parameters: its defaults, then ``key`` and ``method.key`` overrides.

    Raises:
        ConfigError: an override that no selected method accepts (the message lists the keys).
    """
    defaults = {method.name: method.defaults() for method in methods}
    accepted = {key for values in defaults.values() for key in values}
    accepted |= {f"{name}.{key}" for name, values in defaults.items() for key in values}
    check_keys(overrides, accepted, "feature parameters of " + "+".join(defaults))
    resolved = {}
    for name, values in defaults.items():
        params = dict(values)
        params.update({k: v for k, v in overrides.items() if k in values})
        params.update({k.split(".", 1)[1]: v for k, v in overrides.items() if k.startswith(name + ".")})
        resolved[name] = params
    return resolved


def graph_digest(structure: Any) -> str:
    """SHA-256 of the exact input graph: node count, edge list and edge weights if any."""
    digest = hashlib.sha256(str(structure.num_nodes).encode())
    digest.update(np.ascontiguousarray(structure.edge_index.numpy(), dtype=np.int64).tobytes())
    if getattr(structure, "edge_weight", None) is not None:
        digest.update(np.ascontiguousarray(structure.edge_weight.numpy(), dtype=np.float64).tobytes())
    return digest.hexdigest()


class FeatureCache:
    """``.npy`` files keyed by a hash of everything that determines the features.

    Layout: ``directory / dataset / f'{method}-{key[:16]}.npy'`` with a ``.json`` beside it
    that holds the full key (readable provenance).
    """

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)

    def path(self, dataset: str, method: str, key: dict[str, Any]) -> Path:
        digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()
        return self.directory / dataset.replace("/", "_") / f"{method}-{digest[:16]}.npy"

    def load(self, path: Path) -> np.ndarray | None:
        return np.load(path, allow_pickle=False) if path.exists() else None

    def save(self, path: Path, array: np.ndarray, key: dict[str, Any]) -> None:
        save_array(path, array)
        text = json.dumps(key, sort_keys=True, indent=1, default=str).encode()
        atomic_write_bytes(path.with_suffix(".json"), text)


def save_array(path: str | os.PathLike, array: np.ndarray) -> None:
    """``np.save`` without pickle, through a temporary file renamed into place (atomic)."""
    with atomic_open(path) as handle:
        np.save(handle, array, allow_pickle=False)


def compute_features(
    dataset: LoadedDataset,
    spec: str,
    params: dict[str, Any],
    seed: int,
    cache: FeatureCache | None = None,
    progress: bool = False,
) -> torch.Tensor:
    """The features of ``spec`` for ``dataset`` (float32 ``[num_nodes, d]``), cached when asked.

    Args:
        dataset: a loaded dataset; features come from ``dataset.data.edge_index`` (for link
            tasks the training graph) and ``dataset.data.num_nodes``.
        spec: method names joined by ``'+'`` (``'fastrp'``, ``'orbits+fastrp'``).
        params: overrides (``key`` or ``method.key``), see :func:`resolve_feature_params`.
        seed: seed of the seeded methods.
        cache: where to keep computed features (``None``: no cache).
        progress: show the progress bars of methods that have one.
    """
    methods = parse_feature_spec(spec)
    resolved = resolve_feature_params(methods, params)
    data = dataset.data
    structure = graph_structure(data)
    graph_hash = graph_digest(structure)
    blocks = []
    for method in methods:
        key = {
            "dataset": dataset.info.name, "task": dataset.task, "graph_sha256": graph_hash,
            "method": method.name, "target": method.target_name, "params": resolved[method.name],
            "seed": seed if method.uses_seed else None,
        }
        path = cache.path(dataset.info.name, method.name, key) if cache is not None else None
        block = cache.load(path) if cache is not None else None
        if block is None:
            block = method.compute(structure, resolved[method.name], seed, progress)
            if block.shape[0] != data.num_nodes:
                raise ConfigError(
                    f"feature method {method.name!r} returned {block.shape[0]} rows for a graph "
                    f"of {data.num_nodes} nodes."
                )
            if cache is not None:
                cache.save(path, block, key)
        blocks.append(block)
    return torch.from_numpy(np.concatenate(blocks, axis=1) if len(blocks) > 1 else blocks[0])


def graph_structure(data: Any) -> Any:
    """The structure of ``data`` only (edges, node count, edge weights when present)."""
    from torch_geometric.data import Data

    structure = Data(edge_index=data.edge_index, num_nodes=data.num_nodes)
    if getattr(data, "edge_weight", None) is not None:
        structure.edge_weight = data.edge_weight
    return structure
