"""``knit schedule``: cron schedules that push a tick Data, so that Plans taking it run on time."""

from __future__ import annotations

from typing import Any

import click

from .. import flags
from ..context import CliContext, pass_cli
from ..output import emit_json, log


@click.group()
def schedule() -> None:
    """Schedules: on a cron expression, push a tick Data tagged schedule:NAME and tick:TIME.

    A Plan whose input requires schedule:NAME runs at every tick; the tick is upstream of its Run.
    """


@schedule.command()
@click.argument("name")
@click.option("--cron", required=True, metavar="EXPR",
              help="Minute, hour, day of month, month, day of week, e.g. '0 3 * * *' (03:00 every day).")
@click.option("-t", "--tag", "tags", multiple=True, metavar="KEY:VALUE", help="Tag to put on every tick (repeatable).")
@click.option("--timezone", metavar="TZ", help="IANA time zone the cron expression is read in (default: UTC).")
@click.option("--catch-up", type=click.Choice(["latest", "all", "none"]), default="latest", show_default=True,
              help="After the server was down: push one tick for the latest missed time, every missed tick "
              "(at most 100, then the latest), or none.")
@click.option("--paused", is_flag=True, help="Add it paused; `knit schedule resume NAME` starts it.")
@pass_cli
def add(cli: CliContext, name: str, cron: str, tags: tuple[str, ...], timezone: str | None, catch_up: str,
        paused: bool) -> None:
    """Add schedule NAME: from the first cron time after now, push a tick at every cron time."""
    added = cli.client.graphql(
        "AddSchedule", name=name, cron=cron, tags=[flags.tag(text, user=True) for text in tags], timezone=timezone,
        catchUp=catch_up, paused=paused,
    )["addSchedule"]
    state = "paused" if added["paused"] else f"its next tick is at {added['nextTick']}"
    log("schedule add", f"schedule {name!r} added; {state}")
    emit_json(added)


def _row(entry: dict[str, Any]) -> tuple[str, ...]:
    return (entry["name"], entry["cron"], entry["timezone"], entry["nextTick"] or "-", entry["lastTick"],
            "yes" if entry["paused"] else "no", ",".join(entry["tags"]) or "-")


@schedule.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print the schedules as JSON.")
@pass_cli
def list_(cli: CliContext, as_json: bool) -> None:
    """Every schedule: its cron expression and time zone, next and last tick, whether it is paused, its tags."""
    found = cli.client.graphql("Schedules")["schedules"]
    if as_json:
        emit_json(found)
        return
    rows = [("NAME", "CRON", "TZ", "NEXT TICK", "LAST TICK", "PAUSED", "TAGS"), *(_row(entry) for entry in found)]
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@schedule.command(name="rm")
@click.argument("name")
@pass_cli
def remove(cli: CliContext, name: str) -> None:
    """Remove schedule NAME; the ticks it pushed stay (they are Data, upstream of their Runs)."""
    removed = cli.client.graphql("RemoveSchedule", name=name)["removeSchedule"]
    log("schedule rm", f"schedule {name!r} removed")
    emit_json(removed)


@schedule.command()
@click.argument("name")
@pass_cli
def pause(cli: CliContext, name: str) -> None:
    """Pause schedule NAME: it pushes no tick until resumed."""
    paused = cli.client.graphql("PauseSchedule", name=name, paused=True)["pauseSchedule"]
    log("schedule pause", f"schedule {name!r} is paused; `knit schedule resume {name}` starts it again")
    emit_json(paused)


@schedule.command()
@click.argument("name")
@pass_cli
def resume(cli: CliContext, name: str) -> None:
    """Resume schedule NAME: its next tick is the first cron time after now (the pause is not caught up)."""
    resumed = cli.client.graphql("PauseSchedule", name=name, paused=False)["pauseSchedule"]
    log("schedule resume", f"schedule {name!r} resumed; its next tick is at {resumed['nextTick']}")
    emit_json(resumed)
