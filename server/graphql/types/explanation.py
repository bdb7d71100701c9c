"""Why a Data is, or is not, an input of a Plan (``knit plan explain``)."""

from __future__ import annotations

import strawberry

from ...services.explain import Explanation
from .common import RunSummary, tag_strings


@strawberry.type(description="One input of the Plan, against the Data.")
class InputExplanation:
    path: str
    matches: bool = strawberry.field(description="The Data feeds this input now.")
    reasons: list[str] = strawberry.field(description="Why it does not (empty when it does).")
    required_tags: list[str]
    missing_tags: list[str] = strawberry.field(description="Required tags the Data lacks.")
    candidates: int = strawberry.field(description="Data that feed this input now, this one included.")


@strawberry.type(description="Whether a Data is an input of a Plan, and why no Run came of it.")
class PlanExplanation:
    plan_id: strawberry.ID
    knit_id: strawberry.ID
    plan_active: bool
    summary: str = strawberry.field(description="The answer in one sentence.")
    inputs: list[InputExplanation]
    runs: list[RunSummary] = strawberry.field(description="Runs of the Plan that read the Data.")

    @classmethod
    def from_explanation(cls, found: Explanation) -> PlanExplanation:
        record = found.record
        by_path = {i.path: i for i in record.inputs}
        return cls(
            plan_id=strawberry.ID(record.plan_id), knit_id=strawberry.ID(record.knit_id),
            plan_active=record.plan_active, summary=found.summary,
            inputs=[InputExplanation(
                path=v.path, matches=v.matches, reasons=list(v.reasons),
                required_tags=tag_strings(by_path[v.path].required), missing_tags=tag_strings(by_path[v.path].missing),
                candidates=by_path[v.path].candidates,
            ) for v in found.inputs],
            runs=[RunSummary.from_record(r) for r in record.runs],
        )
