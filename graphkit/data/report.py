"""Human-readable summaries of loaded datasets (used by ``graphkit datasets info``)."""

from __future__ import annotations

from graphkit.data.types import LinkSplit, LoadedDataset
from graphkit.graph import as_graph

__all__ = ["dataset_summary"]


def dataset_summary(loaded: LoadedDataset) -> list[tuple[str, str]]:
    """``(property, value)`` rows: catalogue metadata and statistics measured on the data."""
    info, data = loaded.info, loaded.data
    rows = [
        ("name", info.name),
        ("task", loaded.task),
        ("metric", info.metrics[loaded.task]),
        ("split", info.splits[loaded.task] + _split_suffix(loaded)),
        ("source", info.source),
        ("license", info.license),
        ("nodes", f"{data.num_nodes:,}"),
    ]
    if loaded.task == "link":
        assert isinstance(loaded.split, LinkSplit)
        rows += [(_LINK_LABELS[k], f"{v:,}") for k, v in loaded.split.sizes().items()]
    else:
        graph = as_graph(data, directed=False)
        rows.append(("edges (undirected)", f"{graph.num_undirected_edges:,}"))
        if getattr(data, "x", None) is not None:
            rows.append(("features", f"{data.x.size(1):,}"))
        rows += [(f"{k} nodes", f"{v:,}") for k, v in loaded.split.sizes().items()]
    return rows


_LINK_LABELS = {
    "train_pos": "train edges",
    "train_neg": "train negatives",
    "valid_pos": "valid positives",
    "valid_neg": "valid negatives",
    "test_pos": "test positives",
    "test_neg": "test negatives",
}


def _split_suffix(loaded: LoadedDataset) -> str:
    if loaded.split_id is not None:
        return f" (split {loaded.split_id})"
    if loaded.seed is not None:
        return f" (seed {loaded.seed})"
    return ""
