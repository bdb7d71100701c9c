"""The process executor (a bubblewrap sandbox on the host) keeps the executor contract."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from knitgraph.executors import Execution, ExitStatus, Job
from knitgraph.executors.process import GATE, ProcessExecution, ProcessExecutor
from knitgraph.server.settings import Settings

from .contract import ExecutorContract


class TestProcessContract(ExecutorContract):
    __test__ = True

    survives_server = False  # the sandbox dies with its server (bubblewrap's --die-with-parent)
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


@pytest.mark.parametrize("opened", [True, False])
def test_a_sandbox_starts_only_once_its_server_opens_the_gate(tmp_path: Path, opened: bool) -> None:
    """The server confines the gated sandbox, then opens the gate; a server that dies before
    (its end of the pipe closes unwritten) leaves nothing started: no task outside its limits."""
    started = tmp_path / "started"
    gate, opener = os.pipe()
    process = subprocess.Popen([*GATE, "touch", str(started)], stdin=gate)
    os.close(gate)
    if opened:
        os.write(opener, b"open\n")
    os.close(opener)
    assert process.wait(timeout=10) == (0 if opened else 1)
    assert started.exists() is opened
