"""Shapes embedded everywhere: plan and run summaries, exits, mountpoints."""

from __future__ import annotations

import strawberry

from knitgraph.graph_schema import records
from knitgraph.graph_schema.audit import Action as ActionRecord
from knitgraph.graph_schema.tags import Tag
from knitgraph.graph_schema.timefmt import format_ms

from .status import RunStatusValue, to_value


def tag_strings(tags: tuple[Tag, ...] | list[Tag]) -> list[str]:
    return [str(tag) for tag in tags]


@strawberry.type(description="A Plan as embedded in other objects.")
class PlanSummary:
    plan_id: strawberry.ID
    image: str | None
    entrypoint: list[str] | None
    args: list[str] | None
    name: str | None = strawberry.field(description="Set for pseudo plans such as knit#uploaded.")
    annotations: list[str]

    @classmethod
    def from_record(cls, plan: records.PlanSummary) -> PlanSummary:
        return cls(
            plan_id=strawberry.ID(plan.plan_id),
            image=plan.image,
            entrypoint=list(plan.entrypoint) if plan.entrypoint is not None else None,
            args=list(plan.args) if plan.args is not None else None,
            name=plan.name,
            annotations=list(plan.annotations),
        )


@strawberry.type
class Exit:
    code: int
    message: str


@strawberry.type(description="A Run as embedded in other objects.")
class RunSummary:
    run_id: strawberry.ID
    status: RunStatusValue
    updated_at: str
    exit: Exit | None
    plan: PlanSummary

    @classmethod
    def from_record(cls, run: records.RunSummary, plan: PlanSummary | None = None) -> RunSummary:
        """``plan``: its Plan already converted (Runs of one Plan may share one)."""
        return cls(
            run_id=strawberry.ID(run.run_id),
            status=to_value(run.status),
            updated_at=format_ms(run.updated_at),
            exit=Exit(code=run.exit.code, message=run.exit.message) if run.exit else None,
            plan=plan if plan is not None else PlanSummary.from_record(run.plan),
        )


@strawberry.type
class Mountpoint:
    path: str
    tags: list[str]

    @classmethod
    def from_record(cls, mountpoint: records.Mountpoint) -> Mountpoint:
        return cls(path=mountpoint.path, tags=tag_strings(mountpoint.tags))


@strawberry.type
class LogPoint:
    tags: list[str]


@strawberry.type(description="A number a Run wrote in metrics.json at the top of an output.")
class Metric:
    name: str
    value: float

    @classmethod
    def from_record(cls, metric: records.Metric) -> Metric:
        return cls(name=metric.name, value=metric.value)


def metric_list(metrics: tuple[records.Metric, ...]) -> list[Metric]:
    return [Metric.from_record(m) for m in metrics]


@strawberry.type(description="Who did what to an object, and when.")
class Action:
    action: str = strawberry.field(description="pushed, tagged, applied, stopped, aborted, retried or removed")
    by: str = strawberry.field(description="The user whose token made the change.")
    at: str

    @classmethod
    def from_record(cls, action: ActionRecord) -> Action:
        return cls(action=action.action, by=action.by, at=format_ms(action.at))
