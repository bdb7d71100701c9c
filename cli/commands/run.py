"""``knit run``: find, show (and follow the log of), stop, retry, remove and wait for Runs."""

from __future__ import annotations

import sys
import time
from typing import Any

import click

from .. import flags
from ..context import CliContext, pass_cli
from ..errors import Interrupted, KnitCliError
from ..output import emit_json, knitfab_shape, log

POLL_SECONDS = 0.5
_NOT_STARTED = ("deactivated", "waiting", "ready")
_ENDED = ("done", "failed", "invalidated")


def _print_run(run: Any) -> None:
    emit_json(knitfab_shape(run, keep_null=frozenset({"log"})))


def _removed(run_id: str) -> KnitCliError:
    return KnitCliError(
        f"run {run_id} was removed (it is invalidated): its outputs and its log were deleted",
        f"`knit run show {run_id}` shows what is left of it; its inputs will not run this plan again",
    )


def _wait_to_start(cli: CliContext, run_id: str) -> None:
    """Poll until the Run leaves deactivated/waiting/ready, saying so on stderr at each status."""
    shown = None
    while (status := cli.client.graphql("ShowRun", runId=run_id)["run"]["status"]) in _NOT_STARTED:
        if status != shown:
            log("run show", f"waiting for run {run_id} to start (status: {status})…")
            shown = status
        time.sleep(POLL_SECONDS)


def _follow(cli: CliContext, run_id: str) -> None:
    try:
        _wait_to_start(cli, run_id)
        _print_log(cli, run_id, follow=True)
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted: stopped following the log of run {run_id}; the Run goes on",
                          f"follow it again with `knit run show --log -f {run_id}`") from None


def _print_log(cli: CliContext, run_id: str, follow: bool) -> None:
    out = sys.stdout.buffer
    with cli.client.run_log(run_id, follow) as chunks:
        for chunk in chunks:
            out.write(chunk)
            out.flush()


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
@pass_cli
def find(cli: CliContext, plan_ids: tuple[str, ...], in_ids: tuple[str, ...], out_ids: tuple[str, ...],
         statuses: tuple[str, ...], since: str | None, duration: str | None) -> None:
    """List Runs as a JSON array. Repeating a flag means "any of"; different flags mean "all of"."""
    if duration is not None and since is None:
        raise click.UsageError("since and duration must be specified together")
    found = cli.client.graphql(
        "FindRuns", planIds=list(plan_ids), inKnitIds=list(in_ids), outKnitIds=list(out_ids),
        statuses=flags.statuses(statuses), since=flags.since(since) if since else None, duration=duration,
    )["findRuns"]
    _print_run(found)


@run.command()
@click.option("--log", "show_log", is_flag=True, help="Print the Run's log (stdout and stderr) instead.")
@click.option("-f", "--follow", is_flag=True, help="With --log: keep printing while the Run runs.")
@click.argument("run_id")
@pass_cli
def show(cli: CliContext, show_log: bool, follow: bool, run_id: str) -> None:
    """Print one Run as JSON, or its log with --log; with -f, wait for the Run to start and follow
    its log until it ends (Ctrl-C stops following, exit 130)."""
    if follow and not show_log:
        raise click.UsageError("--follow goes with --log")
    if not show_log:
        _print_run(cli.client.graphql("ShowRun", runId=run_id)["run"])
    elif follow:
        _follow(cli, run_id)
    else:
        _print_log(cli, run_id, follow=False)


@run.command()
@click.option("--fail", is_flag=True, help="Abort: the Run fails (exit 253) instead of completing.")
@click.argument("run_id")
@pass_cli
def stop(cli: CliContext, fail: bool, run_id: str) -> None:
    """Stop a running Run: its outputs so far count as done; with --fail, it fails instead."""
    cli.client.graphql("StopRun", runId=run_id, fail=fail)
    log("run stop", f"Run Id: {run_id} is {'aborting' if fail else 'stopping'}.")


