"""Lineage and plan graphs: nodes, edges, the budget flag and their dot text."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from knitgraph.graph_schema import records
from knitgraph.graph_schema.timefmt import format_ms, parse_timezone

from ... import dot
from .common import Metric, Mountpoint, PlanSummary, RunSummary, metric_list, tag_strings

FULL_IDS_HELP = "Show whole ids; by default they are cut to 8 characters, the whole id in the tooltip."


@strawberry.type(description="A Data in a lineage.")
class LineageData:
    """Each field is read from the record when asked for: a 10,000-node lineage is mostly read for
    its ids, and its tags and timestamps cost more to write than everything else."""

    record: strawberry.Private[records.LineageData]
    start: strawberry.Private[str]

    @strawberry.field
    def knit_id(self) -> strawberry.ID:
        return strawberry.ID(self.record.knit_id)

    @strawberry.field(description="User tags and knit#id, knit#timestamp, knit#transient.")
    def tags(self) -> list[str]:
        return tag_strings(self.record.tags)

    @strawberry.field(description="knit#timestamp: when it was finished.")
    def timestamp(self) -> str | None:
        return format_ms(self.record.finished_at) if self.record.finished_at is not None else None

    @strawberry.field(description="processing or failed while it is not usable.")
    def transient(self) -> str | None:
        return self.record.transient

    @strawberry.field
    def is_start(self) -> bool:
        return self.record.knit_id == self.start

    @strawberry.field(description="Its metrics (metrics.json), if it has any.")
    def metrics(self) -> list[Metric]:
        return metric_list(self.record.metrics)


@strawberry.type(description="A Run in a lineage.")
class LineageRun:
    run: RunSummary
    step: int = strawberry.field(
        description="Data-to-Data steps from the start Data: negative upstream (-1 made it), positive downstream."
    )


@strawberry.enum(description="What an edge between a Data and a Run means.")
class LineageEdgeKind(Enum):
    INPUT = "input"
    OUTPUT = "output"
    LOG = "log"


@strawberry.type(description="A Data read by a Run (INPUT) or written by it (OUTPUT, LOG).")
class LineageEdge:
    knit_id: strawberry.ID
    run_id: strawberry.ID
    kind: LineageEdgeKind
    path: str | None = strawberry.field(description="The mountpoint path; null for a log.")


@strawberry.type(description="The Data and Runs around a Data, nearest first.")
class Lineage:
    """Fields are built only when asked for: `knit data lineage` asks for dot alone, and 10,000
    nodes' worth of unused objects would double its time."""

    record: strawberry.Private[records.Lineage]
    filtered: strawberry.Private[bool]

    @strawberry.field
    def start(self) -> strawberry.ID:
        return strawberry.ID(self.record.start)

    @strawberry.field
    def data(self) -> list[LineageData]:
        return [LineageData(record=d, start=self.record.start) for d in self.record.data]

    @strawberry.field
    def runs(self) -> list[LineageRun]:
        plans = {r.summary.plan.plan_id: r.summary.plan for r in self.record.runs}
        shown = {plan_id: PlanSummary.from_record(plan) for plan_id, plan in plans.items()}
        return [LineageRun(run=RunSummary.from_record(r.summary, shown[r.summary.plan.plan_id]), step=r.step)
                for r in self.record.runs]

    @strawberry.field
    def edges(self) -> list[LineageEdge]:
        edges = []
        for run in self.record.runs:
            run_id = strawberry.ID(run.summary.run_id)
            edges += [LineageEdge(knit_id=strawberry.ID(k), run_id=run_id, kind=LineageEdgeKind.INPUT, path=p)
                      for p, k in run.inputs]
            edges += [LineageEdge(knit_id=strawberry.ID(k), run_id=run_id, kind=LineageEdgeKind.OUTPUT, path=p)
                      for p, k in run.outputs]
            if run.log is not None:
                edges.append(LineageEdge(knit_id=strawberry.ID(run.log), run_id=run_id, kind=LineageEdgeKind.LOG,
                                         path=None))
        return edges

    @strawberry.field(description="True when maxNodes cut the answer short.")
    def truncated(self) -> bool:
        return self.record.truncated

    @strawberry.field(description="How many Runs within reach (depth, statuses) maxNodes left out: 0 unless truncated.")
    def omitted_runs(self) -> int:
        return self.record.omitted_runs

    @strawberry.field(description="The lineage as graphviz dot, drawn as Knitfab draws it.")
    def dot(
        self,
        timezone: Annotated[str, strawberry.argument(
            description="Zone of the times shown: an IANA name (Asia/Tokyo), UTC, or +09:00."
        )] = "UTC",
        full_ids: Annotated[bool, strawberry.argument(description=FULL_IDS_HELP)] = False,
    ) -> str:
        zone = parse_timezone(timezone)
        return dot.lineage_dot(self.record, zone, connect_distant=self.filtered, full_ids=full_ids)


@strawberry.type(description="A Plan in a plan graph.")
class PlanGraphNode:
    plan_id: strawberry.ID
    image: str | None
    name: str | None
    annotations: list[str]
    active: bool
    inputs: list[Mountpoint]
    outputs: list[Mountpoint]
    log: Mountpoint | None
    step: int = strawberry.field(description="Plan hops from the start Plan: negative upstream, positive downstream.")


@strawberry.type(description="An output (or the log, path null) of one Plan feeding an input of another.")
class PlanGraphEdge:
    from_plan_id: strawberry.ID
    from_path: str | None
    to_plan_id: strawberry.ID
    to_path: str


@strawberry.type(description="The Plans linked to a Plan through outputs that feed inputs, nearest first.")
class PlanGraph:
    start: strawberry.ID
    plans: list[PlanGraphNode]
    edges: list[PlanGraphEdge]
    truncated: bool = strawberry.field(description="True when maxNodes cut the answer short.")
    omitted_plans: int = strawberry.field(
        description="How many Plans within reach (depth) maxNodes left out: 0 unless truncated.")
    record: strawberry.Private[records.PlanGraph]

    @strawberry.field(description="The plan graph as graphviz dot, drawn as Knitfab draws it.")
    def dot(self, full_ids: Annotated[bool, strawberry.argument(description=FULL_IDS_HELP)] = False) -> str:
        return dot.plan_graph_dot(self.record, full_ids=full_ids)

    @classmethod
    def from_record(cls, graph: records.PlanGraph) -> PlanGraph:
        plans = [
            PlanGraphNode(
                plan_id=strawberry.ID(p.summary.plan_id), image=p.summary.image, name=p.summary.name,
                annotations=list(p.summary.annotations), active=p.active,
                inputs=[Mountpoint.from_record(m) for m in p.inputs],
                outputs=[Mountpoint.from_record(m) for m in p.outputs],
                log=Mountpoint.from_record(p.log) if p.log else None, step=p.step,
            )
            for p in graph.plans
        ]
        edges = [
            PlanGraphEdge(from_plan_id=strawberry.ID(link.from_plan_id), from_path=None if link.is_log else link.from_path,
                          to_plan_id=strawberry.ID(link.to_plan_id), to_path=link.to_path)
            for link in graph.links
        ]
        return cls(start=strawberry.ID(graph.start), plans=plans, edges=edges, truncated=graph.truncated,
                   omitted_plans=graph.omitted_plans, record=graph)
