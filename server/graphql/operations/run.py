"""Reading and searching Runs."""

from __future__ import annotations

import strawberry

import anyio.to_thread

from knitgraph.graph_schema import run_actions
from knitgraph.graph_schema import runs as run_graph
from knitgraph.graph_schema.timefmt import now_ms

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


@strawberry.type
class RunMutation:
    @strawberry.mutation(
        description="Stop a Run: completing, its outputs count as done (exit 0 'stopped by user'); "
        "with fail, aborting, its outputs are failed (exit 253 'aborted by user')."
    )
    async def stop_run(self, info: Info, run_id: strawberry.ID, fail: bool = False) -> Run:
        graph = info.context.graph
        previous = await run_actions.stop_run(graph, str(run_id), fail=fail, now=now_ms())
        if fail:
            await info.context.runs.finish_unstarted(str(run_id), previous)
        return Run.from_record(await run_graph.get_run(graph, str(run_id)))

    @strawberry.mutation(description="Run a finished Run again: new outputs, same runId, back to waiting.")
    async def retry_run(self, info: Info, run_id: strawberry.ID) -> Run:
        graph = info.context.graph
        for knit_id in await run_actions.retry_run(graph, str(run_id), now=now_ms()):
            await anyio.to_thread.run_sync(info.context.store.discard, knit_id)
        return Run.from_record(await run_graph.get_run(graph, str(run_id)))

    @strawberry.mutation(
        description="Delete a stopped Run's outputs; the Run stays as an invalidated tombstone so that "
        "its combination never runs again (uploads disappear entirely). Returns the runId."
    )
    async def delete_run(self, info: Info, run_id: strawberry.ID) -> strawberry.ID:
        for knit_id in await run_actions.delete_run(info.context.graph, str(run_id), now=now_ms()):
            await anyio.to_thread.run_sync(info.context.store.discard, knit_id)
        return run_id
