"""The Plan type, shaped like Knitfab's plan detail JSON (reference §5.5)."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from knitgraph.graph_schema import records
from knitgraph.graph_schema.plan_spec import concurrency_of, retry_of

from ...services.execution import PlanExecution as PlanExecutionRecord
from .common import LogPoint, Mountpoint, PlanSummary, tag_strings


@strawberry.type(description="A plan whose output (or log) feeds this input.")
class PlanUpstream:
    plan: PlanSummary
    mountpoint: Mountpoint | None
    log: LogPoint | None


@strawberry.type(description="A plan input that this output (or log) feeds.")
class PlanDownstream:
    plan: PlanSummary
    mountpoint: Mountpoint


@strawberry.type
class PlanInput:
    path: str
    tags: list[str]
    upstreams: list[PlanUpstream]


@strawberry.type
class PlanOutput:
    path: str
    tags: list[str]
    downstreams: list[PlanDownstream]


@strawberry.type
class PlanLog:
    tags: list[str]
    downstreams: list[PlanDownstream]


@strawberry.type
class OnNode:
    may: list[str]
    prefer: list[str]
    must: list[str]


def _downstreams(links: tuple[records.PlanLink, ...]) -> list[PlanDownstream]:
    return [PlanDownstream(plan=PlanSummary.from_record(link.plan), mountpoint=Mountpoint.from_record(link.mountpoint))
            for link in links if link.mountpoint is not None]


def _upstream(link: records.PlanLink) -> PlanUpstream:
    return PlanUpstream(
        plan=PlanSummary.from_record(link.plan),
        mountpoint=Mountpoint.from_record(link.mountpoint) if link.mountpoint else None,
        log=LogPoint(tags=tag_strings(link.log_tags)) if link.log_tags is not None else None,
    )


@strawberry.type(description="How often a failed Run of the plan runs again in place, and the wait before.")
class RetryPolicy:
    max: int = strawberry.field(description="How many more times a failed Run runs (its attempts: max + 1).")
    backoff_seconds: float = strawberry.field(description="The wait before the first retry; doubled before each next.")


@strawberry.type(description="A template of an ML task: an image, tagged inputs, tagged outputs and log.")
class Plan:
    plan_id: strawberry.ID
    image: str | None
    entrypoint: list[str] | None
    args: list[str] | None
    name: str | None
    annotations: list[str]
    inputs: list[PlanInput]
    outputs: list[PlanOutput]
    log: PlanLog | None
    active: bool
    resources: JSON = strawberry.field(description="Resource type to Kubernetes quantity, e.g. {\"cpu\": \"1\"}.")
    on_node: OnNode | None = strawberry.field(name="on_node")
    service_account: str | None = strawberry.field(name="service_account")
    retry: RetryPolicy | None = strawberry.field(description="From the annotations knitgraph.io/retry-max and -backoff.")
    concurrency: int | None = strawberry.field(
        description="At most this many of its Runs execute at once (annotation knitgraph.io/concurrency).")

    @classmethod
    def from_record(cls, plan: records.PlanRecord) -> Plan:
        retry = retry_of(plan.summary.annotations)
        summary = PlanSummary.from_record(plan.summary)
        return cls(
            plan_id=summary.plan_id, image=summary.image, entrypoint=summary.entrypoint, args=summary.args,
            name=summary.name, annotations=summary.annotations,
            inputs=[PlanInput(path=i.mountpoint.path, tags=tag_strings(i.mountpoint.tags),
                              upstreams=[_upstream(link) for link in i.upstreams]) for i in plan.inputs],
            outputs=[PlanOutput(path=o.mountpoint.path, tags=tag_strings(o.mountpoint.tags),
                                downstreams=_downstreams(o.downstreams)) for o in plan.outputs],
            log=PlanLog(tags=tag_strings(plan.log.mountpoint.tags), downstreams=_downstreams(plan.log.downstreams))
            if plan.log else None,
            active=plan.active,
            resources=JSON(dict(plan.resources)),
            on_node=OnNode(**{mode: list(plan.on_node.get(mode, ())) for mode in ("may", "prefer", "must")})
            if plan.on_node else None,
            service_account=plan.service_account,
            retry=RetryPolicy(max=retry.max, backoff_seconds=retry.backoff_seconds) if retry else None,
            concurrency=concurrency_of(plan.summary.annotations),
        )


@strawberry.type(description="Something to know before a plan's first Run: why it would fail, or what it lacks.")
class PlanNotice:
    level: str = strawberry.field(description="warning (Runs would fail or not do what the plan says) or note.")
    message: str
    advice: str


@strawberry.type(description="How a plan's Runs execute on this server.")
class PlanExecution:
    executor: str = strawberry.field(description="process, docker or kubernetes (none for pseudo plans).")
    image_used: bool = strawberry.field(description="False when the process executor runs the plan's command instead.")
    network: bool
    why: str = strawberry.field(description="Why this executor: the server's setting, the plan's annotation, the engine.")
    notices: list[PlanNotice]

    @classmethod
    def from_record(cls, execution: PlanExecutionRecord) -> PlanExecution:
        return cls(executor=execution.executor, image_used=execution.image_used, network=execution.network,
                   why=execution.why, notices=[PlanNotice(level=n.level, message=n.message, advice=n.advice)
                                               for n in execution.notices])
