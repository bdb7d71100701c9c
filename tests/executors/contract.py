"""The contract every executor keeps, tested directly against the ``Executor`` protocol: no server,
no Neo4j. Each executor has one subclass (``test_<name>_contract.py``) that provides the ``executor``
fixture and says how to express a few tasks in its world (the hooks below), as dagster's
``TestRunStorage`` does for run storages.

Every case runs for every executor. Where executors legitimately differ, the subclass declares it in
a capability attribute, and the case asserts the declared behaviour, so each executor is held to
something in every case and nothing is skipped:

- ``survives_server``: a task outlives the server that started it (containers, Jobs). Then
  ``reattach`` finds it again, running or ended, and its ``wait`` gives the real exit status and the
  whole log; else (a sandboxed process dies with its server) ``reattach`` returns None.
- ``runs_commands``: the task really runs the Job's command, so its writes can be observed: the
  output mount is writable, a write into the input mount fails. kwok's nodes run nothing: on the
  kubernetes subclass the output stays empty and the input untouched, and the exit codes are those
  kwok's Stages give the pod by its image (``tests/k8s/kwok-stages.yaml``).
- ``ended_outside``: what ``wait`` gives when the task is ended behind the executor's back: a
  removed container or deleted Job is a lost worker (``LOST_WORKER``); a sandboxed process cannot
  vanish, only be killed, and reports the signal (137). Ended while ``wait`` runs, it is never a
  success.
- ``failure_message``: what the executor says beside a failing exit code (Kubernetes names the
  container and its reason; the others leave the code to speak).

Stop is held for all: a running task ends, ``wait`` returns a failure, and nothing of the task runs
afterwards (``task_runs``: a process, a container, a pod). Logs are held for all: what the task
prints reaches ``job.log_file``. On kwok, what "the task prints" is the log its node serves
(kwok's ``ClusterLogs`` file), read through the pod log API as a real container's would be.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

import anyio
import pytest

from knitgraph.executors import Execution, Executor, ExitStatus, Job, Mount

TIMEOUT = 120  # seconds any single task may take to start and end; a hang fails the case
INPUT = "/in/1"
OUTPUT = "/out/1"
ORIGINAL = "original\n"


@dataclass(frozen=True, slots=True)
class Task:
    """What a Job runs: the image, and its entrypoint (and args)."""

    image: str
    entrypoint: list[str] | None  # None: the image's own
    args: list[str] | None = None


@dataclass(frozen=True, slots=True)
class Folders:
    """A Job's folders on the host: its input (holding ``data``), its output, its log."""

    input: Path
    output: Path
    log: Path


def folders(root: Path) -> Folders:
    made = Folders(root / "in", root / "out", root / "log")
    made.input.mkdir(parents=True)
    made.output.mkdir(parents=True)
    (made.input / "data").write_text(ORIGINAL)
    return made


def make_job(task: Task, where: Folders) -> Job:
    """A Job with one input (read-only) and one output (writable), logging to ``where.log``."""
    mounts = [Mount(where.input, INPUT, writable=False), Mount(where.output, OUTPUT, writable=True)]
    return Job(f"contract-{uuid.uuid4().hex[:12]}", task.image, task.entrypoint, task.args, mounts, where.log)


async def wait_for_exit(execution: Execution) -> ExitStatus:
    with anyio.fail_after(TIMEOUT):
        return await execution.wait()


async def run_to_end(executor: Executor, job: Job) -> ExitStatus:
    """Start the job, wait for its exit, clean up: what the server does with one Run."""
    execution = await executor.start(job)
    status = await wait_for_exit(execution)
    await execution.cleanup()
    return status


