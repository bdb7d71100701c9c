"""Why a Data is or is not an input of a Plan: per input, the tags it requires and the ones the
Data lacks, its pins, and whether the Data is nominated; and the Plan's Runs that read the Data.
One read query; the verdict in words is the service's."""

from __future__ import annotations

from typing import Any, Final, LiteralString

from neo4j import AsyncManagedTransaction

from .driver import Graph
from .errors import NotFoundError, plan_not_found
from .records import InputMatch, PlanExplanation, RunStatus
from .summaries import run_summary, tag_list

EXPLAIN: Final[LiteralString] = """
MATCH (p:Plan {planId: $planId})
OPTIONAL MATCH (d:Data {knitId: $knitId})<-[:PRODUCED]-(producer:Run)
CALL (p, d) {
    MATCH (p)-[:HAS_INPUT]->(i:Input)
    RETURN collect({
        path: i.path, pinKnitId: i.pinKnitId, pinTimestamp: i.pinTimestamp,
        required: [(i)-[:REQUIRES]->(t:Tag) | [t.key, t.value]],
        missing: [(i)-[:REQUIRES]->(t:Tag) WHERE d IS NULL OR NOT EXISTS { (d)-[:TAGGED]->(t) } | [t.key, t.value]],
        nominated: d IS NOT NULL AND EXISTS { (d)-[:NOMINATED]->(i) },
        candidates: COUNT { (:Data)-[:NOMINATED]->(i) }
    }) AS inputs
}
RETURN p.active AS active, p.annotations AS annotations, d IS NOT NULL AS found,
    producer.status AS producerStatus, producer.finishedAt AS producerFinishedAt, inputs,
    d.supersededAt IS NOT NULL AS superseded,
    [(d)-[:INPUT_TO]->(r:Run)-[:OF_PLAN]->(p) |
        r {.runId, .status, .updatedAt, .exitCode, .exitMessage,
           plan: p {.planId, .image, .entrypoint, .args, .name, .annotations}}] AS runs
"""


async def _explain(tx: AsyncManagedTransaction, plan_id: str, knit_id: str) -> dict[str, Any] | None:
    record = await (await tx.run(EXPLAIN, planId=plan_id, knitId=knit_id)).single()
    return None if record is None else dict(record)


async def explain(graph: Graph, plan_id: str, knit_id: str) -> PlanExplanation:
    row = await graph.read(_explain, plan_id, knit_id)
    if row is None:
        raise plan_not_found(plan_id)
    if not row["found"]:
        raise NotFoundError(f"data knit#id:{knit_id} is not found", "list Data with `knit data find`")
    inputs = tuple(sorted((InputMatch(
        path=i["path"], required=tag_list(i["required"]), missing=tag_list(i["missing"]),
        pin_knit_id=i["pinKnitId"], pin_timestamp=i["pinTimestamp"], nominated=bool(i["nominated"]),
        candidates=int(i["candidates"]),
    ) for i in row["inputs"]), key=lambda i: i.path))
    # A Run that reads the Data at two inputs is met twice.
    unique = {r["runId"]: r for r in row["runs"]}
    runs = tuple(sorted((run_summary(r) for r in unique.values()), key=lambda r: (r.updated_at, r.run_id)))
    return PlanExplanation(
        plan_id=plan_id, plan_active=bool(row["active"]), annotations=tuple(row["annotations"] or ()),
        knit_id=knit_id, producer_status=RunStatus(row["producerStatus"]),
        producer_finished_at=row["producerFinishedAt"], inputs=inputs, runs=runs, superseded=bool(row["superseded"]),
    )
