"""The ``process`` executor: the Plan's command as a host process in a bubblewrap sandbox.

The image is not used: the command runs on the host's own userland, seen read-only, with the
project's Python environment first on PATH. Inside the sandbox: inputs are read-only at their
paths, outputs writable at theirs, the knitgraph home is hidden, ``/var/tmp`` (``TMPDIR`` and
``HOME``) is a private writable scratch, and there is no network (``--unshare-all``). Limits: memory via RLIMIT_DATA; CPU is bounded only by the executor's
concurrency (bubblewrap has no cgroups).
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Protocol

import anyio
import anyio.to_thread

from knitgraph.graph_schema.errors import UnavailableError
from knitgraph.graph_schema.quantities import memory_bytes

from .base import ExitStatus, Job
from .processes import die_with_parent

_HIDDEN_TOP_LEVEL = {"proc", "dev", "sys", "run", "in", "out", "lost+found"}


class ProcessSettings(Protocol):
    """What the process executor reads of the server's settings."""

    @property
    def home(self) -> Path: ...

    @property
    def process_network(self) -> bool: ...


class ProcessExecution:
    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process

    async def wait(self) -> ExitStatus:
        code = await anyio.to_thread.run_sync(self.process.wait)
        return ExitStatus(code if code >= 0 else 128 - code)

    async def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        with anyio.move_on_after(10):
            await anyio.to_thread.run_sync(self.process.wait)
        try:
            # Also when the sandbox ended at once: one stopped while starting leaves its inner
            # bwrap (and the task) behind in the group, its --die-with-parent not yet armed.
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # the whole group has ended

    async def cleanup(self) -> None:
        pass  # an ended process leaves nothing behind


class ProcessExecutor:
    name = "process"
    survives_server = False

    def __init__(self, settings: ProcessSettings) -> None:
        self.settings = settings
        self.bwrap = shutil.which("bwrap")

    def sandbox(self, job: Job) -> list[str]:
        """The bwrap command line for a job."""
        if self.bwrap is None:
            raise UnavailableError(
                "bubblewrap (bwrap) is not installed; the process executor runs every Run in it",
                "install it (`apt-get install bubblewrap`)",
            )
        args = [self.bwrap, "--die-with-parent", "--unshare-all", "--tmpfs", "/"]
        if self.settings.process_network:
            args.append("--share-net")
        for entry in sorted(Path("/").iterdir()):
            if entry.name in _HIDDEN_TOP_LEVEL:
                continue
            if entry.is_symlink():
                args += ["--symlink", os.readlink(entry), str(entry)]
            elif entry.is_dir():
                args += ["--ro-bind", str(entry), str(entry)]
        args += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/run", "--tmpfs", "/var/tmp"]
        args += ["--tmpfs", str(self.settings.home.resolve())]
        for mount in job.mounts:
            args += ["--bind" if mount.writable else "--ro-bind", str(mount.source), mount.target]
        path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "/usr/bin:/bin")])
        args += ["--clearenv", "--setenv", "PATH", path, "--setenv", "HOME", "/var/tmp", "--setenv", "TMPDIR", "/var/tmp",
                 "--setenv", "LANG", "C.UTF-8", "--setenv", "KNIT_RUN_ID", job.run_id, "--chdir", "/"]
        return [*args, "--", *job.command]

    async def start(self, job: Job) -> ProcessExecution:
        if not job.command:
            raise UnavailableError(
                f"run {job.run_id} has nothing to execute: its plan has no entrypoint or args",
                "the process executor runs the plan's entrypoint + args; give them in the plan",
            )
        limit = memory_bytes(job.resources.get("memory", "")) if "memory" in job.resources else None

        def limit_memory() -> None:
            die_with_parent()  # a dead server's Runs are failed as lost: their tasks must die too
            if limit is not None:
                resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))

        log = open(job.log_file, "ab") if job.log_file else subprocess.DEVNULL
        try:
            process = subprocess.Popen(  # noqa: PLW1509 - preexec_fn only calls prctl and setrlimit
                self.sandbox(job), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=limit_memory,
            )
        finally:
            if job.log_file:
                log.close()  # type: ignore[union-attr]
        return ProcessExecution(process)

    async def reattach(self, job: Job) -> None:
        """Sandboxed processes die with their server (PR_SET_PDEATHSIG): nothing to re-attach."""
        return None