@run.command()
@click.argument("run_id")
@pass_cli
def retry(cli: CliContext, run_id: str) -> None:
    """Run a done or failed Run again (new outputs, same runId); its downstream Runs must be removed first."""
    cli.client.graphql("RetryRun", runId=run_id)
    log("run retry", f"requested to retry Run: {run_id}")


@run.command()
@click.option("--downstream", is_flag=True, help="Also run again everything derived from it (required when its outputs feed Runs).")
@click.option("--dry-run", is_flag=True, help="Change nothing: list exactly what would run again or end.")
@click.argument("run_id")
@pass_cli
def rerun(cli: CliContext, downstream: bool, dry_run: bool, run_id: str) -> None:
    """Run a done or failed Run again as a new Run that supersedes it; the old one stays in lineage.

    With --downstream, the Runs derived from it are superseded too and their plans run again on the
    new outputs once they are made. Prints what was (or, with --dry-run, would be) done as JSON;
    a summary goes to stderr."""
    answer = cli.client.graphql("RerunRun", runId=run_id, downstream=downstream, dryRun=dry_run)["rerunRun"]
    print_rerun("run rerun", answer)
    emit_json(answer)


_RERUN_PHRASES = {  # action -> (what happened, what would happen)
    "rerun": ("runs again as run {new}", "would run again as a new Run"),
    "superseded": ("is superseded: its plan runs again on the new Data",
                   "would be superseded: its plan would run again on the new Data"),
    "failed": ("had not run: it ended failed, it would have read superseded Data",
               "has not run: it would end failed, as it would read superseded Data"),
}


def print_rerun(command: str, answer: Any) -> None:
    """One line per affected Run on stderr: which, where, and what happens (or would) to it."""
    for affected in answer["affected"]:
        done, would = _RERUN_PHRASES[affected["action"]]
        step = affected["step"]
        where = "" if step == 0 else f" ({step} step{'s' if step > 1 else ''} downstream)"
        what = would if answer["dryRun"] else done.format(new=answer["newRunId"])
        log(command, f"{'[dry run] ' if answer['dryRun'] else ''}run {affected['runId']} of plan {affected['plan']}{where} {what}")


@run.command("rm")
@click.argument("run_id")
@pass_cli
def remove(cli: CliContext, run_id: str) -> None:
    """Delete a stopped Run's outputs; the Run stays as a tombstone so it never reruns."""
    cli.client.graphql("DeleteRun", runId=run_id)
    log("run rm", f"deleted Run Id:{run_id}")


@run.command()
@click.option("--timeout", type=float, default=None, metavar="SECONDS", help="Give up after this long (exit 1).")
@click.argument("run_id")
@pass_cli
def wait(cli: CliContext, timeout: float | None, run_id: str) -> None:
    """Wait until the Run is done or failed, then print it. Exit 0 if done, 1 otherwise."""
    try:
        current = _until_ended(cli, timeout, run_id)
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted: stopped waiting for run {run_id}; the Run goes on",
                          f"wait again with `knit run wait {run_id}`") from None
    _print_run(current)
    if current["status"] == "invalidated":
        raise _removed(run_id)
    if current["status"] != "done":
        raise KnitCliError(f"run {run_id} ended {current['status']}",
                           f"read its log with `knit run show --log {run_id}`")


def _until_ended(cli: CliContext, timeout: float | None, run_id: str) -> Any:
    deadline = None if timeout is None else time.monotonic() + timeout
    while (current := cli.client.graphql("ShowRun", runId=run_id)["run"])["status"] not in _ENDED:
        if deadline is not None and time.monotonic() > deadline:
            raise KnitCliError(f"run {run_id} is still {current['status']} after {timeout:g}s",
                               f"wait longer, or look at it with `knit run show {run_id}`")
        time.sleep(POLL_SECONDS)
    return current
