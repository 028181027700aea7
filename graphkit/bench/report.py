"""``graphkit report DIR``: the summary table and PNG plots of a finished bench run."""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

from graphkit.bench.results import ResultStore, format_summary, metric_label, summarize
from graphkit.errors import ConfigError

__all__ = ["render_report", "plot_learning_curves", "plot_bars"]


def render_report(directory: str | os.PathLike, plots: bool = True) -> str:
    """Rewrite ``results.jsonl``/``summary.csv`` from ``records/``, write plots, return the table."""
    store = ResultStore(directory)
    records = store.records()
    if not records:
        raise ConfigError(f"{directory} has no finished records (expected {store.records_dir}/*.json).")
    store.refresh()
    rows = summarize(records)
    text = format_summary(rows)
    if plots:
        written = [plot_bars(rows, Path(directory) / "bars.png")]
        curves = plot_learning_curves(records, Path(directory) / "learning_curves.png")
        written += [curves] if curves else []
        text += "\n\nplots: " + ", ".join(str(p) for p in written)
    return text


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_bars(rows: list[dict], path: Path) -> Path:
    """Test (and valid) mean ± std of the primary metric per dataset and model."""
    plt = _pyplot()
    primary = [r for r in rows if r["primary"]]
    labels = [f"{r['dataset']}\n{r['model']}" for r in primary]
    positions = range(len(primary))
    fig, ax = plt.subplots(figsize=(max(4, 1.2 * len(primary)), 3.5))
    width = 0.38
    ax.bar([i - width / 2 for i in positions], [r["valid_mean"] for r in primary], width,
           yerr=[r["valid_std"] for r in primary], label="valid", capsize=3)
    ax.bar([i + width / 2 for i in positions], [r["test_mean"] for r in primary], width,
           yerr=[r["test_std"] for r in primary], label="test", capsize=3)
    ax.set_xticks(list(positions), labels, fontsize=8)
    ax.set_ylabel(" / ".join(sorted({metric_label(r["metric"]) for r in primary})))
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_learning_curves(records: list[dict], path: Path) -> Path | None:
    """Valid metric per evaluated epoch, one line per (dataset, model) averaged over seeds."""
    curves: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for record in records:
        for point in record.get("history", []):
            curves[f"{record['dataset']}/{record['model']}"][point["epoch"]].append(100 * point["valid"])
    if not curves:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for label, points in sorted(curves.items()):
        epochs = sorted(points)
        ax.plot(epochs, [sum(points[e]) / len(points[e]) for e in epochs], label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("valid " + metric_label(records[0]["metric"]))
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
