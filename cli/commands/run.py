"""``knit run``: find and show Runs."""

from __future__ import annotations

from typing import Any

import click

from .. import flags
from ..output import emit_json, knitfab_shape


def _print_run(run: Any) -> None:
    emit_json(knitfab_shape(run, keep_null=frozenset({"log"})))


@click.group()
def run() -> None:
    """Runs: executions of Plans, started by knitgraph for each new combination of matching Data."""


@run.command()
@click.option("-p", "--planid", "plan_ids", multiple=True, metavar="PLAN_ID", help="Runs of this plan.")
@click.option("-i", "--in-knitid", "in_ids", multiple=True, metavar="KNIT_ID", help="Runs reading this Data.")
@click.option("-o", "--out-knitid", "out_ids", multiple=True, metavar="KNIT_ID", help="Runs writing this Data.")
@click.option("-s", "--status", "statuses", multiple=True, metavar="STATUS", help="waiting, running, done, failed, ...")
@click.option("--since", metavar="YYYY-mm-dd[THH[:MM[:SS]]][TZ]", help="Updated at or after this time.")
@click.option("--duration", metavar="DURATION", help="With --since: updated before since+duration.")
@click.pass_obj
def find(obj: Any, plan_ids: tuple[str, ...], in_ids: tuple[str, ...], out_ids: tuple[str, ...],
         statuses: tuple[str, ...], since: str | None, duration: str | None) -> None:
    """List Runs as a JSON array. Repeating a flag means "any of"; different flags mean "all of"."""
    if duration is not None and since is None:
        raise click.UsageError("since and duration must be specified together")
    found = obj.client.graphql(
        "FindRuns", planIds=list(plan_ids), inKnitIds=list(in_ids), outKnitIds=list(out_ids),
        statuses=list(statuses), since=flags.since(since) if since else None, duration=duration,
    )["findRuns"]
    _print_run(found)


@run.command()
@click.argument("run_id")
@click.pass_obj
def show(obj: Any, run_id: str) -> None:
    """Print one Run as JSON."""
    _print_run(obj.client.graphql("ShowRun", runId=run_id)["run"])
