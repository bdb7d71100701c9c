"""The Run lifecycle: the one place where a Run's status changes (Knitfab reference §4).

Every change goes through :func:`check_transition` (Knitfab's table, §4.2) inside a transaction
that first takes the Run's write lock, so two servers never move one Run twice. ``done`` and
``failed`` are reached only by :func:`finish_run`, which stamps ``finishedAt`` (the
``knit#timestamp`` of every output) and, on ``done``, nominates the outputs in the same
transaction. Runs being executed carry ``owner`` (a server instance) and ``leaseUntil``; a lease
that runs out means the worker is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, LiteralString

from neo4j import AsyncManagedTransaction

from .driver import Graph
from .errors import ConflictError, run_not_found
from .nominations import renominate_data
from .plan_spec import CONCURRENCY_ANNOTATION
from .plans import plan_details
from .projection import project_nominated
from .records import PlanRecord, RunRecord, RunStatus
from .runs import run_details

ALLOWED: Final[dict[RunStatus, frozenset[RunStatus]]] = {
    RunStatus.DEACTIVATED: frozenset({RunStatus.DEACTIVATED, RunStatus.WAITING, RunStatus.ABORTING}),
    RunStatus.WAITING: frozenset({RunStatus.WAITING, RunStatus.DEACTIVATED, RunStatus.READY, RunStatus.ABORTING}),
    RunStatus.READY: frozenset({RunStatus.READY, RunStatus.STARTING, RunStatus.RUNNING, RunStatus.COMPLETING, RunStatus.ABORTING}),
    RunStatus.STARTING: frozenset({RunStatus.STARTING, RunStatus.RUNNING, RunStatus.COMPLETING, RunStatus.ABORTING}),
    RunStatus.RUNNING: frozenset({RunStatus.RUNNING, RunStatus.COMPLETING, RunStatus.ABORTING}),
    RunStatus.COMPLETING: frozenset({RunStatus.COMPLETING, RunStatus.DONE}),
    RunStatus.ABORTING: frozenset({RunStatus.ABORTING, RunStatus.FAILED}),
    RunStatus.DONE: frozenset(),
    RunStatus.FAILED: frozenset(),
    RunStatus.INVALIDATED: frozenset(),
}
FINISHES: Final = {RunStatus.COMPLETING: RunStatus.DONE, RunStatus.ABORTING: RunStatus.FAILED}
EXECUTING: Final = (RunStatus.READY, RunStatus.STARTING, RunStatus.RUNNING)
_LIMIT_KEY: Final = f"{CONCURRENCY_ANNOTATION}="


def check_transition(current: RunStatus, target: RunStatus) -> None:
    """Raise ``ConflictError`` unless Knitfab's table allows ``current -> target``."""
    if target not in ALLOWED[current]:
        raise ConflictError(f"cannot change run state: {current.value} -> {target.value}",
                            "the run is not in a state that allows it")


@dataclass(frozen=True, slots=True)
class Claim:
    """A Run just claimed, as it was when claimed (ready), and its plan: all it takes to build its
    task. ``executor``: the executor its start was recorded with in the same transaction (the Run
    is then starting), or None (it is ready)."""

    run: RunRecord
    plan: PlanRecord
    executor: str | None = None


LOCK_RUN: Final[LiteralString] = """
MATCH (r:Run {runId: $runId})-[:OF_PLAN]->(p:Plan)
SET r.lockedAt = $now
RETURN r.status AS status, p.pseudo AS pseudo, r.owner AS owner
"""

# A status change in one round trip: lock, check that the Run is in one of ``$from`` and set, or
# change nothing (then :func:`_change` reads why with LOCK_RUN, in the same transaction).
CHANGE_STATUS: Final[LiteralString] = """
MATCH (r:Run {runId: $runId})
SET r.lockedAt = $now
WITH r, r.status AS previous
WHERE previous IN $from
SET r.startedAt = CASE WHEN $status = 'running' AND r.status <> 'running' THEN $now ELSE r.startedAt END,
    r.status = $status, r.updatedAt = CASE WHEN r.status = $status THEN r.updatedAt ELSE $now END,
    r.exitCode = coalesce($exitCode, r.exitCode), r.exitMessage = coalesce($exitMessage, r.exitMessage),
    r.owner = CASE WHEN $release THEN null ELSE coalesce($owner, r.owner) END,
    r.leaseUntil = CASE WHEN $release THEN null ELSE coalesce($leaseUntil, r.leaseUntil) END,
    r.executor = coalesce($executor, r.executor)
RETURN previous
"""