@pytest.mark.anyio
class ExecutorContract:
    __test__ = False

    survives_server: ClassVar[bool]
    runs_commands: ClassVar[bool]
    ended_outside: ClassVar[ExitStatus]
    failure_message: ClassVar[str] = ""  # what it says beside a failing exit; empty: the code says it all
    image: ClassVar[str] = "contract:v1"

    # -- what differs per executor -----------------------------------------------------------

    @pytest.fixture
    def executor(self) -> Executor:
        raise NotImplementedError("each executor's subclass provides its executor")

    @pytest.fixture
    def workspace(self, tmp_path: Path) -> Path:
        """Where a case's Job folders go (the kubernetes executor needs them on its Data volume)."""
        return tmp_path

    def shell(self, script: str) -> Task:
        return Task(self.image, ["/bin/sh", "-c", script])

    def exits(self, code: int, printing: str) -> Task:
        """Prints ``printing`` (one line) and exits with ``code``."""
        return self.shell(f"echo '{printing}'; exit {code}")

    def runs_until_stopped(self) -> Task:
        """Runs until it is stopped; ends at once on SIGTERM, as a well-behaved task does."""
        return self.shell("trap 'exit 143' TERM; /bin/busybox sleep 3600 & wait")

    def writes_output(self, text: str) -> Task:
        """Writes ``text`` (one line) to ``result`` in the output mount."""
        return self.shell(f"echo '{text}' > {OUTPUT}/result")

    def writes_input(self) -> Task:
        """Overwrites ``data`` in the input mount; its exit status is that of the write."""
        return self.shell(f"echo changed > {INPUT}/data")

    async def end_outside(self, job: Job, execution: Execution) -> None:
        """End the task behind the executor's back (remove its container, delete its Job, kill it)."""
        raise NotImplementedError

    async def task_runs(self, job: Job) -> bool:
        """Whether anything of the job's task still runs (a process, a container, a pod)."""
        raise NotImplementedError

    async def assert_task_ended(self, job: Job) -> None:
        """Nothing of the task runs any more (a pod may take a moment to be collected)."""
        with anyio.fail_after(TIMEOUT):
            while await self.task_runs(job):  # noqa: ASYNC110 - polls another system's state
                await anyio.sleep(0.2)

    # -- the contract --------------------------------------------------------------------------

    def test_declares_whether_tasks_survive_the_server(self, executor: Executor) -> None:
        assert executor.survives_server is self.survives_server

    async def test_success_exits_0(self, executor: Executor, workspace: Path) -> None:
        status = await run_to_end(executor, make_job(self.exits(0, printing="fine"), folders(workspace)))
        assert status.code == 0, status

    async def test_failure_keeps_its_exit_code(self, executor: Executor, workspace: Path) -> None:
        status = await run_to_end(executor, make_job(self.exits(3, printing="broken"), folders(workspace)))
        assert status == ExitStatus(3, self.failure_message)

    async def test_what_the_task_prints_reaches_the_log(self, executor: Executor, workspace: Path) -> None:
        where = folders(workspace)
        await run_to_end(executor, make_job(self.exits(0, printing="hello from the task"), where))
        assert where.log.read_text() == "hello from the task\n"

    async def test_output_mount_is_writable(self, executor: Executor, workspace: Path) -> None:
        where = folders(workspace)
        status = await run_to_end(executor, make_job(self.writes_output("made by the task"), where))
        assert status.code == 0, status
        written = {path.name: path.read_text() for path in where.output.iterdir()}
        assert written == ({"result": "made by the task\n"} if self.runs_commands else {})

    async def test_input_mount_is_read_only(self, executor: Executor, workspace: Path) -> None:
        where = folders(workspace)
        status = await run_to_end(executor, make_job(self.writes_input(), where))
        assert (where.input / "data").read_text() == ORIGINAL
        assert sorted(path.name for path in where.input.iterdir()) == ["data"]
        if self.runs_commands:
            assert status.code != 0, "the write into the input mount should have failed"

    async def test_stop_ends_a_running_task(self, executor: Executor, workspace: Path) -> None:
        job = make_job(self.runs_until_stopped(), folders(workspace))
        execution = await executor.start(job)
        with anyio.fail_after(TIMEOUT):
            await execution.stop()
        status = await wait_for_exit(execution)
        await self.assert_task_ended(job)
        await execution.cleanup()
        assert status.code != 0, f"a stopped task is not a success: {status}"

    async def test_stop_after_the_end_changes_nothing(self, executor: Executor, workspace: Path) -> None:
        where = folders(workspace)
        execution = await executor.start(make_job(self.exits(3, printing="done"), where))
        assert (await wait_for_exit(execution)).code == 3
        await execution.stop()
        await execution.cleanup()
        assert where.log.read_text() == "done\n"

    async def test_task_ended_outside_the_executor(self, executor: Executor, workspace: Path) -> None:
        job = make_job(self.runs_until_stopped(), folders(workspace))
        execution = await executor.start(job)
        await self.end_outside(job, execution)
        status = await wait_for_exit(execution)
        await execution.cleanup()
        assert status == self.ended_outside

    async def test_task_ended_outside_while_waited_for_is_no_success(
        self, executor: Executor, workspace: Path
    ) -> None:
        job = make_job(self.runs_until_stopped(), folders(workspace))
        execution = await executor.start(job)
        ended: list[ExitStatus] = []

        async def waiting() -> None:
            ended.append(await wait_for_exit(execution))

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(waiting)
            await self.end_outside(job, execution)
        await execution.cleanup()
        (status,) = ended
        assert status.code != 0, status

    async def test_reattach_finds_no_task_that_was_never_started(self, executor: Executor, workspace: Path) -> None:
        assert await executor.reattach(make_job(self.exits(0, printing="never"), folders(workspace))) is None

    async def test_reattach_finds_no_task_once_cleaned_up(self, executor: Executor, workspace: Path) -> None:
        job = make_job(self.exits(0, printing="gone"), folders(workspace))
        await run_to_end(executor, job)
        assert await executor.reattach(job) is None

    async def test_reattach_to_a_running_task(self, executor: Executor, workspace: Path) -> None:
        job = make_job(self.runs_until_stopped(), folders(workspace))
        started = await executor.start(replace(job, log_file=None))
        found = await executor.reattach(job)
        if self.survives_server:
            assert found is not None
            await found.stop()
            assert (await wait_for_exit(found)).code != 0
            await found.cleanup()
        else:
            assert found is None
            await started.stop()
            await wait_for_exit(started)
        await self.assert_task_ended(job)

    async def test_reattach_reads_the_exit_of_a_task_that_ended_unrecorded(
        self, executor: Executor, workspace: Path
    ) -> None:
        """The server saw the task end, then died before recording it (and its log copy with it)."""
        where = folders(workspace)
        job = make_job(self.exits(3, printing="before the crash"), where)
        assert (await wait_for_exit(await executor.start(replace(job, log_file=None)))).code == 3
        found = await executor.reattach(job)
        if not self.survives_server:
            assert found is None
            return
        assert found is not None
        status = await wait_for_exit(found)
        await found.cleanup()
        assert status.code == 3, status
        assert where.log.read_text() == "before the crash\n"
