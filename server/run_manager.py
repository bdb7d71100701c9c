"""Executing Runs: claim waiting Runs, run them with the executor, finish them, recover lost ones.

Each server process is one *owner*. It claims a waiting Run (waiting -> ready) under a lease,
prepares the output folders, starts the task (ready -> starting -> running), and when the task
ends moves the Run to completing (exit 0) or aborting (any other code), then finishes it (done or
failed) and projects what the outputs feed. While tasks run it renews their leases and watches for
users' stop requests. A Run whose lease ran out lost its worker (the server died): it is failed
with exit 254, as Knitfab marks a lost worker, or finished if it was already finishing.
"""

from __future__ import annotations

import logging
import uuid

import anyio
import anyio.abc

from knitgraph.archive import UnsafeArchiveError
from knitgraph.graph_schema import lifecycle, plans, runs
from knitgraph.graph_schema.driver import Graph
from knitgraph.graph_schema.errors import InvalidInputError, KnitError, NotFoundError, UnavailableError
from knitgraph.graph_schema.lifecycle import S
from knitgraph.graph_schema.records import RunStatus
from knitgraph.graph_schema.timefmt import now_ms

from .content_store import ContentStore
from knitgraph.executors import LOST_WORKER, Execution, Executor, Job, Mount
from knitgraph.executors.limits import LimitedExecution

logger = logging.getLogger("knitgraph.server.runs")
POLL_SECONDS = 0.2
WATCH_SECONDS = 1.0
RECOVER_SECONDS = 2.0