# Plans with a concurrency limit (annotation knitgraph.io/concurrency=N) that many executing Runs
# already reach are skipped; executing Runs are few, so this reads little. ``$runId``: that Run only.
_CLAIMABLE_RUN: Final[LiteralString] = """
CALL () {
    MATCH (x:Run) WHERE x.status IN ['ready', 'starting', 'running']
    MATCH (x)-[:OF_PLAN]->(p:Plan)
    WITH p, count(x) AS busy,
         [a IN coalesce(p.annotations, []) WHERE a STARTS WITH $limitKey | toInteger(substring(a, size($limitKey)))] AS limits
    WHERE limits <> [] AND busy >= limits[0]
    RETURN collect(p.planId) AS full
}
MATCH (r:Run {status: 'waiting'})
WHERE ($runId IS NULL OR r.runId = $runId)
  AND (r.notBefore IS NULL OR r.notBefore <= $now)
  AND (full = [] OR NOT EXISTS { (r)-[:OF_PLAN]->(p:Plan) WHERE p.planId IN full })
WITH r ORDER BY r.updatedAt, r.runId LIMIT 1
"""

NEXT_CLAIMABLE_RUN: Final[LiteralString] = _CLAIMABLE_RUN + "RETURN r.runId AS runId"

CLAIM_WAITING_RUN: Final[LiteralString] = _CLAIMABLE_RUN + """
SET r.lockedAt = $now
WITH r WHERE r.status = 'waiting'
MATCH (r)-[:OF_PLAN]->(p:Plan)
SET r.status = 'ready', r.updatedAt = $now, r.readyAt = $now, r.owner = $owner, r.leaseUntil = $leaseUntil
RETURN r.runId AS runId, p.planId AS planId
"""

POSTPONE_WAITING_RUN: Final[LiteralString] = """
MATCH (r:Run {runId: $runId, status: 'waiting'})
SET r.notBefore = $notBefore
"""

READ_ATTEMPT: Final[LiteralString] = "MATCH (r:Run {runId: $runId}) RETURN coalesce(r.attempt, 1) AS attempt"

RETRY_IN_PLACE: Final[LiteralString] = """
MATCH (r:Run {runId: $runId})-[:OF_PLAN]->(p:Plan)
CREATE (r)-[:HAD_ATTEMPT]->(:Attempt {number: coalesce(r.attempt, 1), exitCode: r.exitCode, exitMessage: r.exitMessage,
    readyAt: r.readyAt, startedAt: r.startedAt, finishedAt: $now, executor: r.executor, logFile: $logFile})
SET r.attempt = coalesce(r.attempt, 1) + 1, r.notBefore = $notBefore,
    r.status = CASE WHEN p.active THEN 'waiting' ELSE 'deactivated' END, r.updatedAt = $now,
    r.exitCode = null, r.exitMessage = null, r.readyAt = null, r.startedAt = null, r.executor = null,
    r.owner = null, r.leaseUntil = null
"""

FINISH_RUN: Final[LiteralString] = """
MATCH (r:Run {runId: $runId})
SET r.status = $status, r.updatedAt = $now, r.finishedAt = $now, r.owner = null, r.leaseUntil = null
WITH r
CALL (r) {
    UNWIND $digests AS entry
    MATCH (r)-[:PRODUCED]->(d:Data {knitId: entry.knitId})
    SET d.contentDigest = entry.digest, d.contentSize = entry.size,
        d.metricNames = entry.metricNames, d.metricValues = entry.metricValues
}
RETURN [(r)-[:PRODUCED]->(d:Data) | d.knitId] AS outputs
"""

EXTEND_LEASES: Final[LiteralString] = """
UNWIND $runIds AS runId
MATCH (r:Run {runId: runId, owner: $owner})
SET r.leaseUntil = $leaseUntil
RETURN r.runId AS runId, r.status AS status
"""

FIND_LOST_RUNS: Final[LiteralString] = """
MATCH (r:Run)
WHERE r.status IN ['ready', 'starting', 'running', 'completing', 'aborting']
  AND (r.leaseUntil IS NULL OR r.leaseUntil < $now)
  AND EXISTS { (r)-[:OF_PLAN]->(:Plan {pseudo: false}) }
RETURN r.runId AS runId, r.status AS status
LIMIT 100
"""


async def _lock(tx: AsyncManagedTransaction, run_id: str, now: int) -> tuple[RunStatus, bool, str | None]:
    record = await (await tx.run(LOCK_RUN, runId=run_id, now=now)).single()
    if record is None:
        raise run_not_found(run_id)
    return RunStatus(record["status"]), bool(record["pseudo"]), record["owner"]


