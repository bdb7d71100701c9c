"""Frozen records returned by graph_schema; the only shapes the layers above ever see."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from .audit import Action
from .tags import Tag, data_tags

PURGED: Final = "purged"  # knit#transient of a Data whose content retention removed; its lineage stays


class RunStatus(StrEnum):
    DEACTIVATED = "deactivated"
    WAITING = "waiting"
    READY = "ready"
    STARTING = "starting"
    RUNNING = "running"
    COMPLETING = "completing"
    ABORTING = "aborting"
    DONE = "done"
    FAILED = "failed"
    INVALIDATED = "invalidated"

    @property
    def transient(self) -> str | None:
        """The ``knit#transient`` value that Data produced by a Run in this status carries."""
        if self is RunStatus.DONE:
            return None
        if self in (RunStatus.FAILED, RunStatus.INVALIDATED):
            return "failed"
        return "processing"


@dataclass(frozen=True, slots=True)
class PlanSummary:
    plan_id: str
    image: str | None = None
    entrypoint: tuple[str, ...] | None = None
    args: tuple[str, ...] | None = None
    name: str | None = None
    annotations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Exit:
    code: int
    message: str


@dataclass(frozen=True, slots=True)
class RunSummary:
    run_id: str
    status: RunStatus
    updated_at: int
    exit: Exit | None
    plan: PlanSummary


@dataclass(frozen=True, slots=True)
class Mountpoint:
    path: str
    tags: tuple[Tag, ...]


@dataclass(frozen=True, slots=True)
class Upstream:
    """Where a Data came from: a Run and either its output mountpoint or its log."""

    run: RunSummary
    mountpoint: Mountpoint | None
    log_tags: tuple[Tag, ...] | None


@dataclass(frozen=True, slots=True)
class Downstream:
    run: RunSummary
    mountpoint: Mountpoint


@dataclass(frozen=True, slots=True)
class Nomination:
    mountpoint: Mountpoint
    plan: PlanSummary


@dataclass(frozen=True, slots=True)
class Metric:
    """A number a Run wrote into ``metrics.json`` of an output."""

    name: str
    value: float


@dataclass(frozen=True, slots=True)
class DataRecord:
    knit_id: str
    user_tags: tuple[Tag, ...]
    finished_at: int | None
    upstream: Upstream
    downstreams: tuple[Downstream, ...]
    nominations: tuple[Nomination, ...]
    content_digest: str | None
    history: tuple[Action, ...] = ()
    content_size: int | None = None  # bytes of its files; None until recorded (a Run's output: when it finishes)
    metrics: tuple[Metric, ...] = ()
    purged_at: int | None = None  # when retention removed its content (graph_schema/retention.py)

    @property
    def transient(self) -> str | None:
        return PURGED if self.purged_at is not None else self.upstream.run.status.transient

    @property
    def tags(self) -> list[Tag]:
        """User tags and the derived system tags, in Knitfab's display order."""
        return data_tags(self.knit_id, self.user_tags, self.finished_at, self.transient)


@dataclass(frozen=True, slots=True)
class StagedUpload:
    """An upload fully received and verified by the content store, not yet a Data."""

    upload_id: str
    digest: str
    size: int


@dataclass(frozen=True, slots=True)
class PlanLink:
    """One end of a plan-to-plan link: a plan and its output mountpoint, log, or input."""

    plan: PlanSummary
    mountpoint: Mountpoint | None
    log_tags: tuple[Tag, ...] | None = None


@dataclass(frozen=True, slots=True)
class PlanInput:
    mountpoint: Mountpoint
    upstreams: tuple[PlanLink, ...]


@dataclass(frozen=True, slots=True)
class PlanOutput:
    mountpoint: Mountpoint
    downstreams: tuple[PlanLink, ...]


@dataclass(frozen=True, slots=True)
class PlanRecord:
    summary: PlanSummary
    inputs: tuple[PlanInput, ...]
    outputs: tuple[PlanOutput, ...]
    log: PlanOutput | None
    active: bool
    resources: dict[str, str]
    on_node: dict[str, tuple[str, ...]]
    service_account: str | None


@dataclass(frozen=True, slots=True)
class Assignment:
    """A mountpoint of a Run and the Data assigned to it."""

    mountpoint: Mountpoint
    knit_id: str


@dataclass(frozen=True, slots=True)
class Attempt:
    """An earlier attempt of a Run that failed and was retried in place: its exit, its times,
    and the file of the Run's log Data that holds its log."""

    number: int
    exit: Exit
    ready_at: int | None
    started_at: int | None
    finished_at: int
    executor: str | None
    log_file: str | None


