"""What users do to Runs: stop, abort, retry, delete (Knitfab reference §4.4).

Preconditions are checked in Knitfab's order inside the transaction that acts, after taking the
Run's write lock: (1) the Run exists and is not invalidated, (2) no worker holds it, (3) none of
its outputs feeds a live Run, (4) its status and kind allow the action.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, LiteralString

from neo4j import AsyncManagedTransaction

from .audit import record_action
from .driver import Graph
from .errors import ConflictError, run_not_found
from .lifecycle import check_transition
from .projection import create_run_outputs
from .records import RunStatus

INSPECT_RUN: Final[LiteralString] = """
MATCH (r:Run {runId: $runId})-[:OF_PLAN]->(p:Plan)
SET r.lockedAt = $now
RETURN r.status AS status, p.pseudo AS pseudo, r.owner AS owner, p.active AS active,
    COLLECT {
        MATCH (r)-[:PRODUCED]->(:Data)-[:INPUT_TO]->(down:Run) WHERE down.status <> 'invalidated'
        RETURN DISTINCT down.runId ORDER BY down.runId
    } AS live,
    EXISTS { (:Data)-[:INPUT_TO]->(r) } AS hasInputs, r.supersededBy AS supersededBy
"""

SET_STOPPED: Final[LiteralString] = """
MATCH (r:Run {runId: $runId})
SET r.status = $status, r.updatedAt = $now, r.exitCode = $exitCode, r.exitMessage = $exitMessage
"""

DISCARD_OUTPUTS: Final[LiteralString] = """
MATCH (r:Run {runId: $runId})
CALL (r) {
    MATCH (r)-[:PRODUCED]->(:Data)-[:INPUT_TO]->(tomb:Run {status: 'invalidated'})
    WITH DISTINCT tomb
    OPTIONAL MATCH (tomb)-[:HAD_ATTEMPT]->(attempt:Attempt)
    DETACH DELETE tomb, attempt
}
WITH r
OPTIONAL MATCH (r)-[:PRODUCED]->(d:Data)
WITH collect(d) AS outputs
WITH outputs, [d IN outputs | d.knitId] AS ids
FOREACH (d IN outputs | DETACH DELETE d)
RETURN ids
"""

RESET_FOR_RETRY: Final[LiteralString] = """
MATCH (r:Run {runId: $runId})-[:OF_PLAN]->(p:Plan)
SET r.status = CASE WHEN p.active THEN 'waiting' ELSE 'deactivated' END, r.updatedAt = $now,
    r.exitCode = null, r.exitMessage = null, r.finishedAt = null, r.readyAt = null, r.startedAt = null,
    r.executor = null, r.attempt = null, r.notBefore = null
WITH r
OPTIONAL MATCH (r)-[:HAD_ATTEMPT]->(a:Attempt)
DETACH DELETE a
"""

INVALIDATE_RUN: Final[LiteralString] = """
MATCH (r:Run {runId: $runId})
SET r.status = 'invalidated', r.updatedAt = $now
"""

DELETE_ROOT_RUN: Final[LiteralString] = "MATCH (r:Run {runId: $runId}) DETACH DELETE r"


USER_ABORT_CODE: Final = 253  # exit of a Run aborted by its user (Knitfab's)


@dataclass(frozen=True, slots=True)
class _Inspection:
    status: RunStatus
    pseudo: bool
    owner: str | None
    active: bool
    live_downstreams: list[str]
    has_inputs: bool
    superseded_by: str | None


_NAMED_AT_MOST = 5


def _in_use(downstreams: list[str], then: str) -> ConflictError:
    """Knitfab's reason, naming the live Runs that read the outputs, and which one to remove first."""
    named = ", ".join(downstreams[:_NAMED_AT_MOST])
    if len(downstreams) > _NAMED_AT_MOST:
        named += f" and {len(downstreams) - _NAMED_AT_MOST} more"
    runs = "run" if len(downstreams) == 1 else "runs"
    return ConflictError(
        f"output of the run is in use by {runs} {named}",
        f"remove the downstream {runs} first (`knit run rm {downstreams[0]}`, and so on down the lineage), then {then}",
    )


async def _inspect(tx: AsyncManagedTransaction, run_id: str, now: int) -> _Inspection:
    record = await (await tx.run(INSPECT_RUN, runId=run_id, now=now)).single()
    if record is None or record["status"] == RunStatus.INVALIDATED.value:
        raise run_not_found(run_id)
    return _Inspection(RunStatus(record["status"]), bool(record["pseudo"]), record["owner"],
                       bool(record["active"]), list(record["live"]), bool(record["hasInputs"]), record["supersededBy"])