def _allowed_from(target: RunStatus, expected: tuple[RunStatus, ...] | None) -> list[str]:
    """The statuses a Run may be in to move to ``target`` (and that the caller expects)."""
    return [s.value for s in RunStatus if target in ALLOWED[s] and (expected is None or s in expected)]


async def _change(tx: AsyncManagedTransaction, run_id: str, target: RunStatus, now: int,
                  expected: tuple[RunStatus, ...] | None, fields: dict[str, Any]) -> RunStatus:
    params: dict[str, Any] = {"exitCode": None, "exitMessage": None, "owner": None, "leaseUntil": None,
                              "executor": None, "release": False, **fields, "runId": run_id,
                              "status": target.value, "now": now, "from": _allowed_from(target, expected)}
    changed = await (await tx.run(CHANGE_STATUS, params)).single()
    if changed is not None:
        return RunStatus(changed["previous"])
    current, _, _ = await _lock(tx, run_id, now)  # not changed: raise why, as the table says
    if expected is not None and current not in expected:
        raise ConflictError(f"run {run_id} is {current.value}, not {' or '.join(s.value for s in expected)}",
                            "the run moved on meanwhile")
    check_transition(current, target)
    raise ConflictError(f"run {run_id} could not change from {current.value} to {target.value}",
                        "the run moved on meanwhile")


async def change_status(
    graph: Graph, run_id: str, target: RunStatus, *, now: int,
    expected: tuple[RunStatus, ...] | None = None, exit_code: int | None = None,
    exit_message: str | None = None, owner: str | None = None, lease_until: int | None = None,
    executor: str | None = None,
) -> RunStatus:
    """Move a Run to ``target`` (not done/failed: see :func:`finish_run`); returns the old status.
    ``executor`` records which executor runs it (``process`` means a host process: the plan's
    image was not used).

    Raises ``NotFoundError``, or ``ConflictError`` when the table (or ``expected``) forbids it."""
    if target in (RunStatus.DONE, RunStatus.FAILED, RunStatus.INVALIDATED):
        raise ValueError(f"{target.value} is reached through finish_run or delete, not change_status")
    fields = {"exitCode": exit_code, "exitMessage": exit_message, "owner": owner, "leaseUntil": lease_until,
              "executor": executor}
    return await graph.write(_change, run_id, target, now, expected, fields)


async def _claim(tx: AsyncManagedTransaction, owner: str, now: int, lease_until: int, run_id: str | None,
                 executor_for: Callable[[RunRecord, PlanRecord], str] | None) -> Claim | None:
    record = await (await tx.run(CLAIM_WAITING_RUN, owner=owner, now=now, leaseUntil=lease_until, runId=run_id,
                                 limitKey=_LIMIT_KEY)).single()
    if record is None:
        return None
    # Read in the claim's own transaction: the task is built without two more round trips.
    (run,) = await run_details(tx, [record["runId"]])
    (plan,) = await plan_details(tx, [record["planId"]])
    if executor_for is None:
        return Claim(run, plan)
    executor = executor_for(run, plan)
    await _change(tx, run.summary.run_id, RunStatus.STARTING, now, (RunStatus.READY,), {"executor": executor})
    return Claim(run, plan, executor)


async def _next(tx: AsyncManagedTransaction, now: int) -> str | None:
    record = await (await tx.run(NEXT_CLAIMABLE_RUN, now=now, runId=None, limitKey=_LIMIT_KEY)).single()
    return None if record is None else str(record["runId"])


async def next_claimable_run(graph: Graph, *, now: int) -> str | None:
    """The Run :func:`claim_waiting_run` would take now (for its before-hooks to see first)."""
    return await graph.read(_next, now)


async def _postpone(tx: AsyncManagedTransaction, run_id: str, not_before: int) -> None:
    await (await tx.run(POSTPONE_WAITING_RUN, runId=run_id, notBefore=not_before)).consume()


async def postpone_waiting_run(graph: Graph, run_id: str, *, not_before: int) -> None:
    """A waiting Run is not claimed before ``not_before`` (its before-hooks refused it now)."""
    await graph.write(_postpone, run_id, not_before)


