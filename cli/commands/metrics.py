"""``knit metrics``: compare the metrics of pipeline runs."""

from __future__ import annotations

import click

from ..context import CliContext, pass_cli
from ..errors import KnitCliError
from ..pipeline_runs import FORMATS, emit_compare, find_pipeline_runs


@click.group()
def metrics() -> None:
    """Metrics: what Runs wrote in metrics.json, along their lineage."""


@metrics.command()
@click.option("-e", "--experiment", metavar="EXPERIMENT", help="Only the runs of this experiment.")
@click.option("-p", "--pipeline", metavar="PIPELINE", help="Only the runs of this pipeline.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@pass_cli
def compare(cli: CliContext, experiment: str | None, pipeline: str | None, fmt: str) -> None:
    """A table of pipeline runs: one row each, with its parameters and metrics, oldest first."""
    if experiment is None and pipeline is None:
        raise click.UsageError("give --experiment EXPERIMENT and/or --pipeline PIPELINE")
    runs = find_pipeline_runs(cli.client, pipeline, experiment)
    if not runs:
        raise KnitCliError("no pipeline runs match",
                           "start one with knit pipeline run PIPELINE; check the names with knit pipeline show")
    emit_compare(runs, fmt)
