"""Benchmark results on disk: one JSON file per finished job, ``results.jsonl`` and ``summary.csv``.

Each finished job is written to ``records/<key>.json`` through a temporary file and an atomic
rename, then ``results.jsonl`` is rewritten the same way from all records. An interrupted run
therefore loses at most the job in flight, and a resumed run skips every job whose
(dataset, model, seed, config hash) record exists.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from graphkit.atomic import atomic_write_bytes
from graphkit.errors import ConfigError
from graphkit.table import format_table

__all__ = ["ResultStore", "summarize", "format_summary", "job_key", "mean_pm_std", "mean_std",
           "metric_label"]


def job_key(dataset: str, model: str, seed: int, config_hash: str) -> str:
    """File-name-safe identifier of a job."""
    return f"{dataset}__{model}__seed{seed}__{config_hash}".replace("/", "_")


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file renamed into place."""
    atomic_write_bytes(path, text.encode())


class ResultStore:
    """The records of one output directory."""

    def __init__(self, out: str | os.PathLike) -> None:
        self.out = Path(out)
        self.records_dir = self.out / "records"

    def has(self, key: str) -> bool:
        return (self.records_dir / f"{key}.json").exists()

    def read(self, key: str) -> dict[str, Any]:
        return json.loads((self.records_dir / f"{key}.json").read_text())

    def records(self) -> list[dict[str, Any]]:
        """All finished records, ordered by dataset, model and seed."""
        if not self.records_dir.exists():
            return []
        records = [json.loads(p.read_text()) for p in self.records_dir.glob("*.json")]
        return sorted(records, key=lambda r: (r["dataset"], r["model"], r["seed"], r["config_hash"]))

    def write(self, record: dict[str, Any]) -> None:
        """Store one record atomically and refresh ``results.jsonl`` and ``summary.csv``."""
        atomic_write(self.records_dir / f"{record['key']}.json", json.dumps(record, indent=1))
        self.refresh()

    def refresh(self) -> None:
        records = self.records()
        atomic_write(self.out / "results.jsonl", "".join(json.dumps(r) + "\n" for r in records))
        atomic_write(self.out / "summary.csv", summary_csv(summarize(records)))


def metric_label(name: str) -> str:
    """Display name: ``hits@20`` → ``Hits@20``, ``auc`` → ``AUC``."""
    if name.startswith("hits@"):
        return "Hits@" + name[5:]
    return {"auc": "AUC", "ap": "AP", "mrr": "MRR", "accuracy": "Accuracy"}.get(name, name)


def mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and unbiased standard deviation (``nan`` for a single value, as OGB reports)."""
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, float("nan")
    var = sum((v - mean) ** 2 for v in values) / (len(values) - 1)  # unbiased, as OGB reports
    return mean, math.sqrt(var)


def summarize(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean and unbiased std (×100) over seeds per (dataset, model, config hash, metric)."""
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        groups[(record["dataset"], record["model"], record["config_hash"])].append(record)
    rows = []
    for (dataset, model, config_hash), members in groups.items():
        for metric in members[0]["metrics"]["valid"]:
            valid = [100 * r["metrics"]["valid"][metric] for r in members]
            test = [100 * r["metrics"]["test"][metric] for r in members]
            (vm, vs), (tm, ts) = mean_std(valid), mean_std(test)
            rows.append({
                "dataset": dataset, "model": model, "config_hash": config_hash, "metric": metric,
                "primary": metric == members[0]["metric"], "valid_mean": vm, "valid_std": vs,
                "test_mean": tm, "test_std": ts, "seeds": len(members),
                "wall_time_s": sum(r["wall_time_s"] for r in members) / len(members),
            })
    return rows


def summary_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    fields = ["dataset", "model", "config_hash", "metric", "primary", "valid_mean", "valid_std",
              "test_mean", "test_std", "seeds", "wall_time_s"]
    writer = csv.DictWriter(buffer, fieldnames=fields)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def mean_pm_std(mean: float, std: float) -> str:
    """``62.10 ± 0.41``; just the mean when there is no std (a single seed)."""
    return f"{mean:.2f}" if math.isnan(std) else f"{mean:.2f} ± {std:.2f}"


def format_summary(rows: list[dict[str, Any]], primary_only: bool = True) -> str:
    """The printed table: ``Hits@20  valid 62.10 ± 0.41  test 53.90 ± 4.74  (10 seeds)``.

    A single seed has no standard deviation: its row shows the mean alone (``summary.csv``
    keeps ``nan``).
    """
    if not rows:
        raise ConfigError("no finished results to summarise.")
    body = [
        [
            row["dataset"], row["model"], metric_label(row["metric"]),
            f"valid {mean_pm_std(row['valid_mean'], row['valid_std'])}",
            f"test {mean_pm_std(row['test_mean'], row['test_std'])}",
            f"({row['seeds']} seed{'s' if row['seeds'] != 1 else ''})",
            f"{row['wall_time_s']:.1f} s/seed",
        ]
        for row in rows
        if row["primary"] or not primary_only
    ]
    return format_table(["dataset", "model", "metric", "valid", "test", "seeds", "time"], body)
