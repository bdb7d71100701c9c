"""Projection: a Run for every new combination of nominated Data (Knitfab reference §2.4, §2.5).

A Run is keyed by ``(planId, assignment)`` (a uniqueness constraint), where ``assignment`` lists
``path=knitId`` for every input, sorted by path. ``MERGE`` on that key makes a combination run at
most once per plan, ever (invalidated tombstones keep their key), even with several servers
projecting at once. Each step takes the plan's write lock first, then consumes every nomination
marked ``updated`` together: the Runs it creates are exactly the combinations that contain at
least one newly nominated Data, combined with all other nominations of the plan.

Creates ``(:Run)-[:OF_PLAN]->(:Plan)``, ``(:Data)-[:INPUT_TO {path}]->(:Run)`` and, for each
output and the log, ``(:Run)-[:PRODUCED {path, log}]->(:Data)`` tagged from the plan.

A plan annotated ``knitgraph.io/same-origin=key:value`` gets only the combinations whose Data
descend from at most one Data tagged ``key:value`` (counting a Data as its own descendant): a
pipeline's steps read the Data of one pipeline run together, never one run's model with another
run's evaluation set.
"""

from __future__ import annotations

from typing import Final, LiteralString

from neo4j import AsyncManagedTransaction

from .driver import Graph
from .plan_spec import SAME_ORIGIN_ANNOTATION

FIND_PLANS_TO_PROJECT: Final[LiteralString] = """
MATCH (p:Plan)-[:HAS_INPUT]->(:Input)<-[:NOMINATED {updated: true}]-(:Data)
RETURN DISTINCT p.planId AS planId
LIMIT $limit
"""

PROJECT_PLAN: Final[LiteralString] = """
MATCH (p:Plan {planId: $planId})
SET p.projectedAt = $now
WITH p
MATCH (p)-[:HAS_INPUT]->(trigger:Input)<-[fresh:NOMINATED {updated: true}]-(freshData:Data)
SET fresh.updated = false
WITH p, trigger, freshData
CALL (p, trigger, freshData) {
    MATCH (p)-[:HAS_INPUT]->(i:Input)
    WITH i ORDER BY i.path
    RETURN collect({
        path: i.path,
        ids: CASE WHEN i = trigger THEN [freshData.knitId]
                  ELSE [(d:Data)-[:NOMINATED]->(i) | d.knitId] END
    }) AS inputs
}
WITH p, reduce(combos = [[]], input IN inputs |
    reduce(grown = [], combo IN combos | grown + [id IN input.ids | combo + [{path: input.path, knitId: id}]])
) AS combos,
    head([a IN coalesce(p.annotations, []) WHERE a STARTS WITH $sameOrigin | substring(a, size($sameOrigin))]) AS origin
UNWIND combos AS combo
WITH p, combo, split(origin, ':')[0] AS originKey, substring(origin, size(split(origin, ':')[0]) + 1) AS originValue
WHERE originKey IS NULL OR size(COLLECT {
    UNWIND combo AS pick
    MATCH (:Data {knitId: pick.knitId})<-[:PRODUCED|INPUT_TO*0..100]-(o:Data)-[:TAGGED]->(:Tag {key: originKey, value: originValue})
    RETURN DISTINCT o.knitId
}) <= 1
WITH DISTINCT p, combo, reduce(key = '', pick IN combo | key + pick.path + '=' + pick.knitId + ';') AS assignment
MERGE (r:Run {planId: p.planId, assignment: assignment})
ON CREATE SET r.runId = randomUUID(), r.creation = $creation, r.updatedAt = $now, r.createdAt = $now,
    r.status = CASE WHEN p.active THEN 'waiting' ELSE 'deactivated' END
WITH p, r, combo WHERE r.creation = $creation
CREATE (r)-[:OF_PLAN]->(p)
WITH p, r, combo
CALL (r, combo) {
    UNWIND combo AS pick
    MATCH (d:Data {knitId: pick.knitId})
    CREATE (d)-[:INPUT_TO {path: pick.path}]->(r)
}
RETURN r.runId AS runId
"""

CREATE_RUN_OUTPUTS: Final[LiteralString] = """
UNWIND $runIds AS runId
MATCH (r:Run {runId: runId})-[:OF_PLAN]->(p:Plan)-[:HAS_OUTPUT]->(o:Output)
CREATE (r)-[:PRODUCED {path: o.path, log: o.isLog}]->(out:Data {knitId: randomUUID()})
WITH o, out
CALL (o, out) {
    MATCH (o)-[:PUTS]->(t:Tag)
    CREATE (out)-[:TAGGED]->(t)
}
"""


async def project_in(tx: AsyncManagedTransaction, plan_id: str, now: int, creation: str) -> list[str]:
    """Project one plan inside the caller's transaction; returns the new run ids."""
    result = await tx.run(PROJECT_PLAN, planId=plan_id, now=now, creation=creation,
                          sameOrigin=f"{SAME_ORIGIN_ANNOTATION}=")
    created = [row["runId"] async for row in result]
    await create_run_outputs(tx, created)
    return created


async def project_nominated(tx: AsyncManagedTransaction, plan_ids: list[str], now: int, creation: str) -> list[str]:
    """The one way Runs come into being: inside the transaction that nominated Data for these plans
    (a push, a tag change, a plan registration, a finished Run), so whoever sees the change sees
    its Runs. Plans are locked in id order, so concurrent changes never deadlock on each other."""
    created: list[str] = []
    for plan_id in sorted(set(plan_ids)):
        created += await project_in(tx, plan_id, now, creation)
    return created


async def create_run_outputs(tx: AsyncManagedTransaction, run_ids: list[str]) -> None:
    """Give each Run a fresh Data per output of its plan (and its log), tagged from the plan:
    at projection, and again when a Run is retried."""
    await (await tx.run(CREATE_RUN_OUTPUTS, runIds=run_ids)).consume()


async def project_plan(graph: Graph, plan_id: str, *, now: int, creation: str) -> list[str]:
    """Create the Runs for the plan's new nominations (those a crash or an import left unconsumed);
    returns the new run ids. ``creation`` is a token generated by the caller, unique per call, that tells the Runs this
    call created from those that already existed."""
    return await graph.write(project_in, plan_id, now, creation)


async def _find_plans(tx: AsyncManagedTransaction, limit: int) -> list[str]:
    result = await tx.run(FIND_PLANS_TO_PROJECT, limit=limit)
    return [row["planId"] async for row in result]


async def find_plans_to_project(graph: Graph, limit: int = 100) -> list[str]:
    """Plans that have nominations projection has not consumed (for the catch-up sweep)."""
    return await graph.read(_find_plans, limit)
