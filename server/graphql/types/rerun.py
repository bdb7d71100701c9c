"""What a rerun (or a Data's invalidation) did, or would do in a dry run."""

from __future__ import annotations

import strawberry

from knitgraph.graph_schema import reruns


@strawberry.type(description="A Run a rerun touches, and what happens to it.")
class AffectedRun:
    run_id: strawberry.ID
    plan_id: strawberry.ID
    plan: str = strawberry.field(description="The plan's name, else its image.")
    step: int = strawberry.field(description="0: the Run run again; k: k steps downstream of it.")
    action: str = strawberry.field(
        description="rerun (it runs again as a new Run), superseded (it keeps its results; its plan runs again on "
        "the new Data once they are made) or failed (it had not run: it would have read superseded Data).")


@strawberry.type(description="What a rerun did, or would do (dryRun: nothing was changed).")
class Rerun:
    dry_run: bool
    new_run_id: strawberry.ID | None = strawberry.field(
        description="The new Run that supersedes the one run again; null in a dry run or for an upload.")
    affected: list[AffectedRun]

    @classmethod
    def from_record(cls, rerun: reruns.Rerun) -> Rerun:
        return cls(dry_run=rerun.dry_run, new_run_id=strawberry.ID(rerun.new_run_id) if rerun.new_run_id else None,
                   affected=[AffectedRun(run_id=strawberry.ID(a.run_id), plan_id=strawberry.ID(a.plan_id), plan=a.plan,
                                         step=a.step, action=a.action) for a in rerun.affected])