@dataclass(frozen=True, slots=True)
class RunRecord:
    summary: RunSummary
    inputs: tuple[Assignment, ...]
    outputs: tuple[Assignment, ...]
    log: Assignment | None
    ready_at: int | None = None
    started_at: int | None = None  # when its task began to run
    finished_at: int | None = None  # when it became done or failed
    executor: str | None = None
    history: tuple[Action, ...] = ()
    metrics: tuple[Metric, ...] = ()  # of all its outputs
    attempt: int = 1  # which attempt this is (more than 1 once retried automatically)
    attempts: tuple[Attempt, ...] = ()  # the earlier ones, oldest first
    not_before: int | None = None  # a retried Run waits until then
    superseded_by: str | None = None  # the Run that ran it again (graph_schema/reruns.py)
    supersedes: str | None = None  # the Run this one ran again
    superseded_at: int | None = None  # when it, or a Run upstream, was run again: its outputs feed nothing new


@dataclass(frozen=True, slots=True)
class LineageData:
    knit_id: str
    user_tags: tuple[Tag, ...]
    finished_at: int | None
    transient: str | None
    metrics: tuple[Metric, ...] = ()

    @property
    def tags(self) -> list[Tag]:
        return data_tags(self.knit_id, self.user_tags, self.finished_at, self.transient)


@dataclass(frozen=True, slots=True)
class LineageRun:
    """A Run in a lineage, ``step`` Data-to-Data steps away: negative upstream, positive downstream."""

    summary: RunSummary
    step: int
    inputs: tuple[tuple[str, str], ...]  # (path, knitId)
    outputs: tuple[tuple[str, str], ...]
    log: str | None  # knitId


@dataclass(frozen=True, slots=True)
class Lineage:
    start: str
    runs: tuple[LineageRun, ...]
    data: tuple[LineageData, ...]
    truncated: bool
    omitted_runs: int  # Runs within reach (depth, statuses) that the budget left out


@dataclass(frozen=True, slots=True)
class PlanGraphPlan:
    """A Plan in a plan graph, ``step`` plan hops away: negative upstream, positive downstream."""

    summary: PlanSummary
    active: bool
    step: int
    inputs: tuple[Mountpoint, ...]
    outputs: tuple[Mountpoint, ...]
    log: Mountpoint | None


@dataclass(frozen=True, slots=True)
class PlanGraphLink:
    """An output (or the log) of one plan feeding an input of another."""

    from_plan_id: str
    from_path: str
    is_log: bool
    to_plan_id: str
    to_path: str


@dataclass(frozen=True, slots=True)
class PlanGraph:
    start: str
    plans: tuple[PlanGraphPlan, ...]
    links: tuple[PlanGraphLink, ...]
    truncated: bool
    omitted_plans: int  # Plans within reach (depth) that the budget left out


@dataclass(frozen=True, slots=True)
class PipelineStepRun:
    """A Run downstream of a pipeline run's parameters Data."""

    summary: RunSummary
    metrics: tuple[Metric, ...]


@dataclass(frozen=True, slots=True)
class PipelineRunRecord:
    """One parameters Data of a pipeline (``knit pipeline run``) and every Run downstream of it."""

    knit_id: str  # of the parameters Data
    pipeline: str
    user_tags: tuple[Tag, ...]
    created_at: int | None
    steps: int  # active Plans of the pipeline now
    runs: tuple[PipelineStepRun, ...]


@dataclass(frozen=True, slots=True)
class ExperimentRecord:
    name: str
    pipeline_runs: int
    pipelines: tuple[str, ...]
    last_run_at: int | None


@dataclass(frozen=True, slots=True)
class InputMatch:
    """How one Data fares against one input of a Plan."""

    path: str
    required: tuple[Tag, ...]
    missing: tuple[Tag, ...]  # required tags the Data lacks
    pin_knit_id: str | None
    pin_timestamp: int | None
    nominated: bool  # the Data feeds this input now
    candidates: int  # Data nominated for this input, this one included


@dataclass(frozen=True, slots=True)
class PlanExplanation:
    """Why a Data is, or is not, an input of a Plan, and the Runs it made there."""

    plan_id: str
    plan_active: bool
    annotations: tuple[str, ...]
    knit_id: str
    producer_status: RunStatus
    producer_finished_at: int | None
    inputs: tuple[InputMatch, ...]
    runs: tuple[RunSummary, ...]  # Runs of the Plan that read the Data
    superseded: bool = False  # its Run ran again, or it was invalidated: it feeds no new Run
