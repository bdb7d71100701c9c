"""Reading and searching Runs."""

from __future__ import annotations

import strawberry

from knitgraph.graph_schema import runs as run_graph

from ..context import Info
from ..types.run import Run
from .data import window


@strawberry.type
class RunQuery:
    @strawberry.field(description="One Run by id.")
    async def run(self, info: Info, run_id: strawberry.ID) -> Run:
        return Run.from_record(await run_graph.get_run(info.context.graph, str(run_id)))

    @strawberry.field(
        description="Runs matching every given filter (several values of one filter are alternatives), "
        "by updatedAt then runId. since/duration select updatedAt in [since, since+duration)."
    )
    async def find_runs(
        self, info: Info, plan_ids: list[str] | None = None, in_knit_ids: list[str] | None = None,
        out_knit_ids: list[str] | None = None, statuses: list[str] | None = None,
        since: str | None = None, duration: str | None = None,
    ) -> list[Run]:
        start, end = window(since, duration)
        found = await run_graph.find_runs(
            info.context.graph, plan_ids=plan_ids or [], in_knit_ids=in_knit_ids or [],
            out_knit_ids=out_knit_ids or [], statuses=statuses or [], since=start, until=end,
        )
        return [Run.from_record(r) for r in found]
