"""Runs: show, find, stop, retry, delete, finish, and their logs."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import anyio.to_thread

from knitgraph.archive import UnsafeArchiveError
from knitgraph.graph_schema import lifecycle, reruns, run_actions
from knitgraph.graph_schema import runs as run_graph
from knitgraph.graph_schema.errors import ConflictError, NotFoundError, UnavailableError
from knitgraph.graph_schema.plan_spec import RetryPolicy, retry_of
from knitgraph.graph_schema.records import RunRecord, RunStatus
from knitgraph.graph_schema.timefmt import now_ms

from ..content_store import ContentStore
from .metrics import read_metrics
from .state import Services
from .time_window import time_window

logger = logging.getLogger("knitgraph.server.runs")
LOG_POLL_SECONDS = 0.2
_LOG_NOT_YET = (RunStatus.DEACTIVATED, RunStatus.WAITING, RunStatus.READY)
_LOG_GROWING = (RunStatus.STARTING, RunStatus.RUNNING)


async def get_run(services: Services, run_id: str) -> RunRecord:
    return await run_graph.get_run(services.graph, run_id)


async def find_runs(
    services: Services, plan_ids: list[str], in_knit_ids: list[str], out_knit_ids: list[str],
    statuses: list[str], since: str | None, duration: str | None,
) -> list[RunRecord]:
    start, end = time_window(since, duration)
    return await run_graph.find_runs(
        services.graph, plan_ids=plan_ids, in_knit_ids=in_knit_ids, out_knit_ids=out_knit_ids,
        statuses=statuses, since=start, until=end,
    )


def _retry_due(run: RunRecord) -> RetryPolicy | None:
    """The plan's retry policy, if this aborting Run is to run again in place."""
    policy = retry_of(run.summary.plan.annotations)
    if policy is None or run.summary.status is not RunStatus.ABORTING or run.attempt > policy.max:
        return None
    if run.summary.exit is not None and run.summary.exit.code == run_actions.USER_ABORT_CODE:
        return None  # what its user wanted, not a failure
    return policy


def _keep_attempt_log(store: ContentStore, run: RunRecord) -> str | None:
    """The failed attempt's log, renamed within the Run's log Data so that the next attempt
    writes a fresh ``log``: ``attempt-N.log``. Done again after a crash, it finds it done."""
    if run.log is None:
        return None
    folder = store.prepare_output(run.log.knit_id)
    kept = f"attempt-{run.attempt}.log"
    if (folder / "log").exists():
        os.replace(folder / "log", folder / kept)
    return kept if (folder / kept).exists() else None


async def _retry_in_place(services: Services, run: RunRecord, policy: RetryPolicy) -> None:
    """The failed attempt is kept (exit, times, log); its outputs are emptied; the Run waits for
    its backoff, then runs again with the same outputs, so downstream Runs start once, after the
    attempt that succeeds."""
    log_file = await anyio.to_thread.run_sync(_keep_attempt_log, services.store, run)
    for output in run.outputs:
        await anyio.to_thread.run_sync(services.store.discard, output.knit_id)
    now = now_ms()
    delay = policy.delay_seconds(run.attempt)
    try:
        await lifecycle.retry_in_place(services.graph, run.summary.run_id, attempt=run.attempt, now=now,
                                       not_before=now + int(delay * 1000), log_file=log_file)
    except ConflictError:
        return  # another server (or this one's recovery) retried it first
    logger.info("run %s failed (attempt %d of %d); it runs again in %.1f s", run.summary.run_id, run.attempt,
                policy.max + 1, delay)


def _measure_outputs(store: ContentStore, run: RunRecord) -> tuple[dict[str, tuple[str, int]], dict[str, dict[str, float]]]:
    """Each output's (and the log's) content digest and size, and the metrics outputs hold."""
    digests: dict[str, tuple[str, int]] = {}
    metrics: dict[str, dict[str, float]] = {}
    for output in [*run.outputs, *([run.log] if run.log else [])]:
        try:
            digests[output.knit_id] = (store.digest(output.knit_id), store.size(output.knit_id))
        except UnsafeArchiveError as exc:
            # Recorded without a digest, such an output cannot be pulled; the log says why.
            logger.warning("run %s: output knit#id:%s is unsafe: %s", run.summary.run_id, output.knit_id, exc.reason)
            continue
        if output is not run.log:
            metrics[output.knit_id] = read_metrics(store, output.knit_id)
    return digests, metrics


