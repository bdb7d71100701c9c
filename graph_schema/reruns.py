"""Re-running what was wrong: a Run again as a new Run that supersedes it, and everything derived
from it (docs/automation.md, docs/decisions.md).

A rerun creates a new Run of the same plan on the same input Data, ``(new)-[:SUPERSEDES]->(old)``;
the new Run takes the combination's key (``assignment``) and the old one keeps it with
``superseded-by=<runId>;`` appended, so the combination still has exactly one Run that projection
knows, and projection never runs it again on its own. The old Run stays, done or failed, visible in
lineage, with ``supersededBy``. Its outputs, and those of every Run derived from them, get
``supersededAt``: they no longer feed any new Run (their nominations are dropped and never made
again). The Runs derived from it that already ran get ``supersededAt`` too and keep their results;
their plans run again on the new Run's outputs, as on any new Data, once it is done. Derived Runs
that had not started would read superseded Data: they end as failed (exit 253, saying why).
Invalidating a Data found bad is the same, from the Run that produced it; an uploaded Data has no
Run to run again: it and what derives from it are superseded, and a corrected push replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, LiteralString

from neo4j import AsyncManagedTransaction

from .audit import record_action
from .driver import Graph
from .errors import ConflictError, data_not_found, run_not_found
from .projection import create_run_outputs

INSPECT: Final[LiteralString] = """
MATCH (r:Run {runId: $runId})-[:OF_PLAN]->(p:Plan)
SET r.lockedAt = $now
WITH r, p
CALL (r) {
    MATCH hop = (r)-[:PRODUCED|INPUT_TO*..400]->(down:Run)
    WITH down, min(length(hop)) AS distance
    WHERE down.status <> 'invalidated'
    MATCH (down)-[:OF_PLAN]->(dp:Plan)
    ORDER BY distance, down.runId
    RETURN collect({runId: down.runId, planId: dp.planId, plan: dp.name, image: dp.image, status: down.status,
                    step: (distance + 1) / 2, superseded: down.supersededAt IS NOT NULL}) AS downstream
}
RETURN r.status AS status, p.pseudo AS pseudo, r.owner AS owner, r.supersededBy AS supersededBy,
    p.planId AS planId, p.name AS plan, p.image AS image, downstream
"""

PRODUCER_OF: Final[LiteralString] = """
MATCH (d:Data {knitId: $knitId})<-[:PRODUCED]-(r:Run)-[:OF_PLAN]->(p:Plan)
RETURN r.runId AS runId, p.pseudo AS pseudo, d.supersededAt IS NOT NULL AS superseded
"""

CREATE_RERUN: Final[LiteralString] = """
MATCH (old:Run {runId: $runId})-[:OF_PLAN]->(p:Plan)
WITH old, p, old.assignment AS key, randomUUID() AS newId
SET old.assignment = key + 'superseded-by=' + newId + ';', old.supersededBy = newId, old.supersededAt = $now
CREATE (new:Run {runId: newId, planId: p.planId, assignment: key, creation: $creation, createdAt: $now,
                 updatedAt: $now, status: CASE WHEN p.active THEN 'waiting' ELSE 'deactivated' END})
