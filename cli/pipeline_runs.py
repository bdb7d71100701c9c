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
    """Headers and rows: one row per pipeline run, a column per parameter and per metric
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


def render_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join(lines) + "\n"


def emit_compare(runs: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        emit_json(runs)
        return
    headers, rows = compare_rows(runs, exact=fmt == "csv")
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows(rows)
        click.echo(buffer.getvalue(), nl=False)
    else:
        click.echo(render_table(headers, rows), nl=False)
