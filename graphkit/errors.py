"""Exceptions raised by graphkit.

Every error names the bad argument, what was expected and what to do about it. All of them
derive from :class:`GraphkitError`, itself a :class:`ValueError`, so callers can catch either.
"""

from __future__ import annotations

__all__ = [
    "GraphkitError",
    "GraphInputError",
    "DatasetError",
    "DatasetNotFoundError",
    "ChecksumError",
    "FileFormatError",
    "ConfigError",
]


class GraphkitError(ValueError):
    """Base class of every error graphkit raises on purpose."""


class GraphInputError(GraphkitError):
    """A graph input (edge_index, matrix, networkx graph, array) is malformed."""


class DatasetError(GraphkitError):
    """A dataset name, split or option is unknown or unsupported."""


class DatasetNotFoundError(DatasetError, FileNotFoundError):
    """A dataset's files are missing from the data root and cannot be downloaded."""


class ChecksumError(GraphkitError):
    """A downloaded or cached file does not match its recorded SHA-256."""


class FileFormatError(GraphkitError):
    """A user file (edge list, .mat, .npz) is malformed; the message names file and line."""


class ConfigError(GraphkitError):
    """A benchmark configuration key or value is invalid."""
