"""Turning the maps that queries return into records.

Queries project Runs and Plans with the same small map shapes (``RUN_FIELDS``-style projections
written out in each query), and these functions are the one place that reads them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .records import Exit, Metric, Mountpoint, PlanSummary, RunStatus, RunSummary
from .tags import KEY_ID, KEY_TIMESTAMP, Tag, normalize
from .timefmt import format_ms

Row = Mapping[str, Any]


def plan_summary(row: Row) -> PlanSummary:
    return PlanSummary(
        plan_id=row["planId"],
        image=row.get("image"),
        entrypoint=tuple(row["entrypoint"]) if row.get("entrypoint") is not None else None,
        args=tuple(row["args"]) if row.get("args") is not None else None,
        name=row.get("name"),
        annotations=tuple(sorted(row.get("annotations") or ())),
    )


def run_summary(row: Row) -> RunSummary:
    code = row.get("exitCode")
    return RunSummary(
        run_id=row["runId"],
        status=RunStatus(row["status"]),
        updated_at=row["updatedAt"],
        exit=Exit(code, row.get("exitMessage") or "") if code is not None else None,
        plan=plan_summary(row["plan"]),
    )


def metric_list(names: list[str] | None, values: list[float] | None) -> tuple[Metric, ...]:
    """Metrics as stored: parallel lists ``metricNames`` and ``metricValues`` of a Data."""
    return tuple(Metric(name, float(value)) for name, value in zip(names or (), values or (), strict=False))


def run_metrics(outputs: Iterable[tuple[str, list[str] | None, list[float] | None]]) -> tuple[Metric, ...]:
    """A Run's metrics: those of its outputs ``(path, metricNames, metricValues)``, by output path;
    a name two outputs write is the first output's."""
    merged: dict[str, Metric] = {}
    for _, names, values in sorted(outputs, key=lambda output: output[0]):
        for metric in metric_list(names, values):
            merged.setdefault(metric.name, metric)
    return tuple(merged.values())


def tag_list(pairs: list[list[str]] | None) -> tuple[Tag, ...]:
    return tuple(normalize(Tag(key, value) for key, value in pairs or ()))


def input_mountpoint(row: Row) -> Mountpoint:
    """An input's tags: its required user tags plus its pins, shown as system tags."""
    tags = list(tag_list(row["tags"]))
    if row.get("pinKnitId") is not None:
        tags.append(Tag(KEY_ID, row["pinKnitId"]))
    if row.get("pinTimestamp") is not None:
        tags.append(Tag(KEY_TIMESTAMP, format_ms(row["pinTimestamp"])))
    return Mountpoint(row["path"], tuple(normalize(tags)))
