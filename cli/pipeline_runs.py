"""Pipeline runs as ``knit`` shows them: progress while waiting, and the compare table
(pipeline run × parameters × metrics) as text, CSV or JSON."""

from __future__ import annotations

import csv
import io
from typing import Any

import click

from .client import KnitClient
from .errors import KnitCliError
from .output import emit_json

RUN_LIMIT = 10_000
FORMATS = ("table", "csv", "json")


def find_pipeline_runs(client: KnitClient, pipeline: str | None, experiment: str | None) -> list[dict[str, Any]]:
    return list(client.graphql("PipelineRuns", pipeline=pipeline, experiment=experiment, knitId=None,
                               limit=RUN_LIMIT)["pipelineRuns"])


def find_pipeline_run(client: KnitClient, pipeline: str, knit_id: str) -> dict[str, Any]:
    found = client.graphql("PipelineRuns", pipeline=pipeline, experiment=None, knitId=knit_id, limit=1)["pipelineRuns"]
    if not found:
        raise KnitCliError(f"knit#id:{knit_id} is not a parameters Data of pipeline {pipeline!r}",
                           "list the pipeline's runs: knit metrics compare --pipeline NAME")
    return dict(found[0])


def is_finished(found: dict[str, Any]) -> bool:
    return bool(found["status"] != "running")


def progress_line(found: dict[str, Any]) -> str:
    done = sorted({r["step"] for r in found["runs"] if r["run"]["status"] == "done"})
    moving = sorted(f"{r['step']} {r['run']['status']}" for r in found["runs"] if r["run"]["status"] != "done")
    text = f"{found['status']}: {len(done)}/{found['steps']} steps done"
    return text + (f" ({', '.join(moving)})" if moving else "")


def _number(value: float, exact: bool) -> str:
    return repr(value) if exact else f"{value:.4g}"


def compare_rows(runs: list[dict[str, Any]], exact: bool = False) -> tuple[list[str], list[list[str]]]:
    """Headers and rows for CSV: one row per pipeline run, a column per parameter and per metric
    (rounded to 4 significant digits unless ``exact``)."""
    params = sorted({p["name"] for r in runs for p in r["parameters"]})
    metrics = sorted({m["name"] for r in runs for m in r["metrics"]})
    headers = ["pipeline run", "pipeline", "experiment", "status", *params, *metrics]
    rows = []
    for r in runs:
        given = {p["name"]: p["value"] for p in r["parameters"]}
        measured = {m["name"]: _number(m["value"], exact) for m in r["metrics"]}
        rows.append([r["knitId"], r["pipeline"], r["experiment"] or "", r["status"],
                     *(given.get(p, "") for p in params), *(measured.get(m, "") for m in metrics)])
    return headers, rows


def render_table(runs: list[dict[str, Any]]) -> str:
    """The compare view: a column per pipeline run (its knitId cut to 8 characters), a row per
    parameter and per metric, so that the values to compare sit side by side."""
    params = sorted({p["name"] for r in runs for p in r["parameters"]})
    metrics = sorted({m["name"] for r in runs for m in r["metrics"]})
    given = [{p["name"]: p["value"] for p in r["parameters"]} for r in runs]
    measured = [{m["name"]: _number(m["value"], False) for m in r["metrics"]} for r in runs]
    rows: list[list[str]] = [
        ["pipeline run", *(r["knitId"][:8] for r in runs)],
        ["pipeline", *(r["pipeline"] for r in runs)],
        ["experiment", *(r["experiment"] or "" for r in runs)],
        ["status", *(r["status"] for r in runs)],
    ]
    if params:
        rows.append(["parameters", *("" for _ in runs)])
        rows += [[f"  {name}", *(g.get(name, "") for g in given)] for name in params]
    if metrics:
        rows.append(["metrics", *("" for _ in runs)])
        rows += [[f"  {name}", *(m.get(name, "") for m in measured)] for name in metrics]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n" for row in rows)


def emit_compare(runs: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        emit_json(runs)
        return
    if fmt == "csv":
        headers, rows = compare_rows(runs, exact=True)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows(rows)
        click.echo(buffer.getvalue(), nl=False)
    else:
        click.echo(render_table(runs), nl=False)
