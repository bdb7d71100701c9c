"""Runs: detail and search. (Status changes and execution belong to the run lifecycle.)

Reads ``(:Run {runId, status, updatedAt, exitCode, exitMessage})-[:OF_PLAN]->(:Plan)``,
``(:Data)-[:INPUT_TO {path}]->(:Run)`` and ``(:Run)-[:PRODUCED {path, log}]->(:Data)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, LiteralString

from neo4j import AsyncManagedTransaction

from .audit import actions
from .driver import Graph
from .errors import InvalidInputError, run_not_found
from .records import Assignment, Attempt, Exit, Mountpoint, RunRecord, RunStatus
from .summaries import input_mountpoint, run_metrics, run_summary, tag_list

GET_RUN_DETAILS: Final[LiteralString] = """
UNWIND $runIds AS runId
MATCH (r:Run {runId: runId})-[:OF_PLAN]->(p:Plan)
RETURN r {.runId, .status, .updatedAt, .exitCode, .exitMessage,
          plan: p {.planId, .image, .entrypoint, .args, .name, .annotations}} AS run, r.readyAt AS readyAt,
    r.startedAt AS startedAt, r.finishedAt AS finishedAt, r.executor AS executor,
    coalesce(r.attempt, 1) AS attempt, r.notBefore AS notBefore, r.supersededBy AS supersededBy,
    r.supersededAt AS supersededAt, head([(r)-[:SUPERSEDES]->(old:Run) | old.runId]) AS supersedes,
    [(r)-[:HAD_ATTEMPT]->(a:Attempt) | a {.*}] AS attempts,
    [(d:Data)-[use:INPUT_TO]->(r) | {knitId: d.knitId,
        input: head([(p)-[:HAS_INPUT]->(i:Input) WHERE i.path = use.path |
                     i {.path, .pinKnitId, .pinTimestamp, tags: [(i)-[:REQUIRES]->(t:Tag) | [t.key, t.value]]}])}]
        AS inputs,
    [(r)-[made:PRODUCED]->(d:Data) | {knitId: d.knitId, path: made.path, isLog: made.log,
        metricNames: d.metricNames, metricValues: d.metricValues,
        tags: head([(p)-[:HAS_OUTPUT]->(o:Output) WHERE o.path = made.path |
                    [(o)-[:PUTS]->(t:Tag) | [t.key, t.value]]])}] AS outputs,
    [(r)<-[:ON]-(a:Action) | a {.action, .by, .at}] AS history
"""

FIND_RUN_IDS: Final[LiteralString] = """
CALL () {
    UNWIND $inKnitIds AS knitId
    MATCH (:Data {knitId: knitId})-[:INPUT_TO]->(r:Run)
    RETURN r
    UNION
    UNWIND $outKnitIds AS knitId
    MATCH (:Data {knitId: knitId})<-[:PRODUCED]-(r:Run)
    RETURN r
    UNION
    UNWIND CASE WHEN size($inKnitIds) = 0 AND size($outKnitIds) = 0 THEN $planIds ELSE [] END AS planId
    MATCH (:Plan {planId: planId})<-[:OF_PLAN]-(r:Run)
    RETURN r
    UNION
    UNWIND CASE WHEN size($inKnitIds) + size($outKnitIds) + size($planIds) = 0 THEN [true] ELSE [] END AS everything
    MATCH (r:Run)
    RETURN r
}
MATCH (r)-[:OF_PLAN]->(p:Plan)
WHERE (size($planIds) = 0 OR p.planId IN $planIds)
  AND (size($statuses) = 0 OR r.status IN $statuses)
  AND (size($inKnitIds) = 0 OR EXISTS { MATCH (d:Data)-[:INPUT_TO]->(r) WHERE d.knitId IN $inKnitIds })
  AND (size($outKnitIds) = 0 OR EXISTS { MATCH (r)-[:PRODUCED]->(d:Data) WHERE d.knitId IN $outKnitIds })
  AND ($since IS NULL OR $since <= r.updatedAt < $until)
RETURN r.runId AS runId
ORDER BY r.updatedAt, runId
"""


def _run_record(row: Mapping[str, Any]) -> RunRecord:
    inputs = sorted(
        (Assignment(input_mountpoint(i["input"]), i["knitId"]) for i in row["inputs"] if i["input"]),
        key=lambda a: a.mountpoint.path,
    )
    outputs: list[Assignment] = []
    log: Assignment | None = None
    for o in row["outputs"]:
        assignment = Assignment(Mountpoint(o["path"], tag_list(o["tags"])), o["knitId"])
        if o["isLog"]:
            log = assignment
        else:
            outputs.append(assignment)
    return RunRecord(
        summary=run_summary(row["run"]),
        ready_at=row["readyAt"],
        started_at=row["startedAt"],
        finished_at=row["finishedAt"],
        executor=row["executor"],
        inputs=tuple(inputs),
        outputs=tuple(sorted(outputs, key=lambda a: a.mountpoint.path)),
        log=log,
        history=actions(row["history"]),
        metrics=run_metrics((o["path"], o["metricNames"], o["metricValues"]) for o in row["outputs"]),
        attempt=row["attempt"],
        attempts=tuple(sorted((_attempt(a) for a in row["attempts"]), key=lambda a: a.number)),
        not_before=row["notBefore"],
        superseded_by=row["supersededBy"],
        supersedes=row["supersedes"],
        superseded_at=row["supersededAt"],
    )


def _attempt(row: dict[str, Any]) -> Attempt:
    return Attempt(row["number"], Exit(row["exitCode"] if row["exitCode"] is not None else 255, row["exitMessage"] or ""),
                   row.get("readyAt"), row.get("startedAt"), row["finishedAt"], row.get("executor"), row.get("logFile"))


async def run_details(tx: AsyncManagedTransaction, run_ids: list[str]) -> list[RunRecord]:
    """The Runs with these ids, in that order (unknown ids left out), within ``tx``."""
    result = await tx.run(GET_RUN_DETAILS, runIds=run_ids)
    by_id = {row["run"]["runId"]: _run_record(row) async for row in result}
    return [by_id[run_id] for run_id in run_ids if run_id in by_id]


async def get_run(graph: Graph, run_id: str) -> RunRecord:
    """The Run with this id; raises ``NotFoundError``."""
    found = await graph.read(run_details, [run_id])
    if not found:
        raise run_not_found(run_id)
    return found[0]


def parse_statuses(texts: list[str]) -> list[str]:
    searchable = [s.value for s in RunStatus if s is not RunStatus.INVALIDATED]
    for text in texts:
        if text not in searchable:
            raise InvalidInputError(f'"status" should be one of {", ".join(searchable)}; not {text!r}',
                                    "pick statuses from that list")
    return texts


async def _find(tx: AsyncManagedTransaction, params: dict[str, Any]) -> list[RunRecord]:
    result = await tx.run(FIND_RUN_IDS, **params)
    ids = [row["runId"] async for row in result]
    return await run_details(tx, ids)


async def find_runs(
    graph: Graph, *, plan_ids: list[str], in_knit_ids: list[str], out_knit_ids: list[str],
    statuses: list[str], since: int | None, until: int | None,
) -> list[RunRecord]:
    """Runs matching every given filter (values of one filter are alternatives), by updatedAt."""
    params = {"planIds": plan_ids, "inKnitIds": in_knit_ids, "outKnitIds": out_knit_ids,
              "statuses": parse_statuses(statuses), "since": since, "until": until}
    return await graph.read(_find, params)