async def claim_waiting_run(
    graph: Graph, *, owner: str, now: int, lease_until: int, run_id: str | None = None,
    executor_for: Callable[[RunRecord, PlanRecord], str] | None = None,
) -> Claim | None:
    """Take the oldest waiting Run for execution (waiting -> ready, owned by ``owner``); the
    executor that runs it is recorded when it starts (:func:`change_status`), or at once, with
    ``executor_for`` (ready -> starting in the same transaction: one fewer when nothing has to
    see it ready first). A Run waiting for its retry's backoff, or of a plan at its concurrency
    limit, is left waiting. With ``run_id``, that Run only, if it is still the one to take.
    Returns the Run (as claimed: ready) and its plan."""
    return await graph.write(_claim, owner, now, lease_until, run_id, executor_for)


async def _finish(
    tx: AsyncManagedTransaction, run_id: str, now: int, digests: dict[str, tuple[str, int]], creation: str,
    metrics: dict[str, dict[str, float]],
) -> list[str]:
    current, _, _ = await _lock(tx, run_id, now)
    if current not in FINISHES:
        raise ConflictError(f"cannot finish run {run_id}: it is {current.value}",
                            "only completing or aborting runs finish")
    target = FINISHES[current]
    record = await (await tx.run(
        FINISH_RUN, runId=run_id, status=target.value, now=now,
        digests=[{"knitId": k, "digest": digest, "size": size,
                  "metricNames": list(metrics.get(k, {})) or None,
                  "metricValues": list(metrics.get(k, {}).values()) or None}
                 for k, (digest, size) in digests.items()],
    )).single()
    outputs = list(record["outputs"]) if record else []
    if target is RunStatus.DONE and outputs:
        return await project_nominated(tx, await renominate_data(tx, outputs), now, creation)
    return []


async def finish_run(
    graph: Graph, run_id: str, *, now: int, digests: dict[str, tuple[str, int]], creation: str,
    metrics: dict[str, dict[str, float]] | None = None,
) -> list[str]:
    """completing -> done or aborting -> failed; stamps the finish time and the outputs' content
    digests. On done, the outputs are nominated and the downstream Runs created in the same
    transaction, so whoever sees the Run done sees its successors. Returns their ids.
    ``digests``: each output's content digest and size in bytes; ``metrics``: the metrics some
    outputs hold (``metrics.json``), stored as ``metricNames``/``metricValues`` of their Data."""
    return await graph.write(_finish, run_id, now, digests, creation, metrics or {})


async def _retry_in_place(
    tx: AsyncManagedTransaction, run_id: str, attempt: int, now: int, not_before: int, log_file: str | None,
) -> None:
    current, _, _ = await _lock(tx, run_id, now)
    record = await (await tx.run(READ_ATTEMPT, runId=run_id)).single()
    if current is not RunStatus.ABORTING or record is None or record["attempt"] != attempt:
        raise ConflictError(f"run {run_id} is no longer aborting attempt {attempt}", "the run moved on meanwhile")
    await (await tx.run(RETRY_IN_PLACE, runId=run_id, now=now, notBefore=not_before, logFile=log_file)).consume()


async def retry_in_place(
    graph: Graph, run_id: str, *, attempt: int, now: int, not_before: int, log_file: str | None,
) -> None:
    """aborting -> waiting (deactivated if its plan is) for another attempt: the failed one is kept
    as an ``(:Attempt)`` with its exit, times and ``log_file``; the Run waits until ``not_before``.
    Raises ``ConflictError`` unless the Run is still aborting ``attempt`` (someone did it first)."""
    await graph.write(_retry_in_place, run_id, attempt, now, not_before, log_file)


async def _extend(tx: AsyncManagedTransaction, run_ids: list[str], owner: str, lease_until: int) -> dict[str, RunStatus]:
    result = await tx.run(EXTEND_LEASES, runIds=run_ids, owner=owner, leaseUntil=lease_until)
    return {row["runId"]: RunStatus(row["status"]) async for row in result}


async def extend_leases(graph: Graph, run_ids: list[str], *, owner: str, lease_until: int) -> dict[str, RunStatus]:
    """Keep the leases of the Runs this owner executes; returns their current statuses."""
    return await graph.write(_extend, run_ids, owner, lease_until)


async def _lost(tx: AsyncManagedTransaction, now: int) -> list[tuple[str, RunStatus]]:
    result = await tx.run(FIND_LOST_RUNS, now=now)
    return [(row["runId"], RunStatus(row["status"])) async for row in result]


async def find_lost_runs(graph: Graph, *, now: int) -> list[tuple[str, RunStatus]]:
    """Runs being executed or finished whose worker's lease ran out (the worker is lost)."""
    return await graph.read(_lost, now)
