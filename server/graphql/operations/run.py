"""Reading, searching, stopping, retrying and deleting Runs."""

from __future__ import annotations

import strawberry

from ...auth.roles import CanEdit
from ...services import runs as run_service
from ..context import Info
from ..types.rerun import Rerun
from ..types.run import Run
from ..types.status import RunStatusValue, to_statuses


@strawberry.type
class RunQuery:
    @strawberry.field(description="One Run by id.")
    async def run(self, info: Info, run_id: strawberry.ID) -> Run:
        return Run.from_record(await run_service.get_run(info.context.services, str(run_id)))

    @strawberry.field(
        description="Runs matching every given filter (several values of one filter are alternatives), "
        "by updatedAt then runId. since/duration select updatedAt in [since, since+duration)."
    )
    async def find_runs(
        self, info: Info, plan_ids: list[str] | None = None, in_knit_ids: list[str] | None = None,
        out_knit_ids: list[str] | None = None, statuses: list[RunStatusValue] | None = None,
        since: str | None = None, duration: str | None = None,
    ) -> list[Run]:
        found = await run_service.find_runs(
            info.context.services, plan_ids or [], in_knit_ids or [], out_knit_ids or [], to_statuses(statuses) or [], since,
            duration,
        )
        return [Run.from_record(r) for r in found]


@strawberry.type
class RunMutation:
    @strawberry.mutation(
        permission_classes=[CanEdit],
        description="Stop a Run: completing, its outputs count as done (exit 0 'stopped by user'); "
        "with fail, aborting, its outputs are failed (exit 253 'aborted by user')."
    )
    async def stop_run(self, info: Info, run_id: strawberry.ID, fail: bool = False) -> Run:
        return Run.from_record(await run_service.stop_run(info.context.services, info.context.actor, str(run_id), fail))

    @strawberry.mutation(
        permission_classes=[CanEdit], description="Run a finished Run again: new outputs, same runId, back to waiting."
    )
    async def retry_run(self, info: Info, run_id: strawberry.ID) -> Run:
        return Run.from_record(await run_service.retry_run(info.context.services, info.context.actor, str(run_id)))

    @strawberry.mutation(
        permission_classes=[CanEdit],
        description="Run a done or failed Run again as a new Run that supersedes it (the old one stays in lineage). "
        "Refused when its outputs feed other Runs, unless downstream: then those are superseded too and their plans "
        "run again on the new outputs. dryRun changes nothing and lists exactly what would run again or end."
    )
    async def rerun_run(self, info: Info, run_id: strawberry.ID, downstream: bool = False, dry_run: bool = False) -> Rerun:
        return Rerun.from_record(await run_service.rerun_run(
            info.context.services, info.context.actor, str(run_id), downstream, dry_run))

    @strawberry.mutation(
        permission_classes=[CanEdit],
        description="A Data found bad: the Run that made it runs again with everything derived from it (as rerunRun "
        "with downstream); an uploaded Data and what derives from it stop feeding new Runs. dryRun changes nothing."
    )
    async def invalidate_data(self, info: Info, knit_id: strawberry.ID, dry_run: bool = False) -> Rerun:
        return Rerun.from_record(await run_service.invalidate_data(
            info.context.services, info.context.actor, str(knit_id), dry_run))

    @strawberry.mutation(
        permission_classes=[CanEdit],
        description="Delete a stopped Run's outputs; the Run stays as an invalidated tombstone so that "
        "its combination never runs again (uploads disappear entirely). Returns the runId."
    )
    async def delete_run(self, info: Info, run_id: strawberry.ID) -> strawberry.ID:
        return strawberry.ID(await run_service.delete_run(info.context.services, info.context.actor, str(run_id)))
