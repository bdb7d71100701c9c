"""Pipeline runs (``knit pipeline run``): their parameters, experiment, status and metrics, for
``knit experiment show``, ``knit metrics compare`` and the console."""

from __future__ import annotations

from dataclasses import dataclass

from knitgraph.graph_schema import pipeline_runs
from knitgraph.graph_schema.errors import InvalidInputError
from knitgraph.graph_schema.plan_spec import annotation_value
from knitgraph.graph_schema.records import ExperimentRecord, Metric, PipelineRunRecord, PipelineStepRun, RunStatus
from knitgraph.pipeline.naming import (
    EXPERIMENT_TAG,
    PARAMETER_TAG_PREFIX,
    PARAMETERS_TAG,
    PIPELINE_ANNOTATION,
    STEP_ANNOTATION,
)

from .state import Services

MAX_PIPELINE_RUNS = 10_000


@dataclass(frozen=True, slots=True)
class PipelineRun:
    record: PipelineRunRecord
    experiment: str | None
    parameters: tuple[tuple[str, str], ...]
    status: str  # running, failed, done, or incomplete (finished, but some steps never ran)
    metrics: tuple[Metric, ...]  # of all its Runs, named <step>.<metric> (two branches both write accuracy)

    @property
    def runs(self) -> tuple[PipelineStepRun, ...]:
        return self.record.runs


def step_of(run: PipelineStepRun) -> str | None:
    return annotation_value(run.summary.plan.annotations, STEP_ANNOTATION)


def _status(record: PipelineRunRecord) -> str:
    statuses = [r.summary.status for r in record.runs]
    if RunStatus.FAILED in statuses:
        return "failed"
    if any(s.transient == "processing" for s in statuses):  # not finished yet
        return "running"
    done_steps = {step_of(r) for r in record.runs if r.summary.status is RunStatus.DONE}
    return "done" if len(done_steps) >= record.steps else "incomplete"


def _summarize(record: PipelineRunRecord) -> PipelineRun:
    metrics: dict[str, Metric] = {}
    for run in record.runs:
        step = step_of(run) or f"plan-{run.summary.plan.plan_id[:8]}"
        for metric in run.metrics:
            metrics.setdefault(f"{step}.{metric.name}", Metric(f"{step}.{metric.name}", metric.value))
    return PipelineRun(
        record=record,
        experiment=next((t.value for t in record.user_tags if t.key == EXPERIMENT_TAG), None),
        parameters=tuple(sorted((t.key[len(PARAMETER_TAG_PREFIX):], t.value) for t in record.user_tags
                                if t.key.startswith(PARAMETER_TAG_PREFIX))),
        status=_status(record),
        metrics=tuple(metrics.values()),
    )


async def find_pipeline_runs(
    services: Services, pipeline: str | None, experiment: str | None, knit_id: str | None, limit: int
) -> list[PipelineRun]:
    if limit < 1 or limit > MAX_PIPELINE_RUNS:
        raise InvalidInputError(f"limit {limit} is out of range", f"ask for 1 to {MAX_PIPELINE_RUNS} pipeline runs")
    found = await pipeline_runs.find_pipeline_runs(
        services.graph, parameters_key=PARAMETERS_TAG, experiment_key=EXPERIMENT_TAG,
        pipeline_annotation=f"{PIPELINE_ANNOTATION}=", pipeline=pipeline, experiment=experiment, knit_id=knit_id,
        limit=limit,
    )
    return [_summarize(r) for r in found]


async def find_experiments(services: Services) -> list[ExperimentRecord]:
    return await pipeline_runs.find_experiments(services.graph, parameters_key=PARAMETERS_TAG,
                                                experiment_key=EXPERIMENT_TAG)
