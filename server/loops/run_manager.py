"""Executing Runs: claim waiting Runs, run them with their executor, finish them, recover lost ones.

Each server process is one *owner*. It claims a waiting Run (waiting -> ready) under a lease,
prepares the output folders, starts the task with the executor its plan gets on this server
(``executor_choice``; ready -> starting -> running, recording that executor), and when the task
ends moves the Run to completing (exit 0) or aborting (any other code), then finishes it (done or
failed), which starts what the outputs feed. While tasks run it renews their leases and watches
for users' stop requests. A Run whose lease ran out lost its worker (the server died): it is
failed with exit 254, as Knitfab marks a lost worker, or finished if it was already finishing.
The executor's concurrency bounds the tasks running at once: a Run whose task has ended gives its
slot to the next Run while it is finished.

Claiming and lease renewal are loops under the supervisor; the tasks themselves live in the
manager's own task group, so a Neo4j outage pauses the loops without touching running tasks, and
an outcome that cannot be recorded during the outage is recorded as soon as Neo4j is back.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

import anyio
import anyio.abc

from knitgraph.executors import LOST_WORKER, Execution, Job, Mount, Serving
from knitgraph.executors.limits import LimitedExecution
from knitgraph.graph_schema import lifecycle, plans, runs, serving
from knitgraph.graph_schema.errors import (
    ConflictError,
    InvalidInputError,
    KnitError,
    NotFoundError,
    UnavailableError,
)
from knitgraph.graph_schema.plan_spec import NETWORK_ANNOTATION, ServiceSpec, service_of
from knitgraph.graph_schema.records import Exit, PlanRecord, RunRecord, RunStatus
from knitgraph.graph_schema.timefmt import now_ms

from ..executor_choice import Runners
from ..lifecycle_hooks import HookRefused, LifecycleHooks
from ..services import Services
from ..services.runs import finish_run
from ..serving.health import Unhealthy, wait_healthy
from ..serving.registry import Endpoint
from .supervisor import MAX_DELAY_SECONDS, Supervisor

logger = logging.getLogger("knitgraph.server.runs")
POLL_SECONDS = 0.2
WATCH_SECONDS = 1.0
RECOVER_SECONDS = 2.0
HOOK_RETRY_SECONDS = 5.0  # a Run its before-hooks refused to claim is tried again this much later
T = TypeVar("T")


async def until_recorded(what: str, write: Callable[[], Awaitable[T]]) -> T:
    """Retry a write while Neo4j is unavailable: the task's outcome is known and must not be lost."""
    delay = 0.5
    while True:
        try:
            return await write()
        except UnavailableError as exc:
            logger.warning("%s waits for Neo4j (%s); trying again in %.1f s", what, exc.reason, delay)
        await anyio.sleep(delay)
        delay = min(delay * 2, MAX_DELAY_SECONDS)


