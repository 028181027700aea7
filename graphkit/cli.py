"""The ``graphkit`` command line: a thin layer over the Python API.

Every command parses its arguments and calls one function of ``graphkit.data``,
``graphkit.bench`` or ``graphkit.embed``; nothing here computes anything itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

import graphkit
from graphkit.errors import GraphkitError
from graphkit.table import format_table

app = typer.Typer(
    name="graphkit",
    help="Graph learning toolkit: benchmarks, datasets, embeddings.",
    no_args_is_help=True,
    add_completion=False,
)
datasets_app = typer.Typer(help="List and inspect the dataset catalogue.", no_args_is_help=True)
app.add_typer(datasets_app, name="datasets")

RootOption = typer.Option(
    None, "--root", help="Data root (default: $GRAPHKIT_DATA, then ~/.cache/graphkit/datasets)."
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"graphkit {graphkit.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """graphkit command line."""


@datasets_app.command("list")
def datasets_list(
    task: str | None = typer.Option(None, "--task", help="Only datasets with this task."),
) -> None:
    """List the catalogue: name, tasks, metric, split and description."""
    from graphkit.data.catalog import CATALOG

    rows = [
        [
            info.name,
            ",".join(info.tasks),
            ",".join(f"{t}:{m}" for t, m in info.metrics.items()),
            ",".join(f"{t}:{s}" for t, s in info.splits.items()),
            info.description,
        ]
        for info in CATALOG.values()
        if task is None or task in info.tasks
    ]
    typer.echo(format_table(["name", "tasks", "metric", "split", "description"], rows))


@datasets_app.command("info")
def datasets_info(
    name: str = typer.Argument(..., help="Catalogue name, e.g. ogbl-ddi."),
    root: Path | None = RootOption,
    task: str | None = typer.Option(None, "--task", help="link or node (default: first task)."),
    split: int | None = typer.Option(None, "--split", help="Fixed split index (0-9)."),
    seed: int = typer.Option(0, "--seed", help="Seed of a random split / generator."),
    download: bool = typer.Option(False, "--download", help="Download missing files."),
) -> None:
    """Load a dataset and print its metadata and measured statistics as a table."""
    from graphkit.data import load
    from graphkit.data.report import dataset_summary

    loaded = load(name, root, task=task, split=split, seed=seed, download=download)
    typer.echo(format_table(["property", "value"], dataset_summary(loaded)))


@app.command("bench")
def bench(
    task: str | None = typer.Option(None, "--task", help="link (default) or node."),
    dataset: str | None = typer.Option(None, "--dataset", help="Dataset name(s), comma separated."),
    model: str | None = typer.Option(None, "--model", help="Model name(s), comma separated."),
    seeds: str | None = typer.Option(None, "--seeds", help="Seeds: '0-9', '1,3,5' (default 0-9)."),
    epochs: int | None = typer.Option(None, "--epochs", help="Training epochs (overrides the model)."),
    root: Path | None = RootOption,
    out: Path | None = typer.Option(None, "--out", help="Output directory (default runs/bench)."),
    config: Path | None = typer.Option(None, "--config", help="TOML file with BenchConfig fields."),
    overrides: list[str] = typer.Option([], "--set", help="Hyperparameter override key=value."),
    preset: str | None = typer.Option(None, "--preset", help="quick (minutes) or smoke (seconds)."),
    eval_batch_size: int | None = typer.Option(None, "--eval-batch-size", help="Pairs per eval batch."),
    features: str | None = typer.Option(
        None, "--features", help="Input features: fastrp, node2vec, deepwalk, orbits, orbit-adjacency or A+B."
    ),
    feature_overrides: list[str] = typer.Option(
        [], "--feature-set", help="Feature parameter key=value or method.key=value."
    ),
    list_models: bool = typer.Option(False, "--list-models", help="List the task's models and exit."),
    list_features: bool = typer.Option(False, "--list-features", help="List feature methods and exit."),
    progress: bool | None = typer.Option(None, "--progress/--no-progress", help="Progress bars."),
    rewire: str | None = typer.Option(
        None, "--rewire", help="Rewire the graph first: none, sdrf, fosr, borf, gtr, laser."
    ),
    rewire_overrides: list[str] = typer.Option([], "--rewire-set", help="Rewiring parameter key=value."),
    dataset_overrides: list[str] = typer.Option(
        [], "--dataset-set", help="Dataset loader option key=value (split ratio, generator parameter)."
    ),
) -> None:
    """Train and evaluate models over seeds; write results.jsonl and summary.csv, print the table."""
    from graphkit.bench import BenchConfig, run
    from graphkit.bench.config import load_config, parse_assignments
    from graphkit.bench.registry import get_model, model_names
    from graphkit.bench.results import format_summary, summarize

    if list_features:
        _print_feature_methods()
        return
    if list_models:
        task = task or "link"
        rows = [[n, get_model(task, n).description] for n in model_names(task)]
        typer.echo(format_table(["model", "description"], rows))
        return
    fields = load_config(config) if config is not None else {}
    params = dict(fields.pop("params", {}))
    params.update(parse_assignments(overrides))
    if epochs is not None:
        params["epochs"] = epochs
    feature_params = dict(fields.pop("feature_params", {}))
    feature_params.update(parse_assignments(feature_overrides))
    if rewire_overrides:
        fields["rewire_params"] = {**fields.get("rewire_params", {}), **parse_assignments(rewire_overrides)}
    if dataset_overrides:
        fields["dataset_params"] = {**fields.get("dataset_params", {}),
                                    **parse_assignments(dataset_overrides)}
    explicit = {
        "task": task, "datasets": dataset, "models": model, "seeds": seeds, "root": root,
        "out": out, "preset": preset, "eval_batch_size": eval_batch_size, "features": features,
        "progress": progress, "rewire": rewire,
    }
    fields.update({k: (str(v) if isinstance(v, Path) else v) for k, v in explicit.items() if v is not None})
    records = run(BenchConfig(**fields, params=params, feature_params=feature_params))
    typer.echo(format_summary(summarize(records)))


def _print_feature_methods() -> None:
    from graphkit.bench.features import FEATURE_METHODS

    rows = [[m.name, m.description, m.target_name] for m in FEATURE_METHODS.values()]
    typer.echo(format_table(["features", "description", "function"], rows))


@app.command("embed")
def embed(
    method: str = typer.Argument(..., help="fastrp, node2vec, deepwalk, orbits, orbit-adjacency, or A+B to concatenate."),
    dataset: str = typer.Option(..., "--dataset", help="Catalogue name, e.g. blogcatalog."),
    out: Path = typer.Option(..., "--out", help="Output .npy file: num_nodes x d, float32."),
    root: Path | None = RootOption,
    task: str | None = typer.Option(
        None, "--task", help="link embeds the training graph only; node the full graph (default: "
        "the dataset's first task)."
    ),
    split: int | None = typer.Option(None, "--split", help="Fixed split index (0-9)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the embedding (and of a random split)."),
    overrides: list[str] = typer.Option([], "--set", help="Method parameter key=value."),
) -> None:
    """Embed a dataset's graph and save the embedding as .npy (no pickle)."""
    from graphkit.bench.config import parse_assignments
    from graphkit.bench.features import compute_features, save_array
    from graphkit.data import load

    if out.suffix != ".npy":
        raise GraphkitError(f"--out {str(out)!r} must end in .npy (embeddings are saved with numpy).")
    loaded = load(dataset, root, task=task, split=split, seed=seed)
    features = compute_features(
        loaded, method, parse_assignments(overrides), seed, progress=sys.stderr.isatty()
    )
    save_array(out, features.numpy())
    graph = "training graph" if loaded.task == "link" else "graph"
    typer.echo(
        f"{method} embedding of the {loaded.name} {graph} ({loaded.data.num_nodes:,} nodes): "
        f"{tuple(features.shape)} float32 -> {out}"
    )


