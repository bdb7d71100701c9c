"""Pipeline runs: a parameters Data and everything downstream of it, in one query.

A pipeline run starts from a Data tagged ``<parametersKey>:<pipeline>`` (``knit pipeline run``);
its Runs are those within reach downstream, ``-[:INPUT_TO|PRODUCED*]->`` (the pruning expansion
that lineage uses: distinct end nodes only). The tag keys are the pipeline package's; they are
passed in rather than known here.
"""

from __future__ import annotations

from typing import Any, Final, LiteralString

from neo4j import AsyncManagedTransaction

from .driver import Graph
from .records import ExperimentRecord, PipelineRunRecord, PipelineStepRun
from .summaries import run_metrics, run_summary, tag_list

FIND_PIPELINE_RUNS: Final[LiteralString] = """
MATCH (p:Data)-[:TAGGED]->(pt:Tag {key: $parametersKey})
WHERE ($pipeline IS NULL OR pt.value = $pipeline) AND ($knitId IS NULL OR p.knitId = $knitId)
  AND ($experiment IS NULL OR EXISTS { (p)-[:TAGGED]->(:Tag {key: $experimentKey, value: $experiment}) })
MATCH (p)<-[:PRODUCED]-(upload:Run)
WITH p, pt.value AS pipeline, upload
ORDER BY upload.finishedAt, p.knitId
LIMIT $limit
CALL (p) {
    MATCH hop = (p)-[:INPUT_TO|PRODUCED*1..100]->(r:Run)
    WITH r, min(length(hop)) AS distance
    WHERE r.status <> 'invalidated'
    MATCH (r)-[:OF_PLAN]->(plan:Plan)
    WITH r, plan ORDER BY distance, r.createdAt, r.runId
    RETURN collect({run: r {.runId, .status, .updatedAt, .exitCode, .exitMessage,
                            plan: plan {.planId, .image, .entrypoint, .args, .name, .annotations}},
                    metrics: [(r)-[made:PRODUCED]->(d:Data) WHERE d.metricNames IS NOT NULL |
                              [made.path, d.metricNames, d.metricValues]]}) AS runs
}
RETURN p.knitId AS knitId, pipeline, upload.finishedAt AS createdAt, runs,
    [(p)-[:TAGGED]->(t:Tag) | [t.key, t.value]] AS tags,
    COUNT { MATCH (step:Plan) WHERE step.active AND $pipelineAnnotation + pipeline IN step.annotations } AS steps
"""

FIND_EXPERIMENTS: Final[LiteralString] = """
MATCH (p:Data)-[:TAGGED]->(pt:Tag {key: $parametersKey})
MATCH (p)-[:TAGGED]->(e:Tag {key: $experimentKey})
MATCH (p)<-[:PRODUCED]-(upload:Run)
WITH e.value AS name, count(DISTINCT p) AS pipelineRuns, collect(DISTINCT pt.value) AS pipelines,
     max(upload.finishedAt) AS lastRunAt
RETURN name, pipelineRuns, pipelines, lastRunAt
ORDER BY lastRunAt DESC, name
"""


def _step_run(row: dict[str, Any]) -> PipelineStepRun:
    return PipelineStepRun(run_summary(row["run"]), run_metrics(row["metrics"]))


async def _find(tx: AsyncManagedTransaction, params: dict[str, Any]) -> list[PipelineRunRecord]:
    result = await tx.run(FIND_PIPELINE_RUNS, params)
    return [
        PipelineRunRecord(
            knit_id=row["knitId"], pipeline=row["pipeline"], user_tags=tag_list(row["tags"]),
            created_at=row["createdAt"], steps=row["steps"], runs=tuple(_step_run(r) for r in row["runs"]),
        )
        async for row in result
    ]


async def find_pipeline_runs(
    graph: Graph, *, parameters_key: str, experiment_key: str, pipeline_annotation: str,
    pipeline: str | None, experiment: str | None, knit_id: str | None = None, limit: int,
) -> list[PipelineRunRecord]:
    """The pipeline runs of ``pipeline`` and/or ``experiment`` (None: any), oldest first, at most
    ``limit``. ``pipeline_annotation`` is the ``key=`` prefix that marks a pipeline's Plans."""
    return await graph.read(_find, {
        "parametersKey": parameters_key, "experimentKey": experiment_key, "pipeline": pipeline,
        "experiment": experiment, "knitId": knit_id, "limit": limit, "pipelineAnnotation": pipeline_annotation,
    })


async def _experiments(tx: AsyncManagedTransaction, params: dict[str, Any]) -> list[ExperimentRecord]:
    result = await tx.run(FIND_EXPERIMENTS, params)
    return [ExperimentRecord(row["name"], row["pipelineRuns"], tuple(sorted(row["pipelines"])), row["lastRunAt"])
            async for row in result]


async def find_experiments(graph: Graph, *, parameters_key: str, experiment_key: str) -> list[ExperimentRecord]:
    """Every experiment (a tag value on parameters Data), the most recently run first."""
    return await graph.read(_experiments, {"parametersKey": parameters_key, "experimentKey": experiment_key})
