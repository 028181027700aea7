"""The ``graphkit`` command line: a thin layer over the Python API.

Every command parses its arguments and calls one function of ``graphkit.data``,
``graphkit.bench`` or ``graphkit.embed``; nothing here computes anything itself.
"""

from __future__ import annotations

from pathlib import Path

import typer

import graphkit
from graphkit.errors import GraphkitError

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
    from graphkit.table import format_table

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
    from graphkit.table import format_table

    loaded = load(name, root, task=task, split=split, seed=seed, download=download)
    typer.echo(format_table(["property", "value"], dataset_summary(loaded)))


def main() -> None:
    """Console entry point: graphkit errors become one clear line and exit code 2."""
    try:
        app()
    except GraphkitError as error:
        typer.echo(f"error: {error}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":  # pragma: no cover
    main()
