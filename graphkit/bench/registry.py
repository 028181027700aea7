"""Registry of benchmark models (feature methods live in :mod:`graphkit.bench.features`).

Built-in models register themselves when their task module is imported; third-party packages
add models through the ``graphkit.models`` entry-point group, whose entries point at a
:class:`ModelSpec` or at a callable returning one or several. Later capabilities (embeddings,
WalkPool, sheaf models, rewiring) plug in here without touching the runner.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from graphkit.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover

    from graphkit.bench.job import Job, JobOutcome

__all__ = [
    "ModelSpec",
    "register_model",
    "get_model",
    "model_names",
]

ENTRY_POINT_GROUP = "graphkit.models"
# modules that register a task's built-in models on import
_TASK_MODULES = {
    "link": ("graphkit.bench.link", "graphkit.bench.link_ncn", "graphkit.bench.link_walkpool", "graphkit.bench.link_sheaf"),
    "node": ("graphkit.bench.node", "graphkit.bench.node_drew"),
}


@dataclass(frozen=True)
class ModelSpec:
    """A benchmark model: how to run one job and its default hyperparameters.

    Attributes:
        name: name used on the command line.
        task: ``'link'`` or ``'node'``.
        run: trains (if needed) and evaluates one job, returning a :class:`~graphkit.bench.job.JobOutcome`.
        defaults: every hyperparameter the model accepts with its default; ``--set`` keys are
            validated against these.
        description: one line for ``--list-models``.
    """

    name: str
    task: str
    run: Callable[[Job], JobOutcome]
    defaults: dict[str, Any] = field(default_factory=dict)
    description: str = ""


_MODELS: dict[tuple[str, str], ModelSpec] = {}
_loaded_tasks: set[str] = set()


def register_model(spec: ModelSpec) -> ModelSpec:
    """Add ``spec`` to the registry (a name registered twice for one task is an error)."""
    key = (spec.task, spec.name)
    if key in _MODELS and _MODELS[key] is not spec:
        raise ConfigError(f"model {spec.name!r} is already registered for task {spec.task!r}.")
    _MODELS[key] = spec
    return spec


def _load_task(task: str) -> None:
    if task in _loaded_tasks:
        return
    _loaded_tasks.add(task)
    for module in _TASK_MODULES.get(task, ()):
        importlib.import_module(module)
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        loaded = entry.load()
        specs = loaded() if callable(loaded) and not isinstance(loaded, ModelSpec) else loaded
        for spec in [specs] if isinstance(specs, ModelSpec) else list(specs):
            if (spec.task, spec.name) not in _MODELS:
                register_model(spec)


def model_names(task: str) -> list[str]:
    """Registered model names of ``task``."""
    _load_task(task)
    return sorted(name for t, name in _MODELS if t == task)


def get_model(task: str, name: str) -> ModelSpec:
    """The spec of ``name`` for ``task``; unknown names list the valid choices."""
    _load_task(task)
    try:
        return _MODELS[(task, name)]
    except KeyError:
        choices = ", ".join(model_names(task)) or "none"
        raise ConfigError(f"unknown {task} model {name!r}; choose one of: {choices}.") from None


def unregister(specs: Iterable[ModelSpec]) -> None:
    """Remove models (used by tests that register temporary models)."""
    for spec in specs:
        _MODELS.pop((spec.task, spec.name), None)
