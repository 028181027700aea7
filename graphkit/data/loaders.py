"""``graphkit.data.load``: one entry point that dispatches to the loader named in the catalogue.

A loader is a function ``(info, root, *, task, split_id, seed, download, **options) ->
LoadedDataset`` living in one of the modules below; it is imported only when used.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from graphkit.data.catalog import get_info
from graphkit.data.root import data_root
from graphkit.data.types import LoadedDataset
from graphkit.errors import DatasetError

__all__ = ["load"]

_LOADERS = {
    "ogb_link": "graphkit.data.ogb:load_ogb_link",
    "ogb_node": "graphkit.data.ogb:load_ogb_node",
    "planetoid": "graphkit.data.classic:load_planetoid",
    "webkb": "graphkit.data.classic:load_webkb",
    "actor": "graphkit.data.classic:load_actor",
    "blogcatalog": "graphkit.data.classic:load_blogcatalog",
    "walkpool": "graphkit.data.classic:load_walkpool",
    "synthetic": "graphkit.data.synthetic:load_synthetic",
    "oversquashing": "graphkit.data.oversquashing:load_oversquashing",
}


def load(
    name: str,
    root: str | os.PathLike | None = None,
    *,
    task: str | None = None,
    split: int | None = None,
    seed: int = 0,
    download: bool = False,
    **options: Any,
) -> LoadedDataset:
    """Load a catalogue dataset with its split.

    Args:
        name: catalogue name (``graphkit datasets list``).
        root: data root; default ``$GRAPHKIT_DATA`` then ``~/.cache/graphkit/datasets``.
        task: ``'link'`` or ``'node'``; default the dataset's first task.
        split: which fixed split to use for datasets that ship several (geom-gcn, WalkPool:
            0..9); default 0. Ignored by datasets with one official split.
        seed: seed of random splits and synthetic generators.
        download: download missing files (never done implicitly).
        **options: loader options (split ratios, generator parameters); unknown keys are errors.

    Returns:
        The :class:`~graphkit.data.types.LoadedDataset`.
    """
    info = get_info(name)
    task = task or info.default_task
    if task not in info.tasks:
        raise DatasetError(
            f"dataset {info.name!r} has no {task!r} task; it supports: {', '.join(info.tasks)}."
        )
    module_name, func_name = _LOADERS[info.loader].split(":")
    loader = getattr(importlib.import_module(module_name), func_name)
    return loader(
        info, data_root(root), task=task, split_id=split, seed=seed, download=download, **options
    )