async def finish_run(services: Services, run_id: str, known: RunRecord | None = None) -> list[str]:
    """Record a completing or aborting Run's outputs (their digests) and finish it, done or
    failed; the Runs its outputs start exist on return (their ids are returned). An aborting Run
    whose plan retries (``retry:``) and has attempts left goes back to waiting instead.
    ``known``: the Run as its worker left it on recording its exit, which saves reading it again
    (whether it ends done or failed is decided from its status in the graph, not from this; its
    plan's ``retry`` is the one the Run was claimed under)."""
    run = known or await run_graph.get_run(services.graph, run_id)
    if (policy := _retry_due(run)) is not None:
        await _retry_in_place(services, run, policy)
        return []
    # Only reads files: a shutdown need not wait for it (recovery finishes the Run at the next start).
    digests, metrics = await anyio.to_thread.run_sync(_measure_outputs, services.store, run, abandon_on_cancel=True)
    return await lifecycle.finish_run(
        services.graph, run_id, now=now_ms(), digests=digests, creation=uuid.uuid4().hex,
        metrics={knit_id: found for knit_id, found in metrics.items() if found},
    )


async def stop_run(services: Services, actor: str | None, run_id: str, fail: bool) -> RunRecord:
    """Stop a Run (completing, or aborting with ``fail``). A Run no worker took yet has nothing to
    wait for and finishes at once; a running one is ended by its worker."""
    previous = await run_actions.stop_run(services.graph, run_id, fail=fail, now=now_ms(), by=actor)
    if fail and previous in (RunStatus.DEACTIVATED, RunStatus.WAITING):
        try:
            await finish_run(services, run_id)
        except ConflictError:
            pass  # a server's recovery loop finished it first: the same outcome, failed
    return await run_graph.get_run(services.graph, run_id)


async def retry_run(services: Services, actor: str | None, run_id: str) -> RunRecord:
    for knit_id in await run_actions.retry_run(services.graph, run_id, now=now_ms(), by=actor):
        await anyio.to_thread.run_sync(services.store.discard, knit_id)
    services.runs_waiting.notify()
    return await run_graph.get_run(services.graph, run_id)


async def rerun_run(services: Services, actor: str | None, run_id: str, downstream: bool, dry_run: bool) -> reruns.Rerun:
    rerun = await reruns.rerun(services.graph, run_id, downstream=downstream, dry_run=dry_run, now=now_ms(),
                               creation=uuid.uuid4().hex, by=actor)
    services.runs_waiting.notify()
    return rerun


async def invalidate_data(services: Services, actor: str | None, knit_id: str, dry_run: bool) -> reruns.Rerun:
    return await reruns.invalidate_data(services.graph, knit_id, dry_run=dry_run, now=now_ms(),
                                        creation=uuid.uuid4().hex, by=actor)


async def delete_run(services: Services, actor: str | None, run_id: str) -> str:
    for knit_id in await run_actions.delete_run(services.graph, run_id, now=now_ms(), by=actor):
        await anyio.to_thread.run_sync(services.store.discard, knit_id)
    return run_id


async def open_log(services: Services, run_id: str, follow: bool) -> AsyncIterator[bytes]:
    """A Run's log as it is now, or (``follow``) as it is written until the Run ends; a follow of a
    Run that has not started sends nothing until it starts (the client says that it waits)."""
    run = await run_graph.get_run(services.graph, run_id)
    if run.summary.status is RunStatus.INVALIDATED:
        raise NotFoundError(f"run {run_id} was removed (it is invalidated): its outputs and its log were deleted",
                            f"`knit run show {run_id}` shows what is left of it")
    if run.log is None:
        raise NotFoundError(f"run {run_id} records no log", "add `log:` with tags to its plan")
    if run.summary.status in _LOG_NOT_YET and not follow:
        raise UnavailableError("the run has not started: it has no log yet",
                               "retry later, or add -f/--follow to wait for it and stream the log")
    return _log_chunks(services, run_id, services.store.path(run.log.knit_id) / "log", follow)


async def _log_chunks(services: Services, run_id: str, path: Path, follow: bool) -> AsyncIterator[bytes]:
    offset = 0
    while True:
        data = await anyio.to_thread.run_sync(_read_from, path, offset)
        offset += len(data)
        if data:
            yield data
            continue
        if not follow:
            return
        current = await run_graph.get_run(services.graph, run_id)
        if current.summary.status not in (*_LOG_NOT_YET, *_LOG_GROWING):
            yield await anyio.to_thread.run_sync(_read_from, path, offset)
            return
        await anyio.sleep(LOG_POLL_SECONDS)


def _read_from(path: Path, offset: int) -> bytes:
    try:
        with open(path, "rb") as log:
            log.seek(offset)
            return log.read(1 << 20)
    except FileNotFoundError:
        return b""
