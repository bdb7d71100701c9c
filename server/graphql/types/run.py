"""The Run type, shaped like Knitfab's run detail JSON (reference §5.5)."""

from __future__ import annotations

import strawberry

from knitgraph.graph_schema import records
from knitgraph.graph_schema.timefmt import format_ms

from .common import Action, Exit, Metric, PlanSummary, metric_list, tag_strings
from .status import RunStatusValue, to_value

_WAITING = (records.RunStatus.WAITING, records.RunStatus.DEACTIVATED)


@strawberry.type(description="A mountpoint of the Run and the Data assigned to it.")
class RunAssignment:
    path: str
    tags: list[str]
    knit_id: strawberry.ID


@strawberry.type
class RunLog:
    tags: list[str]
    knit_id: strawberry.ID


@strawberry.type(description="An earlier attempt of a Run that failed and ran again in place (its plan's retry).")
class RunAttempt:
    number: int
    exit: Exit
    ready_at: str | None
    started_at: str | None
    finished_at: str
    executor: str | None
    log_file: str | None = strawberry.field(
        description="The file of the Run's log Data that holds this attempt's log (the current one is `log`).")

    @classmethod
    def from_record(cls, attempt: records.Attempt) -> RunAttempt:
        return cls(number=attempt.number, exit=Exit(code=attempt.exit.code, message=attempt.exit.message),
                   ready_at=_time(attempt.ready_at), started_at=_time(attempt.started_at),
                   finished_at=format_ms(attempt.finished_at), executor=attempt.executor, log_file=attempt.log_file)


def _time(ms: int | None) -> str | None:
    return format_ms(ms) if ms is not None else None


def _assignment(assignment: records.Assignment) -> RunAssignment:
    return RunAssignment(path=assignment.mountpoint.path, tags=tag_strings(assignment.mountpoint.tags),
                         knit_id=strawberry.ID(assignment.knit_id))


@strawberry.type(description="One execution of a Plan with one Data per input.")
class Run:
    run_id: strawberry.ID
    status: RunStatusValue
    updated_at: str
    exit: Exit | None
    plan: PlanSummary
    inputs: list[RunAssignment]
    outputs: list[RunAssignment]
    log: RunLog | None
    ready_at: str | None = strawberry.field(description="When an executor took the Run (it became ready).")
    started_at: str | None = strawberry.field(description="When its task began to run.")
    finished_at: str | None = strawberry.field(description="When it became done or failed.")
    history: list[Action] = strawberry.field(description="Who stopped, retried or removed it, oldest first.")
    executor: str | None = strawberry.field(
        description="What executed it: process (a sandboxed host process; the plan's image was not used), "
        "docker or kubernetes."
    )
    metrics: list[Metric] = strawberry.field(description="The metrics of its outputs (metrics.json), by name.")
    attempt: int = strawberry.field(description="Which attempt this is: more than 1 once its plan's retry ran it again.")
    attempts: list[RunAttempt] = strawberry.field(description="Its earlier, failed attempts, oldest first.")
    not_before: str | None = strawberry.field(
        description="A retried Run waits for its backoff: it is not started before this time.")
    superseded_by: strawberry.ID | None = strawberry.field(description="The Run that ran this one again (knit run rerun).")
    supersedes: strawberry.ID | None = strawberry.field(description="The Run this one ran again.")
    superseded_at: str | None = strawberry.field(
        description="When it, or a Run upstream of it, was run again or its input invalidated: its outputs feed no "
        "new Run since.")

    @classmethod
    def from_record(cls, run: records.RunRecord) -> Run:
        summary = run.summary
        return cls(
            run_id=strawberry.ID(summary.run_id),
            status=to_value(summary.status),
            updated_at=format_ms(summary.updated_at),
            exit=Exit(code=summary.exit.code, message=summary.exit.message) if summary.exit else None,
            plan=PlanSummary.from_record(summary.plan),
            inputs=[_assignment(a) for a in run.inputs],
            outputs=[_assignment(a) for a in run.outputs],
            log=RunLog(tags=tag_strings(run.log.mountpoint.tags), knit_id=strawberry.ID(run.log.knit_id))
            if run.log else None,
            ready_at=_time(run.ready_at),
            started_at=_time(run.started_at),
            finished_at=_time(run.finished_at),
            executor=run.executor,
            history=[Action.from_record(a) for a in run.history],
            metrics=metric_list(run.metrics),
            attempt=run.attempt,
            attempts=[RunAttempt.from_record(a) for a in run.attempts],
            not_before=_time(run.not_before) if run.summary.status in _WAITING else None,
            superseded_by=strawberry.ID(run.superseded_by) if run.superseded_by else None,
            supersedes=strawberry.ID(run.supersedes) if run.supersedes else None,
            superseded_at=_time(run.superseded_at),
        )
