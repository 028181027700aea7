"""Containers returned by the loaders: the graph, its split and its catalogue entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import torch

if TYPE_CHECKING:  # pragma: no cover
    from torch_geometric.data import Data

    from graphkit.data.catalog import DatasetInfo

__all__ = ["LinkSplit", "NodeSplit", "LoadedDataset"]


@dataclass(frozen=True)
class LinkSplit:
    """Positive and negative pairs of a link prediction split.

    Edge tensors are ``int64`` of shape ``[2, M]`` (source row, target row); an undirected
    positive edge is listed once. With ``negatives='per_positive'`` (ogbl-citation2 style, scored
    with MRR) ``valid_neg``/``test_neg`` have shape ``[P, K]``: ``K`` negative *target* ids for the
    source of each of the ``P`` positives.

    The training graph used for message passing is built from ``train_pos`` only, so no valid
    or test edge can leak into it.
    """

    train_pos: torch.Tensor
    valid_pos: torch.Tensor
    valid_neg: torch.Tensor
    test_pos: torch.Tensor
    test_neg: torch.Tensor
    train_neg: torch.Tensor | None = None
    negatives: Literal["global", "per_positive"] = "global"

    def sizes(self) -> dict[str, int]:
        """Number of pairs per part (per-positive negatives count ``P × K``)."""
        parts = {
            "train_pos": self.train_pos, "train_neg": self.train_neg,
            "valid_pos": self.valid_pos, "valid_neg": self.valid_neg,
            "test_pos": self.test_pos, "test_neg": self.test_neg,
        }
        per_positive = {"valid_neg", "test_neg"} if self.negatives == "per_positive" else set()
        return {
            key: int(pairs.numel()) if key in per_positive else int(pairs.shape[1])
            for key, pairs in parts.items()
            if pairs is not None
        }


@dataclass(frozen=True)
class NodeSplit:
    """Index tensors (``int64``, sorted, disjoint) of the train, valid and test nodes."""

    train_idx: torch.Tensor
    valid_idx: torch.Tensor
    test_idx: torch.Tensor

    def sizes(self) -> dict[str, int]:
        return {
            "train": int(self.train_idx.numel()),
            "valid": int(self.valid_idx.numel()),
            "test": int(self.test_idx.numel()),
        }


@dataclass(frozen=True)
class LoadedDataset:
    """What :func:`graphkit.data.load` returns.

    Attributes:
        name: catalogue name.
        task: ``'link'`` or ``'node'``.
        data: PyG ``Data``. For link tasks ``data.edge_index`` is the *training* graph
            (train positives, both directions); for node tasks the full graph with ``x``/``y``.
        split: :class:`LinkSplit` or :class:`NodeSplit`.
        info: the catalogue entry.
        split_id: which of several fixed splits this is (``None`` for a single/random split).
        seed: the seed of a random split (``None`` for fixed splits).
    """

    name: str
    task: Literal["link", "node"]
    data: Data
    split: LinkSplit | NodeSplit
    info: DatasetInfo
    split_id: int | None = None
    seed: int | None = None
    extra: dict = field(default_factory=dict)
