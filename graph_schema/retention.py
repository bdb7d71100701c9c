"""Retention: which Data's content a plan's policy lets go, and purging it (docs/automation.md).

A plan's policy is in its annotations: ``knitgraph.io/keep-last=N`` keeps the outputs of its N
most recent done Runs, ``knitgraph.io/purge-failed-after=DURATION`` lets the outputs of its failed
Runs go that long after they failed (the server may give that one a default). Never purged: logs,
uploads, what a Run that has not finished reads, and everything upstream of a Data tagged
``keep:true`` (that Data included). Purging keeps the Data node, its tags and its lineage, sets
``purgedAt`` (shown as ``knit#transient:purged``) and drops its nominations: it feeds no new Run.
Its content is removed by the caller, and by the content sweep if a crash came first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, LiteralString

from neo4j import AsyncManagedTransaction

from .driver import Graph

# Everything upstream of a kept Data: a pruning breadth-first walk (each node once) as in lineage.
CANDIDATES: Final[LiteralString] = """
CALL () {
    MATCH (k:Data)-[:TAGGED]->(:Tag {key: 'keep', value: 'true'})
    MATCH hop = (k)<-[:PRODUCED|INPUT_TO*0..400]-(u:Data)
    WITH u, min(length(hop)) AS distance
    RETURN collect(u.knitId) AS kept
}
UNWIND $policies AS policy
MATCH (p:Plan {planId: policy.planId})<-[:OF_PLAN]-(r:Run)
WHERE r.status IN ['done', 'failed']
WITH kept, policy, p, r ORDER BY r.finishedAt DESC, r.runId DESC
WITH kept, policy, p, collect(r) AS finished
WITH kept, policy, p, [x IN finished WHERE x.status = 'done'] AS done, [x IN finished WHERE x.status = 'failed'] AS failed
UNWIND (CASE WHEN policy.keepLast IS NULL THEN [] ELSE [x IN done[policy.keepLast..] | [x, 'keep-last']] END
      + CASE WHEN policy.failedBefore IS NULL THEN []
             ELSE [x IN failed WHERE x.finishedAt < policy.failedBefore | [x, 'purge-failed-after']] END) AS pick
WITH kept, p, pick[0] AS r, pick[1] AS rule
MATCH (r)-[made:PRODUCED]->(d:Data)
WHERE NOT made.log AND d.purgedAt IS NULL AND NOT d.knitId IN kept
  AND NOT EXISTS { (d)-[:INPUT_TO]->(x:Run) WHERE NOT x.status IN ['done', 'failed', 'invalidated'] }
RETURN d.knitId AS knitId, p.planId AS planId, coalesce(p.name, p.image) AS plan, r.runId AS runId,
    rule, coalesce(d.contentSize, 0) AS size
ORDER BY planId, knitId
"""

PURGE: Final[LiteralString] = """
UNWIND $knitIds AS knitId
MATCH (d:Data {knitId: knitId})
WHERE d.purgedAt IS NULL
  AND NOT EXISTS { (d)-[:INPUT_TO]->(x:Run) WHERE NOT x.status IN ['done', 'failed', 'invalidated'] }
SET d.purgedAt = $now
WITH d
CALL (d) {
    MATCH (d)-[n:NOMINATED]->(:Input)
    DELETE n
}
RETURN d.knitId AS knitId
"""


@dataclass(frozen=True, slots=True)
class PlanPolicy:
    plan_id: str
    keep_last: int | None  # keep the outputs of this many most recent done Runs
    failed_before: int | None  # purge the outputs of Runs that failed before this instant (ms)


@dataclass(frozen=True, slots=True)
class Purgeable:
    knit_id: str
    plan_id: str
    plan: str
    run_id: str
    rule: str  # keep-last or purge-failed-after
    size: int  # bytes


async def _candidates(tx: AsyncManagedTransaction, policies: list[dict[str, Any]]) -> list[Purgeable]:
    result = await tx.run(CANDIDATES, policies=policies)
    return [Purgeable(row["knitId"], row["planId"], row["plan"], row["runId"], row["rule"], int(row["size"]))
            async for row in result]


async def find_purgeable(graph: Graph, policies: list[PlanPolicy]) -> list[Purgeable]:
    """The Data these policies let go now, with their sizes."""
    rows = [{"planId": p.plan_id, "keepLast": p.keep_last, "failedBefore": p.failed_before} for p in policies]
    return await graph.read(_candidates, rows) if rows else []


async def _purge(tx: AsyncManagedTransaction, knit_ids: list[str], now: int) -> list[str]:
    result = await tx.run(PURGE, knitIds=knit_ids, now=now)
    return [row["knitId"] async for row in result]


async def mark_purged(graph: Graph, knit_ids: list[str], *, now: int) -> list[str]:
    """Mark these Data purged (unless a Run that has not finished reads one now); returns those
    marked, whose content the caller removes."""
    return await graph.write(_purge, knit_ids, now)


PLANS_WITH_POLICIES: Final[LiteralString] = """
MATCH (p:Plan) WHERE p.pseudo = false
  AND ($everyPlan OR any(a IN coalesce(p.annotations, []) WHERE a STARTS WITH $keepLast OR a STARTS WITH $failedAfter))
RETURN p.planId AS planId, coalesce(p.annotations, []) AS annotations
"""


async def _plans(tx: AsyncManagedTransaction, every_plan: bool, keep_last: str, failed_after: str) -> list[tuple[str, list[str]]]:
    result = await tx.run(PLANS_WITH_POLICIES, everyPlan=every_plan, keepLast=keep_last, failedAfter=failed_after)
    return [(row["planId"], list(row["annotations"])) async for row in result]


async def plans_with_policies(
    graph: Graph, *, every_plan: bool, keep_last_key: str, failed_after_key: str
) -> list[tuple[str, list[str]]]:
    """Plans (id, annotations) that have a retention annotation, or every plan."""
    return await graph.read(_plans, every_plan, f"{keep_last_key}=", f"{failed_after_key}=")