class RunManager:
    def __init__(
        self, graph: Graph, store: ContentStore, executor: Executor, concurrency: int, lease_seconds: float,
        default_limits: dict[str, str] | None = None,
    ) -> None:
        self.default_limits = default_limits or {}  # the server's; a plan's own resources win
        self.graph = graph
        self.lease_ms = int(lease_seconds * 1000)
        self.store = store
        self.executor = executor
        self.concurrency = concurrency
        self.owner = uuid.uuid4().hex
        self.executing: dict[str, Execution | None] = {}
        self._slot_freed = anyio.Event()
        self._recovered_at = 0.0

    def _lease(self) -> int:
        return now_ms() + self.lease_ms

    async def run_forever(self) -> None:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(self._watch_forever)
            while True:
                claimed = None
                if len(self.executing) < self.concurrency:
                    try:
                        if anyio.current_time() - self._recovered_at > RECOVER_SECONDS:
                            self._recovered_at = anyio.current_time()
                            await self.recover(tasks)
                        claimed = await lifecycle.claim_waiting_run(
                            self.graph, owner=self.owner, executor=self.executor.name, now=now_ms(),
                            lease_until=self._lease())
                    except KnitError as exc:
                        logger.warning("could not claim a run: %s", exc)
                if claimed is None:
                    with anyio.move_on_after(POLL_SECONDS):
                        await self._slot_freed.wait()  # a finished task frees a slot at once
                    self._slot_freed = anyio.Event()
                    continue
                self.executing[claimed.run_id] = None
                tasks.start_soon(self._execute, claimed.run_id)

    async def _watch_forever(self) -> None:
        """Renew leases, and stop tasks whose Run a user stopped (possibly on another server)."""
        while True:
            await anyio.sleep(min(WATCH_SECONDS, self.lease_ms / 3000))
            if not self.executing:
                continue
            try:
                statuses = await lifecycle.extend_leases(
                    self.graph, list(self.executing), owner=self.owner, lease_until=self._lease())
            except KnitError as exc:
                logger.warning("could not renew leases: %s", exc)
                continue
            for run_id, status in statuses.items():
                execution = self.executing.get(run_id)
                if execution is not None and status in (S.COMPLETING, S.ABORTING):
                    try:
                        await execution.stop()
                    except Exception:  # noqa: BLE001 - a loop edge: one failed stop must not end the manager
                        logger.exception("run %s: could not stop its task", run_id)

    async def _load_job(self, run_id: str) -> Job:
        run = await runs.get_run(self.graph, run_id)
        plan = await plans.get_plan(self.graph, run.summary.plan.plan_id)
        summary = plan.summary
        mounts = [Mount(self.store.input_path(a.knit_id), a.mountpoint.path, writable=False) for a in run.inputs]
        mounts += [Mount(self.store.prepare_output(a.knit_id), a.mountpoint.path, writable=True)
                   for a in run.outputs]
        log_file = self.store.prepare_output(run.log.knit_id) / "log" if run.log else None
        return Job(run_id, summary.image or "", list(summary.entrypoint) if summary.entrypoint else None,
                   list(summary.args) if summary.args else None, mounts, log_file,
                   {**self.default_limits, **plan.resources},
                   plan.on_node, plan.service_account)

    async def _execute(self, run_id: str) -> None:
        try:
            await self._run_task(run_id)
        except KnitError as exc:
            logger.warning("run %s: %s", run_id, exc)
        except anyio.get_cancelled_exc_class():
            with anyio.CancelScope(shield=True), anyio.move_on_after(20):
                await self._abandon(run_id)
            raise
        except Exception:  # noqa: BLE001 - a loop edge: log, and let recovery fail the run
            logger.exception("run %s: unexpected error", run_id)
        try:
            await self.finish(run_id)
        except KnitError as exc:
            logger.warning("run %s could not be finished now (%s); recovery will", run_id, exc)
        finally:
            self.executing.pop(run_id, None)
            self._slot_freed.set()

    async def _abandon(self, run_id: str) -> None:
        """The server is shutting down. A container outlives it (and is re-attached at the next
        start); a sandboxed process does not, so it is stopped and its Run failed now, not later."""
        execution = self.executing.pop(run_id, None)
        if self.executor.survives_server:
            return
        if execution is not None:
            await execution.stop()
        try:
            await lifecycle.change_status(self.graph, run_id, S.ABORTING, now=now_ms(),
                                          exit_code=LOST_WORKER.code, exit_message="the server shut down while it ran")
        except KnitError:
            pass  # already completing or aborting: finishing below records that
        await self.finish(run_id)

    async def _run_task(self, run_id: str) -> None:
        try:
            job = await self._load_job(run_id)
            await lifecycle.change_status(self.graph, run_id, S.STARTING, now=now_ms(), expected=(S.READY,))
            execution = LimitedExecution(await self.executor.start(job), job)
        except (NotFoundError, UnavailableError, InvalidInputError) as exc:
            await lifecycle.change_status(self.graph, run_id, S.ABORTING, now=now_ms(),
                                          exit_code=255, exit_message=exc.reason)
            return
        self.executing[run_id] = execution
        await lifecycle.change_status(self.graph, run_id, S.RUNNING, now=now_ms(), expected=(S.STARTING,))
        await self._await_exit(run_id, execution)

    async def _await_exit(self, run_id: str, execution: Execution) -> None:
        status = await execution.wait()
        if run_id in self.executing:
            self.executing[run_id] = None  # the task has ended: nothing left for a stop to stop
        code = status.code
        target = S.COMPLETING if code == 0 else S.ABORTING
        message = status.message or ("" if code == 0 else f"exit status {code}")
        try:
            await lifecycle.change_status(self.graph, run_id, target, now=now_ms(), expected=(S.RUNNING,),
                                          exit_code=code, exit_message=message)
        except KnitError:
            pass  # a user stopped it meanwhile: their completing/aborting and exit stand
        # Only now: a task removed before its outcome is recorded would look lost after a crash.
        await execution.cleanup()

    async def finish(self, run_id: str) -> None:
        """Record the outputs' digests and finish the Run; project what its outputs feed."""
        run = await runs.get_run(self.graph, run_id)
        digests: dict[str, str] = {}
        for output in [*run.outputs, *([run.log] if run.log else [])]:
            try:
                digests[output.knit_id] = await anyio.to_thread.run_sync(self.store.digest, output.knit_id)
            except UnsafeArchiveError as exc:
                # Recorded without a digest, such an output cannot be pulled; the log says why.
                logger.warning("run %s: output knit#id:%s is unsafe: %s", run_id, output.knit_id, exc.reason)
        await lifecycle.finish_run(self.graph, run_id, now=now_ms(), digests=digests, creation=uuid.uuid4().hex)

    async def _resume(self, run_id: str, execution: Execution) -> None:
        try:
            await self._await_exit(run_id, execution)
            await self.finish(run_id)
        except KnitError as exc:
            logger.warning("run %s: %s", run_id, exc)
        finally:
            self.executing.pop(run_id, None)

    async def recover(self, tasks: anyio.abc.TaskGroup | None = None) -> None:
        """Re-attach to tasks of lost Runs that still exist (containers); fail the others as lost
        (exit 254); finish those left finishing."""
        for run_id, status in await lifecycle.find_lost_runs(self.graph, now=now_ms()):
            if run_id in self.executing:
                continue
            if status is S.RUNNING and tasks is not None:
                job = await self._load_job(run_id)
                execution = await self.executor.reattach(job)
                if execution is not None:
                    execution = LimitedExecution(execution, job)  # its timeout counts from now
                    await lifecycle.change_status(self.graph, run_id, S.RUNNING, now=now_ms(), expected=(S.RUNNING,),
                                                  owner=self.owner, lease_until=self._lease())
                    logger.warning("run %s lost its server; re-attached to its task", run_id)
                    self.executing[run_id] = execution
                    tasks.start_soon(self._resume, run_id, execution)
                    continue
            if status in lifecycle.EXECUTING:
                code, message = LOST_WORKER.code, LOST_WORKER.message
                await lifecycle.change_status(self.graph, run_id, S.ABORTING, now=now_ms(),
                                              expected=(status,), exit_code=code, exit_message=message)
            logger.warning("run %s lost its worker while %s; finishing it", run_id, status.value)
            await self.finish(run_id)

    async def finish_unstarted(self, run_id: str, previous: RunStatus) -> None:
        """A Run aborted before any worker took it has nothing to wait for: finish it now."""
        if previous in (S.DEACTIVATED, S.WAITING):
            await self.finish(run_id)
