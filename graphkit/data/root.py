"""Where datasets live: the data root and graphkit's own writable cache.

Resolution order of the data root: an explicit ``root=`` / ``--root``, then the
``GRAPHKIT_DATA`` environment variable, then ``$XDG_CACHE_HOME/graphkit/datasets``
(``~/.cache/graphkit/datasets``). The data root may be read-only (a shared copy of the data):
anything graphkit derives from raw files (processed PyG files, caches) goes to
:func:`cache_dir`, which is ``GRAPHKIT_CACHE`` or ``~/.cache/graphkit``.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["data_root", "cache_dir"]


def _xdg_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The data root: ``root`` if given, else ``$GRAPHKIT_DATA``, else the default cache."""
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get("GRAPHKIT_DATA")
    if env:
        return Path(env).expanduser()
    return _xdg_cache() / "graphkit" / "datasets"


def cache_dir(*parts: str) -> Path:
    """A writable directory under ``$GRAPHKIT_CACHE`` (default ``~/.cache/graphkit``), created."""
    base = Path(os.environ.get("GRAPHKIT_CACHE") or _xdg_cache() / "graphkit").expanduser()
    path = base.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