async def _stop(tx: AsyncManagedTransaction, run_id: str, fail: bool, now: int, by: str | None) -> RunStatus:
    run = await _inspect(tx, run_id, now)
    allowed: tuple[RunStatus, ...]
    if fail:
        allowed = (RunStatus.DEACTIVATED, RunStatus.WAITING, RunStatus.READY, RunStatus.STARTING, RunStatus.RUNNING,
                   RunStatus.ABORTING)
    else:
        allowed = (RunStatus.READY, RunStatus.STARTING, RunStatus.RUNNING, RunStatus.COMPLETING)
    if run.status not in allowed:
        advice = ("only runs that are not finished can be aborted" if fail else
                  "only ready, starting or running runs can be stopped; `knit run stop --fail` aborts waiting ones")
        raise ConflictError(f"prohibited operation: the run is {run.status.value}", advice)
    target = RunStatus.ABORTING if fail else RunStatus.COMPLETING
    check_transition(run.status, target)
    if run.status is not target:
        code, message = (USER_ABORT_CODE, "aborted by user") if fail else (0, "stopped by user")
        await (await tx.run(SET_STOPPED, runId=run_id, status=target.value, now=now,
                            exitCode=code, exitMessage=message)).consume()
        await record_action(tx, "run", run_id, "aborted" if fail else "stopped", by, now)
    return run.status


async def stop_run(graph: Graph, run_id: str, *, fail: bool, now: int, by: str | None = None) -> RunStatus:
    """Stop a Run: to completing (its outputs will count as done) or, with ``fail``, to aborting.
    Returns the status it had; its worker, if any, notices and ends the process."""
    return await graph.write(_stop, run_id, fail, now, by)


async def _discard(tx: AsyncManagedTransaction, run_id: str) -> list[str]:
    record = await (await tx.run(DISCARD_OUTPUTS, runId=run_id)).single()
    return list(record["ids"]) if record else []


async def _retry(tx: AsyncManagedTransaction, run_id: str, now: int, by: str | None) -> list[str]:
    run = await _inspect(tx, run_id, now)
    if run.owner is not None:
        raise ConflictError("the run may not be finished", "Wait for the run to finish, or abort it")
    if run.superseded_by is not None:
        raise ConflictError(f"run {run_id} is superseded by run {run.superseded_by}",
                            f"retry or rerun that one (`knit run rerun {run.superseded_by}`)")
    if run.live_downstreams:
        raise _in_use(run.live_downstreams, f"retry it (`knit run retry {run_id}`)")
    if run.pseudo:
        raise ConflictError("prohibited operation", "Root run cannot be retried")
    if run.status not in (RunStatus.DONE, RunStatus.FAILED):
        raise ConflictError("the run have not finished yet", "Wait for the run to finish, or abort it")
    discarded = await _discard(tx, run_id)
    await (await tx.run(RESET_FOR_RETRY, runId=run_id, now=now)).consume()
    await create_run_outputs(tx, [run_id])
    await record_action(tx, "run", run_id, "retried", by, now)
    return discarded


async def retry_run(graph: Graph, run_id: str, *, now: int, by: str | None = None) -> list[str]:
    """Run a finished Run again in place: new output Data, same runId, back to waiting (or
    deactivated when its plan is). Returns the knitIds of the discarded outputs."""
    return await graph.write(_retry, run_id, now, by)


async def _delete(tx: AsyncManagedTransaction, run_id: str, now: int, by: str | None) -> list[str]:
    run = await _inspect(tx, run_id, now)
    if run.owner is not None:
        raise ConflictError("output of the run is in use: the run is being executed",
                            f"stop it first (`knit run stop --fail {run_id}`), then remove it")
    if run.live_downstreams:
        raise _in_use(run.live_downstreams, f"remove this one (`knit run rm {run_id}`)")
    if run.status not in (RunStatus.WAITING, RunStatus.DEACTIVATED, RunStatus.DONE, RunStatus.FAILED):
        raise ConflictError("output of the run is in use",
                            f"the run is {run.status.value}; stop it (`knit run stop --fail`) first")
    discarded = await _discard(tx, run_id)
    statement = INVALIDATE_RUN if run.has_inputs else DELETE_ROOT_RUN
    await (await tx.run(statement, runId=run_id, now=now)).consume()
    if run.has_inputs:  # an upload's Run and Data are gone entirely, with nothing left to annotate
        await record_action(tx, "run", run_id, "removed", by, now)
    return discarded


async def delete_run(graph: Graph, run_id: str, *, now: int, by: str | None = None) -> list[str]:
    """Delete a Run's outputs; keep the Run as an invalidated tombstone (so its combination never
    runs again), or remove it entirely if it has no inputs (uploads). Returns discarded knitIds."""
    return await graph.write(_delete, run_id, now, by)
