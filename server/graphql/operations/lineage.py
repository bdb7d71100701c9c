"""Lineage of a Data and the graph of Plans around a Plan."""

from __future__ import annotations

from typing import Annotated

import strawberry

from ...services import lineage as lineage_service
from ..context import Info
from ..types.lineage import Lineage, PlanGraph
from ..types.status import RunStatusValue, to_statuses

DEPTH_HELP = "Steps to walk (default 3); null walks everything."
BUDGET_HELP = "Most nodes to return, nearest first (default 10000); truncated says when it cut."


@strawberry.type
class LineageQuery:
    @strawberry.field(
        description="The Data and Runs upstream and/or downstream of a Data (neither given: both). A step "
        "goes from a Data to the Run that made it (upstream) or to the Runs that read it (downstream), "
        "and takes all that Run's inputs, outputs and log along. statuses keeps only Runs in those "
        "statuses (impact analysis: which Runs downstream of this Data failed?)."
    )
    async def lineage(
        self, info: Info, knit_id: strawberry.ID, upstream: bool = False, downstream: bool = False,
        depth: Annotated[int | None, strawberry.argument(description=DEPTH_HELP)] = 3,
        max_nodes: Annotated[int, strawberry.argument(description=BUDGET_HELP)] = 10_000,
        statuses: list[RunStatusValue] | None = None,
    ) -> Lineage:
        found, filtered = await lineage_service.get_lineage(
            info.context.services, str(knit_id), upstream, downstream, depth, max_nodes, to_statuses(statuses)
        )
        return Lineage(record=found, filtered=filtered)

    @strawberry.field(
        description="The Plans upstream and/or downstream of a Plan (neither given: both), linked where an "
        "output or log feeds an input; depth counts plan hops."
    )
    async def plan_graph(
        self, info: Info, plan_id: strawberry.ID, upstream: bool = False, downstream: bool = False,
        depth: Annotated[int | None, strawberry.argument(description=DEPTH_HELP)] = 3,
        max_nodes: Annotated[int, strawberry.argument(description=BUDGET_HELP)] = 10_000,
    ) -> PlanGraph:
        found = await lineage_service.get_plan_graph(
            info.context.services, str(plan_id), upstream, downstream, depth, max_nodes
        )
        return PlanGraph.from_record(found)

    @strawberry.field(description="The active steps (Plans) of a pipeline, linked where an output feeds an input.")
    async def pipeline_graph(self, info: Info, name: str) -> PlanGraph:
        return PlanGraph.from_record(await lineage_service.get_pipeline_graph(info.context.services, name))