class RunManager:
    def __init__(self, services: Services, runners: Runners, supervisor: Supervisor) -> None:
        self.services = services
        self.graph = services.graph
        self.store = services.store
        self.default_limits = services.settings.run_limits  # the server's; a plan's own resources win
        self.runners = runners
        self.supervisor = supervisor
        self.lease_ms = int(services.settings.run_lease_seconds * 1000)
        self.concurrency = services.settings.executor_concurrency
        self.owner = uuid.uuid4().hex
        self.executing: dict[str, Execution | None] = {}
        self.survives_server: dict[str, bool] = {}  # of the executor each executing Run started with
        self.serving: set[str] = set()  # executing Runs of service plans: they hold no slot
        self.finishing: set[str] = set()  # their task has ended: their slot is free, their lease still held
        self._recovered_at = 0.0
        self._tasks: anyio.abc.TaskGroup | None = None
        self.hooks = LifecycleHooks(services.settings.hooks_file)

    def _lease(self) -> int:
        return now_ms() + self.lease_ms

    async def serve(self) -> None:
        """Run the claim and lease loops (supervised) and every task they start, until cancelled."""
        try:
            async with anyio.create_task_group() as tasks:
                self._tasks = tasks
                tasks.start_soon(self.supervisor.supervise, "run claims", self._claim_forever)
                tasks.start_soon(self.supervisor.supervise, "run leases", self._watch_forever)
        finally:
            with anyio.CancelScope(shield=True):
                await self.hooks.aclose()

    async def _claim_forever(self) -> None:
        assert self._tasks is not None
        while True:
            claimed = None
            if self._slot_free():
                if anyio.current_time() - self._recovered_at > RECOVER_SECONDS:
                    await self.recover()
                    self._recovered_at = anyio.current_time()
                claimed = await self._claim()
                self.supervisor.recovered("run claims")
            if claimed is None:
                await self.services.runs_waiting.wait(POLL_SECONDS)  # a new Run or a freed slot ends it early
                continue
            self.executing[claimed.run.summary.run_id] = None
            self._tasks.start_soon(self._execute, claimed)

    def _slot_free(self) -> bool:
        """Fewer tasks than the concurrency, and no more Runs finishing (their outputs hashed,
        their outcome recorded) than that either: finishing lags behind when outputs are large."""
        return len(self.executing) - len(self.serving) < self.concurrency and len(self.finishing) < self.concurrency

    async def _claim(self) -> lifecycle.Claim | None:
        """The next waiting Run, now ready and this server's; its before-hooks, if any, first."""
        if not self.hooks.configured:  # nothing sees it ready: its start is recorded with its claim
            return await lifecycle.claim_waiting_run(self.graph, owner=self.owner, now=now_ms(), lease_until=self._lease(),
                                                     executor_for=self._executor_for)
        run_id = await lifecycle.next_claimable_run(self.graph, now=now_ms())
        if run_id is None:
            return None
        try:
            await self.hooks.before(await runs.get_run(self.graph, run_id), "waiting -> ready")
        except HookRefused as refused:
            logger.warning("%s; the run stays waiting, tried again in %.0f s", refused, HOOK_RETRY_SECONDS)
            await lifecycle.postpone_waiting_run(self.graph, run_id, not_before=now_ms() + int(HOOK_RETRY_SECONDS * 1000))
            return None
        claimed = await lifecycle.claim_waiting_run(self.graph, owner=self.owner, now=now_ms(), lease_until=self._lease(),
                                                    run_id=run_id)
        if claimed is not None:
            await self._after_hooks(run_id, "waiting -> ready")
        return claimed

    def _executor_for(self, run: RunRecord, plan: PlanRecord) -> str:
        """The Run's executor: the one it started with, else its plan's choice."""
        return run.executor or self.runners.choose(plan.summary.annotations).executor

    async def _before_hooks(self, run_id: str, transition: str) -> dict[str, str]:
        """Every before-hook accepts the transition the manager is about to make (asked again, with
        a growing pause, until they do: Knitfab's at-least-once); returns the variables they set."""
        delay = 1.0
        while self.hooks.configured:
            try:
                return await self.hooks.before(await runs.get_run(self.graph, run_id), transition)
            except HookRefused as refused:
                logger.warning("%s; asking again in %.0f s", refused, delay)
            await anyio.sleep(delay)
            delay = min(delay * 2, MAX_DELAY_SECONDS)
        return {}

    async def _after_hooks(self, run_id: str, transition: str) -> None:
        """The after-hooks get the Run as it is now, once, in the background; failures are only logged."""
        if not self.hooks.configured or self._tasks is None:
            return
        try:
            run = await runs.get_run(self.graph, run_id)
        except KnitError as exc:
            logger.warning("run %s: no after-hooks for %s: %s", run_id, transition, exc)
            return
        self._tasks.start_soon(self.hooks.after, run, transition)

    async def _finish(self, run_id: str, known: RunRecord | None = None) -> None:
        """completing -> done or aborting -> failed (or waiting, for a retry), with the hooks around it.
        ``known``: the Run as this worker left it when it recorded its exit (not read again)."""
        status = (await runs.get_run(self.graph, run_id)).summary.status if self.hooks.configured else None
        if status is not None and status in lifecycle.FINISHES:
            await self._before_hooks(run_id, f"{status.value} -> {lifecycle.FINISHES[status].value}")
        await finish_run(self.services, run_id, known)
        if status is not None and status in lifecycle.FINISHES:
            await self._after_hooks(run_id, f"{status.value} -> {lifecycle.FINISHES[status].value}")

    async def _watch_forever(self) -> None:
        """Renew leases, and stop tasks whose Run a user stopped (possibly on another server)."""
        while True:
            await anyio.sleep(min(WATCH_SECONDS, self.lease_ms / 3000))
            held = [*self.executing, *self.finishing]
            if not held:
                self.supervisor.recovered("run leases")  # nothing to renew is nothing failing
                continue
            statuses = await lifecycle.extend_leases(self.graph, held, owner=self.owner, lease_until=self._lease())
            self.supervisor.recovered("run leases")
            for run_id, status in statuses.items():
                execution = self.executing.get(run_id)
                if execution is not None and status in (RunStatus.COMPLETING, RunStatus.ABORTING):
                    try:
                        await execution.stop()
                    except Exception:  # a loop edge: one failed stop must not end the manager
                        logger.exception("run %s: could not stop its task", run_id)

    async def _load_job(self, run_id: str) -> tuple[Job, str]:
        run = await runs.get_run(self.graph, run_id)
        return self._job(run, await plans.get_plan(self.graph, run.summary.plan.plan_id))

    def _job(self, run: RunRecord, plan: PlanRecord) -> tuple[Job, str]:
        """The Run's task, and its executor (:meth:`_executor_for`)."""
        run_id = run.summary.run_id
        summary = plan.summary
        mounts = [Mount(self.store.input_path(a.knit_id), a.mountpoint.path, writable=False) for a in run.inputs]
        mounts += [Mount(self.store.prepare_output(a.knit_id), a.mountpoint.path, writable=True)
                   for a in run.outputs]
        log_file = self.store.prepare_output(run.log.knit_id) / "log" if run.log else None
        choice = self.runners.choose(summary.annotations)
        job = Job(run_id, summary.image or "", list(summary.entrypoint) if summary.entrypoint else None,
                  list(summary.args) if summary.args else None, mounts, log_file,
                  {**self.default_limits, **plan.resources},
                  plan.on_node, plan.service_account, network=choice.network, service=service_of(summary.annotations),
                  env={"KNIT_RUN_ID": run_id, "KNIT_RUN_ATTEMPT": str(run.attempt)})
        return job, self._executor_for(run, plan)

    async def _execute(self, claimed: lifecycle.Claim) -> None:
        run_id = claimed.run.summary.run_id
        known: RunRecord | None = None
        try:
            known = await self._run_task(claimed)
        except KnitError as exc:
            logger.warning("run %s: %s", run_id, exc)
        except anyio.get_cancelled_exc_class():
            with anyio.CancelScope(shield=True), anyio.move_on_after(20):
                await self._abandon(run_id)
            raise
        except Exception:  # a loop edge: log, and let recovery fail the run
            logger.exception("run %s: unexpected error", run_id)
        # Its task has ended and its outcome is recorded: the next Run may start beside its finish.
        self.finishing.add(run_id)
        self.executing.pop(run_id, None)
        self.survives_server.pop(run_id, None)
        self.services.runs_waiting.notify()
        async def finish() -> None:
            nonlocal known
            # Only the first try may use what this worker knows: after a failed try (a commit
            # whose answer was lost, a long outage) the Run may have moved on and is read again.
            first, known = known, None
            await self._finish(run_id, first)

        try:
            await until_recorded(f"run {run_id}'s finish", finish)
        except KnitError as exc:
            logger.warning("run %s could not be finished now (%s); recovery will", run_id, exc)
        finally:
            self.finishing.discard(run_id)
            self.services.runs_waiting.notify()

    async def _abandon(self, run_id: str) -> None:
        """The server is shutting down. A container outlives it (and is re-attached at the next
        start); a sandboxed process does not, so it is stopped and its Run failed now, not later."""
        execution = self.executing.pop(run_id, None)
        if self.survives_server.pop(run_id, False):
            return
        if execution is not None:
            await execution.stop()
        try:
            await lifecycle.change_status(self.graph, run_id, RunStatus.ABORTING, now=now_ms(), exit_code=LOST_WORKER.code,
                                          exit_message="the server shut down while it ran")
        except KnitError:
            pass  # already completing or aborting, or Neo4j is away: recovery finishes it
        try:
            await finish_run(self.services, run_id)
        except KnitError:
            pass  # recovery at the next start finishes it

    async def _run_task(self, claimed: lifecycle.Claim) -> RunRecord | None:
        """Start the Run's task and wait for its end; the Run as it then is, if this worker
        recorded its exit (None: a user stopped it, it failed to start, or it served)."""
        run_id = claimed.run.summary.run_id
        try:
            job, name = self._job(claimed.run, claimed.plan)
            if job.service is not None and name in ("process", "docker") and os.geteuid() != 0:
                raise InvalidInputError(
                    f"service '{job.service.name}' cannot be reached: the server enters a Run's network namespace to "
                    "reach its service, which needs it to run as root", "run the server as root (as `make demo` "
                    "does), or serve with the kubernetes executor (docs/serving.md)")
            if job.service is not None and job.network and name == "process":
                # Its task would listen on the host's own port, where the Run it replaces listens.
                raise InvalidInputError(
                    f"service '{job.service.name}' would clash on the host's port {job.service.port}: a process Run "
                    "with network shares the host's, and the Run it replaces holds that port",
                    f"remove the plan's annotation {NETWORK_ANNOTATION}=on (a service needs no network to be served)")
            executor = self.runners.executor(name)
            if claimed.executor is None:  # still ready
                if extra := await self._before_hooks(run_id, "ready -> starting"):
                    job = dataclasses.replace(job, env={**extra, **job.env})
                await lifecycle.change_status(self.graph, run_id, RunStatus.STARTING, now=now_ms(),
                                              expected=(RunStatus.READY,), executor=name)
                await self._after_hooks(run_id, "ready -> starting")
            self.survives_server[run_id] = executor.survives_server
            started = await executor.start(job)
            execution = LimitedExecution(started, job)
        except (NotFoundError, InvalidInputError) as exc:
            await self._fail_to_start(run_id, exc)
            return None
        except UnavailableError as unavailable:
            failure: KnitError = unavailable  # outlives the except clause, for the retried write
            await until_recorded(f"run {run_id}'s start failure", lambda: self._fail_to_start(run_id, failure))
            return None
        self.executing[run_id] = execution
        try:
            await self._before_hooks(run_id, "starting -> running")
            await until_recorded(f"run {run_id}'s start", lambda: lifecycle.change_status(
                self.graph, run_id, RunStatus.RUNNING, now=now_ms(), expected=(RunStatus.STARTING,)))
        except Exception:
            # Stopped by its user while starting, or gone: its task must not outlive the Run.
            with anyio.CancelScope(shield=True):
                await execution.stop()
                await execution.cleanup()
            raise
        await self._after_hooks(run_id, "starting -> running")
        if job.service is not None:
            await self._serve_until_exit(run_id, job, started, execution)
            return None
        recorded = await self._await_exit(run_id, execution)
        if recorded is None:
            return None
        status, exit_ = recorded
        return dataclasses.replace(claimed.run, summary=dataclasses.replace(claimed.run.summary, status=status, exit=exit_))

    async def _serve_until_exit(self, run_id: str, job: Job, started: Execution, execution: Execution) -> None:
        """Wait for the task's exit; a service Run meanwhile takes the traffic once healthy."""
        if job.service is None:
            await self._await_exit(run_id, execution)
            return
        endpoint = Endpoint.of(run_id, job.service, cast(Serving, started))  # every executor's Executions serve
        released: Endpoint | None = None

        def ended() -> None:  # at once, before the exit is recorded: the name stops reaching it now
            nonlocal released
            endpoint.connections.end()
            released = self.services.serving.release(run_id) or released  # called again in finally

        try:
            async with anyio.create_task_group() as bringing_up:
                bringing_up.start_soon(self._take_over, endpoint, job)
                await self._await_exit(run_id, execution, ended)
                bringing_up.cancel_scope.cancel()  # it ended before it was healthy
        finally:
            self.serving.discard(run_id)
            ended()
            with anyio.CancelScope(shield=True), anyio.move_on_after(10):
                await endpoint.connections.aclose()
            if released is not None and self._tasks is not None:  # it served until its task ended
                self._tasks.start_soon(self._close_period, released)

    async def _take_over(self, endpoint: Endpoint, job: Job) -> None:
        """Once the new service Run is healthy it takes the traffic, and the Run it replaces is
        stopped (done); a Run that never gets healthy fails with the reason in its log, and the one
        serving goes on. Any other failure here stops the new Run too, and is logged."""
        spec: ServiceSpec = endpoint.spec
        try:
            await wait_healthy(endpoint, self.services.settings.service_health_seconds)
        except Unhealthy as unhealthy:
            _note_in_log(job, f"knitgraph: service '{spec.name}' {unhealthy}; run {endpoint.run_id} is stopped")
            await self._end_serving(endpoint.run_id, RunStatus.ABORTING, 1, f"service '{spec.name}' {unhealthy}")
            return
        except Exception as exc:  # a loop edge: the Run ends, the server goes on
            logger.exception("run %s: bringing service '%s' up failed", endpoint.run_id, spec.name)
            await self._end_serving(endpoint.run_id, RunStatus.ABORTING, 1, f"service '{spec.name}' failed to start: {exc}")
            return
        replaced = self.services.serving.switch(endpoint, now_ms())
        if replaced is endpoint:  # a Run started later serves already: this older one steps aside
            await self._end_serving(endpoint.run_id, RunStatus.COMPLETING, 0,
                                    f"superseded by a newer run serving '{spec.name}'")
            return
        self.serving.add(endpoint.run_id)  # serving: it holds no executor slot from now on
        _note_in_log(job, f"knitgraph: service '{spec.name}' is healthy; /serve/{spec.name}/ reaches run {endpoint.run_id}")
        assert self._tasks is not None
        # In the manager's own task group: the handover completes even if this Run ends meanwhile.
        self._tasks.start_soon(self._hand_over, endpoint, replaced)

    async def _hand_over(self, endpoint: Endpoint, replaced: Endpoint | None) -> None:
        try:
            await until_recorded(f"run {endpoint.run_id}'s serving", lambda: serving.open_period(
                self.graph, endpoint.run_id, endpoint.spec.name, now=endpoint.since_ms))
            if replaced is not None:
                await self._close_period(replaced)
                await self._end_serving(replaced.run_id, RunStatus.COMPLETING, 0,
                                        f"replaced by run {endpoint.run_id} serving '{endpoint.spec.name}'")
        except Exception:  # a loop edge: logged; the lease watcher and recovery go on
            logger.exception("run %s: the handover of service '%s' failed", endpoint.run_id, endpoint.spec.name)

    async def _close_period(self, endpoint: Endpoint) -> None:
        try:
            await until_recorded(f"run {endpoint.run_id}'s end of serving", lambda: serving.close_period(
                self.graph, endpoint.run_id, endpoint.requests, now=now_ms()))
        except KnitError as exc:  # the period then ends, when read, at the Run's finish
            logger.warning("run %s: its end of serving is not recorded: %s", endpoint.run_id, exc)

    async def _end_serving(self, run_id: str, status: RunStatus, code: int, message: str) -> None:
        """Moves a service Run on; the lease watcher then stops its task."""
        async def record() -> None:
            try:
                await lifecycle.change_status(self.graph, run_id, status, now=now_ms(), expected=(RunStatus.RUNNING,),
                                              exit_code=code, exit_message=message)
            except (ConflictError, NotFoundError):
                pass  # it ended, or a user stopped it, meanwhile

        await until_recorded(f"run {run_id}'s end of service", record)

    async def _fail_to_start(self, run_id: str, exc: KnitError) -> None:
        await lifecycle.change_status(self.graph, run_id, RunStatus.ABORTING, now=now_ms(), exit_code=255, exit_message=exc.reason)

    async def _await_exit(self, run_id: str, execution: Execution,
                          ended: Callable[[], None] | None = None) -> tuple[RunStatus, Exit] | None:
        """Wait for the task's exit and record it; the status and exit recorded (None when a user
        stopped the Run meanwhile: theirs stand)."""
        status = await execution.wait()
        if ended is not None:
            ended()
        if run_id in self.executing:
            self.executing[run_id] = None  # the task has ended: nothing left for a stop to stop
        code = status.code
        target = RunStatus.COMPLETING if code == 0 else RunStatus.ABORTING
        message = status.message or ("" if code == 0 else f"exit status {code}")

        async def record() -> bool:
            try:
                await lifecycle.change_status(self.graph, run_id, target, now=now_ms(), expected=(RunStatus.RUNNING,),
                                              exit_code=code, exit_message=message)
            except (ConflictError, NotFoundError):
                return False  # a user stopped it meanwhile: their completing/aborting and exit stand
            return True

        transition = f"running -> {target.value}"
        await until_recorded(f"run {run_id}'s hooks", lambda: self._before_hooks(run_id, transition))
        recorded = await until_recorded(f"run {run_id}'s exit", record)
        await self._after_hooks(run_id, transition)
        # Only now: a task removed before its outcome is recorded would look lost after a crash.
        await execution.cleanup()
        return (target, Exit(code, message)) if recorded else None

    async def _resume(self, run_id: str, job: Job, found: Execution, execution: Execution) -> None:
        try:
            await self._serve_until_exit(run_id, job, found, execution)
            await until_recorded(f"run {run_id}'s finish", lambda: self._finish(run_id))
        except KnitError as exc:
            logger.warning("run %s: %s", run_id, exc)
        except Exception:  # a loop edge: log, and let recovery finish the run
            logger.exception("run %s: unexpected error", run_id)
        finally:
            self.executing.pop(run_id, None)
            self.survives_server.pop(run_id, None)

    async def recover(self) -> None:
        """Re-attach to tasks of lost Runs that still exist (containers); fail the others as lost
        (exit 254); finish those left finishing."""
        for run_id, status in await lifecycle.find_lost_runs(self.graph, now=now_ms()):
            if run_id in self.executing or run_id in self.finishing:
                continue
            if status is RunStatus.RUNNING and self._tasks is not None:
                job, name = await self._load_job(run_id)
                found = await self.runners.executor(name).reattach(job) if self.runners.can_run(name) else None
                if found is not None:
                    execution = LimitedExecution(found, job)  # its timeout counts from now
                    await lifecycle.change_status(self.graph, run_id, RunStatus.RUNNING, now=now_ms(),
                                                  expected=(RunStatus.RUNNING,),
                                                  owner=self.owner, lease_until=self._lease())
                    logger.warning("run %s lost its server; re-attached to its task", run_id)
                    self.executing[run_id] = execution
                    self.survives_server[run_id] = True  # only tasks that outlive a server are re-attached
                    self._tasks.start_soon(self._resume, run_id, job, found, execution)
                    continue
            if status in lifecycle.EXECUTING:
                await lifecycle.change_status(self.graph, run_id, RunStatus.ABORTING, now=now_ms(), expected=(status,),
                                              exit_code=LOST_WORKER.code, exit_message=LOST_WORKER.message)
            logger.warning("run %s lost its worker while %s; finishing it", run_id, status.value)
            await self._finish(run_id)


def _note_in_log(job: Job, line: str) -> None:
    """What knitgraph did to a service Run, in the Run's own log, where its user looks."""
    if job.log_file is None:
        return
    with open(job.log_file, "a", encoding="utf-8") as log:
        log.write(line + "\n")
