"""``knit service``: the endpoints of service plans (docs/serving.md)."""

from __future__ import annotations

from typing import Any

import click

from ..context import CliContext, pass_cli
from ..errors import KnitCliError
from ..output import emit_json, log


@click.group()
def service() -> None:
    """Services: a service plan's Runs behind /serve/NAME/ (docs/serving.md)."""


def _model(period: dict[str, Any]) -> str:
    return ",".join(period["inputs"]) or "-"


@service.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print the services as JSON, every serving period included.")
@click.argument("name", required=False)
@pass_cli
def list_(cli: CliContext, as_json: bool, name: str | None) -> None:
    """Every service (or NAME): the Run serving it now, the model it serves, since when, and the Runs
    that served it before."""
    found = cli.client.graphql("Services", name=name)["services"]
    if name and not found:
        raise KnitCliError(f"no Run ever served {name!r}", "a plan annotated knitgraph.io/service=NAME serves "
                           "once a Run of it is healthy; `knit service list` shows every service")
    if as_json:
        emit_json(found)
        return
    rows = [("SERVICE", "SERVING RUN", "MODEL (INPUT KNIT IDS)", "SINCE", "REQUESTS", "EARLIER RUNS")]
    for entry in found:
        now = entry["serving"]
        earlier = [p["runId"] for p in entry["periods"] if now is None or p is not entry["periods"][0]]
        rows.append((
            entry["name"], now["runId"] if now else "(none)", _model(now) if now else "-",
            now["since"] if now else "-", str(entry["requestsNow"]) if entry["requestsNow"] is not None else "-",
            str(len(earlier)),
        ))
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@service.command()
@click.argument("name")
@pass_cli
def rollback(cli: CliContext, name: str) -> None:
    """Serve NAME's previous model again: the Run that served before the latest one runs again,
    takes the traffic once healthy, and the latest one ends (done)."""
    run = cli.client.graphql("RollbackService", name=name)["rollbackService"]
    log("service rollback", f"run {run['runId']} is {run['status']} again; it serves {name!r} once healthy "
                            f"(`knit service list {name}` shows when)")
    emit_json(run)
