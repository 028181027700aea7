"""``graphkit report DIR``: the summary table and PNG plots of a finished bench run."""

from __future__ import annotations

import json
import math
import os
from collections import defaultdict
from numbers import Real
from pathlib import Path
from typing import Any

from graphkit.bench.results import (
    ResultStore,
    format_summary,
    mean_pm_std,
    mean_std,
    metric_label,
    summarize,
)
from graphkit.errors import ConfigError
from graphkit.table import format_table

__all__ = ["render_report", "plot_learning_curves", "plot_bars", "plot_sweep", "sweep_parameter",
           "sweep_table"]

#: Config sections a sweep parameter may come from (``graphkit bench --dataset-set`` / ``--set``).
_SWEEP_SECTIONS = ("dataset_params", "params")


def render_report(directory: str | os.PathLike, plots: bool = True) -> str:
    """Rewrite ``results.jsonl``/``summary.csv`` from ``records/``, write plots, return the table."""
    store = ResultStore(directory)
    records = store.records()
    if not records:
        raise ConfigError(f"{directory} has no finished records (expected {store.records_dir}/*.json).")
    store.refresh()
    rows = summarize(records)
    text = format_summary(rows)
    sweep = sweep_parameter(records)
    if sweep is not None:
        text += "\n\n" + sweep_table(records, sweep)
    if plots:
        written = [plot_bars(rows, Path(directory) / "bars.png")]
        curves = plot_learning_curves(records, Path(directory) / "learning_curves.png")
        written += [curves] if curves else []
        if sweep is not None:
            written.append(plot_sweep(records, sweep, Path(directory) / "sweep.png"))
        text += "\n\nplots: " + ", ".join(str(p) for p in written)
    return text


def _setting(record: dict, key: str) -> Any:
    section, name = key.split(".", 1)
    return record["config"].get(section, {}).get(name)


def sweep_parameter(records: list[dict]) -> str | None:
    """The swept parameter of a run, e.g. ``'dataset_params.homophily'``, or ``None``.

    A parameter is swept when it is numeric and takes at least two values among the records of
    one (dataset, model); a run is a sweep when exactly one parameter is.
    """
    values: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for record in records:
        for section in _SWEEP_SECTIONS:
            for name, value in record["config"].get(section, {}).items():
                if isinstance(value, Real) and not isinstance(value, bool):
                    values[(f"{section}.{name}", record["dataset"], record["model"])].add(
                        json.dumps(value))
    swept = sorted({key for (key, _, _), seen in values.items() if len(seen) > 1})
    return swept[0] if len(swept) == 1 else None


def _sweep_points(records: list[dict], key: str) -> dict[str, dict[float, list[float]]]:
    """``{'dataset/model': {value: [test primary metric × 100 per seed]}}``."""
    points: dict[str, dict[float, list[float]]] = defaultdict(lambda: defaultdict(list))
    for record in records:
        value = _setting(record, key)
        if value is not None:
            test = 100 * record["metrics"]["test"][record["metric"]]
            points[f"{record['dataset']}/{record['model']}"][float(value)].append(test)
    return points


def sweep_table(records: list[dict], key: str) -> str:
    """Test mean ± std (primary metric) per value of the swept parameter, a column per model."""
    points = _sweep_points(records, key)
    labels = sorted(points)
    values = sorted({v for series in points.values() for v in series})
    body = []
    for value in values:
        cells = []
        for label in labels:
            seeds = points[label].get(value)
            if not seeds:
                cells.append("-")
                continue
            cells.append(mean_pm_std(*mean_std(seeds)))
        body.append([f"{value:g}", *cells])
    metric = metric_label(records[0]["metric"])
    return format_table([key.split(".", 1)[1], *(f"{label} test {metric}" for label in labels)], body)


def plot_sweep(records: list[dict], key: str, path: Path) -> Path:
    """Test mean ± std of the primary metric against the swept parameter, a line per model."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for label, series in sorted(_sweep_points(records, key).items()):
        xs = sorted(series)
        stats = [mean_std(series[x]) for x in xs]
        ax.errorbar(xs, [m for m, _ in stats], yerr=[0.0 if math.isnan(s) else s for _, s in stats],
                    marker="o", capsize=3, label=label)
    ax.set_xlabel(key.split(".", 1)[1])
    ax.set_ylabel("test " + metric_label(records[0]["metric"]))
    return _save(plt, fig, ax, path)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(plt, fig, ax, path: Path) -> Path:
    """Legend, tight layout, PNG at 120 dpi, figure closed."""
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


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
    return _save(plt, fig, ax, path)


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
    return _save(plt, fig, ax, path)
