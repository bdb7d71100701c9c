"""Pipeline runs, by pipeline and experiment."""

from __future__ import annotations

import strawberry

from ...services import pipeline_runs as pipeline_run_service
from ..context import Info
from ..types.pipeline_run import Experiment, PipelineRun


@strawberry.type
class PipelineRunQuery:
    @strawberry.field(
        description="Pipeline runs (parameters Data of `knit pipeline run`) of a pipeline and/or an experiment, "
        "or the one of a parameters Data (knitId), oldest first, each with its parameters, Runs, status and metrics."
    )
    async def pipeline_runs(
        self, info: Info, pipeline: str | None = None, experiment: str | None = None,
        knit_id: strawberry.ID | None = None, limit: int = 1000,
    ) -> list[PipelineRun]:
        found = await pipeline_run_service.find_pipeline_runs(
            info.context.services, pipeline, experiment, str(knit_id) if knit_id else None, limit)
        return [PipelineRun.from_view(v) for v in found]

    @strawberry.field(description="Every experiment, the most recently run first.")
    async def experiments(self, info: Info) -> list[Experiment]:
        return [Experiment.from_record(e) for e in await pipeline_run_service.find_experiments(info.context.services)]
