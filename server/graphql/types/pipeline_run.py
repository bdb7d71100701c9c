"""A pipeline run: the parameters Data ``knit pipeline run`` pushed and the Runs downstream of it."""

from __future__ import annotations

import strawberry

from knitgraph.graph_schema import records
from knitgraph.graph_schema.timefmt import format_ms

from ...services.pipeline_runs import PipelineRun as PipelineRunView
from ...services.pipeline_runs import step_of
from .common import Metric, RunSummary, metric_list


@strawberry.type
class Parameter:
    name: str
    value: str


@strawberry.type(description="A Run of a pipeline run, with the step (Plan) it belongs to.")
class PipelineRunStep:
    step: str | None = strawberry.field(description="The step's name (annotation knitgraph.io/pipeline-step).")
    run: RunSummary
    metrics: list[Metric]


@strawberry.type(description="One parameter set of a pipeline (a parameters Data) and every Run downstream of it.")
class PipelineRun:
    knit_id: strawberry.ID = strawberry.field(description="The parameters Data.")
    pipeline: str
    experiment: str | None
    parameters: list[Parameter] = strawberry.field(description="From the param.<name> tags of the parameters Data.")
    created_at: str | None
    status: str = strawberry.field(
        description="running (a Run has not finished), failed (a Run failed), done (every step's Run is done) or "
        "incomplete (all finished, but some steps have no Run: their other inputs are missing)."
    )
    steps: int = strawberry.field(description="Active steps (Plans) the pipeline has now.")
    runs: list[PipelineRunStep] = strawberry.field(description="Nearest first.")
    metrics: list[Metric] = strawberry.field(
        description="Every metric its Runs recorded, named <step>.<metric> (e.g. analyse-1.accuracy)."
    )

    @classmethod
    def from_view(cls, view: PipelineRunView) -> PipelineRun:
        record = view.record
        return cls(
            knit_id=strawberry.ID(record.knit_id), pipeline=record.pipeline, experiment=view.experiment,
            parameters=[Parameter(name=n, value=v) for n, v in view.parameters],
            created_at=format_ms(record.created_at) if record.created_at is not None else None,
            status=view.status, steps=record.steps,
            runs=[PipelineRunStep(step=step_of(r), run=RunSummary.from_record(r.summary), metrics=metric_list(r.metrics))
                  for r in view.runs],
            metrics=metric_list(view.metrics),
        )


@strawberry.type(description="An experiment: pipeline runs whose parameters carry the tag experiment:<name>.")
class Experiment:
    name: str
    pipeline_runs: int
    pipelines: list[str]
    last_run_at: str | None = strawberry.field(description="When its newest pipeline run started.")

    @classmethod
    def from_record(cls, record: records.ExperimentRecord) -> Experiment:
        return cls(name=record.name, pipeline_runs=record.pipeline_runs, pipelines=list(record.pipelines),
                   last_run_at=format_ms(record.last_run_at) if record.last_run_at is not None else None)