CREATE (new)-[:OF_PLAN]->(p)
CREATE (new)-[:SUPERSEDES]->(old)
WITH old, new
CALL (old, new) {
    MATCH (d:Data)-[use:INPUT_TO]->(old)
    CREATE (d)-[:INPUT_TO {path: use.path}]->(new)
}
RETURN new.runId AS runId
"""

# The outputs of these Runs feed nothing new; those of the Runs that never ran are failed with them.
SUPERSEDE_OUTPUTS: Final[LiteralString] = """
UNWIND $runIds AS runId
MATCH (r:Run {runId: runId})
SET r.supersededAt = coalesce(r.supersededAt, $now)
WITH r
CALL (r) {
    MATCH (r)-[:PRODUCED]->(d:Data)
    SET d.supersededAt = coalesce(d.supersededAt, $now)
    WITH d
    MATCH (d)-[n:NOMINATED]->(:Input)
    DELETE n
}
WITH r WHERE r.status IN ['waiting', 'deactivated']
SET r.status = 'failed', r.updatedAt = $now, r.finishedAt = $now, r.exitCode = 253, r.exitMessage = $why
"""

SUPERSEDE_DATA: Final[LiteralString] = """
MATCH (d:Data {knitId: $knitId})
SET d.supersededAt = coalesce(d.supersededAt, $now)
WITH d
OPTIONAL MATCH (d)-[n:NOMINATED]->(:Input)
DELETE n
"""

_EXECUTING = ("ready", "starting", "running", "completing", "aborting")


@dataclass(frozen=True, slots=True)
class AffectedRun:
    """A Run a rerun touches, and what happens to it."""

    run_id: str
    plan_id: str
    plan: str  # the plan's name, else its image
    step: int  # 0: the Run rerun; k: k steps downstream
    action: str  # "rerun", "superseded" (its plan runs again on the new Data) or "failed" (it never ran)


@dataclass(frozen=True, slots=True)
class Rerun:
    dry_run: bool
    new_run_id: str | None  # None in a dry run, or when a Data's producer was an upload
    affected: tuple[AffectedRun, ...]


def _name(row: dict[str, Any]) -> str:
    return str(row.get("plan") or row.get("image") or row["planId"])


async def _plan_rerun(
    tx: AsyncManagedTransaction, run_id: str, downstream: bool, now: int, upload: bool = False
) -> tuple[dict[str, Any], list[AffectedRun]]:
    """What rerunning ``run_id`` touches, checked; ``upload``: it may be an upload's (invalidation)."""
    record = await (await tx.run(INSPECT, runId=run_id, now=now)).single()
    if record is None or record["status"] == "invalidated":
        raise run_not_found(run_id)
    row = record.data()
    if row["supersededBy"] is not None:
        raise ConflictError(f"run {run_id} is superseded already, by run {row['supersededBy']}",
                            f"rerun that one (`knit run rerun {row['supersededBy']}`)")
    if row["owner"] is not None or row["status"] not in ("done", "failed"):
        raise ConflictError(f"run {run_id} is {row['status']}: only a done or failed Run runs again",
                            "wait for it to finish (`knit run wait`), or stop it (`knit run stop --fail`)")
    if row["pseudo"] and not upload:
        raise ConflictError(f"run {run_id} is an upload: there is nothing to run again",
                            "push the corrected Data; `knit data invalidate KNIT_ID` stops the old one feeding new Runs")
    live = [d for d in row["downstream"] if not d["superseded"]]
    if live and not downstream:
        named = ", ".join(d["runId"] for d in live[:3]) + (f" and {len(live) - 3} more" if len(live) > 3 else "")
        raise ConflictError(f"the outputs of run {run_id} feed {len(live)} run(s) ({named}): its new outputs would "
                            "start their plans again",
                            f"add --downstream to run them again too (`knit run rerun --downstream --dry-run {run_id}` "
                            "lists them)")
    if busy := [d for d in live if d["status"] in _EXECUTING]:
        raise ConflictError(f"run {busy[0]['runId']}, downstream of run {run_id}, is {busy[0]['status']}",
                            f"wait for it to finish, or stop it (`knit run stop --fail {busy[0]['runId']}`)")
    affected = [AffectedRun(run_id, row["planId"], _name(row), 0, "rerun")]
    affected += [AffectedRun(d["runId"], d["planId"], _name(d), d["step"],
                             "failed" if d["status"] in ("waiting", "deactivated") else "superseded") for d in live]
    return row, affected


async def _rerun(
    tx: AsyncManagedTransaction, run_id: str, downstream: bool, dry_run: bool, now: int, creation: str, by: str | None,
) -> Rerun:
    _, affected = await _plan_rerun(tx, run_id, downstream, now)
    if dry_run:
        return Rerun(True, None, tuple(affected))
    record = await (await tx.run(CREATE_RERUN, runId=run_id, now=now, creation=creation)).single()
    new_run_id = str(record["runId"]) if record else ""
    await create_run_outputs(tx, [new_run_id])
    why = f"superseded before it ran: run {run_id}, upstream, runs again as run {new_run_id}"
    await (await tx.run(SUPERSEDE_OUTPUTS, runIds=[a.run_id for a in affected], now=now, why=why)).consume()
    await record_action(tx, "run", run_id, "rerun", by, now)
    return Rerun(False, new_run_id, tuple(affected))


async def rerun(
    graph: Graph, run_id: str, *, downstream: bool, dry_run: bool, now: int, creation: str, by: str | None = None,
) -> Rerun:
    """Run a done or failed Run again as a new Run that supersedes it (and, with ``downstream``,
    supersede every Run derived from it: their plans run again on the new outputs). A dry run
    changes nothing and says exactly which Runs would run again or end."""
    return await graph.write(_rerun, run_id, downstream, dry_run, now, creation, by)


async def _invalidate(tx: AsyncManagedTransaction, knit_id: str, dry_run: bool, now: int, creation: str,
                      by: str | None) -> Rerun:
    producer = await (await tx.run(PRODUCER_OF, knitId=knit_id)).single()
    if producer is None:
        raise data_not_found(knit_id)
    if producer["superseded"]:
        raise ConflictError(f"data knit#id:{knit_id} is superseded already", "nothing is left to invalidate")
    run_id = str(producer["runId"])
    if not producer["pseudo"]:
        result = await _rerun(tx, run_id, True, dry_run, now, creation, by)
        if not dry_run:
            await record_action(tx, "data", knit_id, "invalidated", by, now)
        return result
    # An upload: nothing runs again; it and everything derived from it feed nothing new.
    _, affected = await _plan_rerun(tx, run_id, True, now, upload=True)
    downstream = tuple(a for a in affected if a.step > 0)
    if not dry_run:
        await (await tx.run(SUPERSEDE_DATA, knitId=knit_id, now=now)).consume()
        why = f"superseded before it ran: its input knit#id:{knit_id}, upstream, was invalidated"
        await (await tx.run(SUPERSEDE_OUTPUTS, runIds=[a.run_id for a in downstream], now=now, why=why)).consume()
        await record_action(tx, "data", knit_id, "invalidated", by, now)
    return Rerun(dry_run, None, downstream)


async def invalidate_data(
    graph: Graph, knit_id: str, *, dry_run: bool, now: int, creation: str, by: str | None = None,
) -> Rerun:
    """A Data found bad: the Run that made it runs again (with everything derived from it, as
    :func:`rerun` with ``downstream``); an uploaded Data and what derives from it are superseded."""
    return await graph.write(_invalidate, knit_id, dry_run, now, creation, by)
