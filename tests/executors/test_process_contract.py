"""The process executor (a bubblewrap sandbox on the host) keeps the executor contract."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from knitgraph.executors import Execution, ExitStatus, Job
from knitgraph.executors.process import ProcessExecution, ProcessExecutor
from knitgraph.server.settings import Settings

from .contract import ExecutorContract


class TestProcessContract(ExecutorContract):
    __test__ = True

    survives_server = False  # the sandbox dies with its server (PR_SET_PDEATHSIG)
    runs_commands = True
    ended_outside: ClassVar[ExitStatus] = ExitStatus(137)  # killed by SIGKILL: a process cannot vanish

    @pytest.fixture
    def executor(self, tmp_path: Path) -> ProcessExecutor:
        home = tmp_path / "home"
        home.mkdir()
        return ProcessExecutor(Settings(KNITGRAPH_HOME=home))  # the server's own settings, defaults and all

    async def end_outside(self, job: Job, execution: Execution) -> None:
        assert isinstance(execution, ProcessExecution)
        os.killpg(execution.process.pid, signal.SIGKILL)

    async def task_runs(self, job: Job) -> bool:
        return any(mentioning(job.run_id.encode()))


def mentioning(run_id: bytes) -> Iterator[int]:
    """Processes of a run's task: its sandbox (the run id is on bwrap's command line) and what runs
    inside it (the sandbox sets KNIT_RUN_ID)."""
    for process in Path("/proc").glob("[0-9]*"):
        try:
            if run_id in (process / "cmdline").read_bytes() or run_id in (process / "environ").read_bytes():
                yield int(process.name)
        except OSError:
            continue  # ended meanwhile
