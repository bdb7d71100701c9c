"""``knit experiment``: the pipeline runs of an experiment."""

from __future__ import annotations

import click

from ..context import CliContext, pass_cli
from ..errors import KnitCliError
from ..output import log
from ..pipeline_runs import FORMATS, emit_compare, find_pipeline_runs


@click.group()
def experiment() -> None:
    """Experiments: pipeline runs grouped by `knit pipeline run --experiment`."""


@experiment.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.argument("name")
@pass_cli
def show(cli: CliContext, fmt: str, name: str) -> None:
    """Every pipeline run of experiment NAME: its parameters, status and metrics, oldest first."""
    runs = find_pipeline_runs(cli.client, None, name)
    if not runs:
        raise KnitCliError(f"experiment {name!r} has no pipeline runs",
                           "start one: knit pipeline run PIPELINE --experiment NAME [-p name=value ...]")
    emit_compare(runs, fmt)
    if fmt == "table":
        statuses = [r["status"] for r in runs]
        counts = ", ".join(f"{statuses.count(s)} {s}" for s in sorted(set(statuses)))
        log("experiment show", f"{name}: {len(runs)} pipeline run{'s' * (len(runs) != 1)} ({counts})")
