"""Nominations: which done Data can feed which plan input (Knitfab reference §2.1-§2.3).

Owns ``(:Data)-[:NOMINATED {updated}]->(:Input)`` and ``(:Input)-[:ANCHOR]->(:Tag)``. A Data
matches an input when its producing Run is done, it is neither superseded nor purged, it carries
every tag the input ``REQUIRES``, and the input's pins (``pinKnitId``, ``pinTimestamp``) agree.
``updated: true`` marks a nomination projection has not consumed yet. These functions run inside
the caller's transaction, so a tag change or a finished Run and its nominations commit together.

Every input that requires tags has one ``ANCHOR``: one of its ``REQUIRES`` tags, chosen at
registration as the one anchoring the fewest inputs so far. A Data can only match inputs anchored
at one of its own tags, so renominating a Data reads those inputs alone. Walking ``REQUIRES``
instead reads every input requiring any of the Data's tags: a tag that 10,000 plans require
(``ready:yes`` with a per-plan ``project:pN``) made each tag change check 10,000 inputs for one match.
"""

from __future__ import annotations

from typing import Final, LiteralString

from neo4j import AsyncManagedTransaction

RENOMINATE_DATA: Final[LiteralString] = """
UNWIND $knitIds AS knitId
MATCH (d:Data {knitId: knitId})<-[:PRODUCED]-(r:Run)
CALL (d, r) {
    MATCH (d)-[n:NOMINATED]->(i:Input)
    WHERE NOT (r.status = 'done' AND d.supersededAt IS NULL AND d.purgedAt IS NULL
        AND all(t IN [(i)-[:REQUIRES]->(t:Tag) | t] WHERE EXISTS { (d)-[:TAGGED]->(t) })
        AND (i.pinKnitId IS NULL OR i.pinKnitId = d.knitId)
        AND (i.pinTimestamp IS NULL OR i.pinTimestamp = r.finishedAt))
    DELETE n
}
CALL (d, r) {
    MATCH (d)-[:TAGGED]->(:Tag)<-[:ANCHOR]-(i:Input) RETURN i
    UNION
    MATCH (i:Input {pinKnitId: d.knitId}) RETURN i
    UNION
    MATCH (i:Input {pinTimestamp: r.finishedAt}) RETURN i
}
WITH d, r, i
WHERE r.status = 'done' AND d.supersededAt IS NULL AND d.purgedAt IS NULL
  AND all(t IN [(i)-[:REQUIRES]->(t:Tag) | t] WHERE EXISTS { (d)-[:TAGGED]->(t) })
  AND (i.pinKnitId IS NULL OR i.pinKnitId = d.knitId)
  AND (i.pinTimestamp IS NULL OR i.pinTimestamp = r.finishedAt)
MERGE (d)-[n:NOMINATED]->(i)
ON CREATE SET n.updated = true
WITH i, n WHERE n.updated
MATCH (p:Plan)-[:HAS_INPUT]->(i)
RETURN DISTINCT p.planId AS planId
"""

# Anchors each input ``i`` not anchored yet. Fewest anchored inputs first, then fewest requiring
# inputs: a tag every plan requires (``ready:yes``) anchors almost none, so it never brings its
# thousands of inputs to a tag change.
_ANCHOR_EACH_INPUT: Final[LiteralString] = """
WHERE NOT EXISTS { (i)-[:ANCHOR]->() }
CALL (i) {
    MATCH (i)-[:REQUIRES]->(t:Tag)
    WITH t ORDER BY COUNT { (t)<-[:ANCHOR]-() }, COUNT { (t)<-[:REQUIRES]-() }, t.key, t.value
    LIMIT 1
    CREATE (i)-[:ANCHOR]->(t)
}
"""

ANCHOR_PLAN_INPUTS: Final[LiteralString] = "MATCH (:Plan {planId: $planId})-[:HAS_INPUT]->(i:Input)" + _ANCHOR_EACH_INPUT

# For migration m0006: the inputs of plans registered before anchors existed.
ANCHOR_EVERY_INPUT: Final[LiteralString] = "MATCH (i:Input)" + _ANCHOR_EACH_INPUT

NOMINATE_FOR_PLAN: Final[LiteralString] = """
MATCH (:Plan {planId: $planId})-[:HAS_INPUT]->(i:Input)
CALL (i) {
    MATCH (i)-[:REQUIRES]->(anchor:Tag)
    WITH anchor ORDER BY COUNT { (anchor)<-[:TAGGED]-() } LIMIT 1
    MATCH (anchor)<-[:TAGGED]-(d:Data)
    RETURN d
    UNION
    MATCH (d:Data {knitId: i.pinKnitId}) WHERE NOT EXISTS { (i)-[:REQUIRES]->() }
    RETURN d
    UNION
    // the hint keeps Neo4j from scanning every Data and checking the input afterwards
    MATCH (r:Run {finishedAt: i.pinTimestamp})-[:PRODUCED]->(d:Data)
    USING INDEX r:Run(finishedAt)
    WHERE NOT EXISTS { (i)-[:REQUIRES]->() } AND i.pinKnitId IS NULL
    RETURN d
}
MATCH (d)<-[:PRODUCED]-(r:Run {status: 'done'})
WHERE d.supersededAt IS NULL AND d.purgedAt IS NULL
  AND all(t IN [(i)-[:REQUIRES]->(t:Tag) | t] WHERE EXISTS { (d)-[:TAGGED]->(t) })
  AND (i.pinKnitId IS NULL OR i.pinKnitId = d.knitId)
  AND (i.pinTimestamp IS NULL OR i.pinTimestamp = r.finishedAt)
MERGE (d)-[n:NOMINATED]->(i)
ON CREATE SET n.updated = true
RETURN count(n) AS nominated
"""


async def renominate_data(tx: AsyncManagedTransaction, knit_ids: list[str]) -> list[str]:
    """Recompute the nominations of these Data; returns the plans that now have new ones."""
    result = await tx.run(RENOMINATE_DATA, knitIds=knit_ids)
    return [row["planId"] async for row in result]


async def nominate_for_plan(tx: AsyncManagedTransaction, plan_id: str) -> int:
    """Anchor the new plan's inputs, and nominate every done Data matching them (back-fill at
    registration)."""
    await (await tx.run(ANCHOR_PLAN_INPUTS, planId=plan_id)).consume()
    record = await (await tx.run(NOMINATE_FOR_PLAN, planId=plan_id)).single()
    return int(record["nominated"]) if record else 0