@app.command("rewire")
def rewire_command(
    method: str = typer.Argument(..., help="none, sdrf, fosr, borf, gtr or laser."),
    dataset: str = typer.Option(..., "--dataset", help="Catalogue name, e.g. cornell."),
    out: Path = typer.Option(..., "--out", help="Output file for the rewired edge_index [2, E]: .npy or .pt."),
    root: Path | None = RootOption,
    task: str | None = typer.Option(
        None, "--task", help="link rewires the training graph only; node the full graph (default: "
        "the dataset's first task)."
    ),
    split: int | None = typer.Option(None, "--split", help="Fixed split index (0-9)."),
    seed: int = typer.Option(0, "--seed", help="Seed of a random split / generator."),
    overrides: list[str] = typer.Option([], "--set", help="Rewiring parameter key=value (seed=... too)."),
) -> None:
    """Rewire a dataset's graph, print before/after diagnostics and save the rewired edge_index."""
    from graphkit.bench.config import parse_assignments
    from graphkit.bench.rewire import (
        edge_changes,
        graph_diagnostics,
        rewire_dataset,
        save_edge_index,
    )
    from graphkit.data import load

    if out.suffix not in (".npy", ".pt"):
        raise GraphkitError(f"--out {str(out)!r} must end in .npy or .pt.")
    loaded = load(dataset, root, task=task, split=split, seed=seed)
    rewired = rewire_dataset(loaded, method, parse_assignments(overrides), progress=sys.stderr.isatty())
    data, graph_id = loaded.data, getattr(loaded.data, "graph_id", None)
    before = graph_diagnostics(data.edge_index, data.num_nodes, graph_id)
    after = graph_diagnostics(rewired.data.edge_index, data.num_nodes, graph_id)
    added, removed = edge_changes(data.edge_index, rewired.data.edge_index, data.num_nodes)
    rows = [[key, before[key], after[key]] for key in before]
    rows += [["edges added", "", f"{added:,}"], ["edges removed", "", f"{removed:,}"]]
    graph = "training graph" if loaded.task == "link" else "graph"
    typer.echo(f"{method} on the {loaded.name} {graph}")
    typer.echo(format_table(["diagnostic", "before", "after"], rows))
    save_edge_index(out, rewired.data.edge_index)
    typer.echo(f"rewired edge_index {tuple(rewired.data.edge_index.shape)} int64 -> {out}")


@app.command("report")
def report(
    directory: Path = typer.Argument(..., help="A bench output directory (with records/)."),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write PNG plots."),
) -> None:
    """Re-render the summary table of a bench run and write its plots as PNG."""
    from graphkit.bench.report import render_report

    typer.echo(render_report(directory, plots=plots))


def main() -> None:
    """Console entry point: graphkit errors become one clear line and exit code 2."""
    try:
        app()
    except GraphkitError as error:
        typer.echo(f"error: {error}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":  # pragma: no cover
    main()
