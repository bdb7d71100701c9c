"""The ``process`` executor: the Plan's command as a host process in a bubblewrap sandbox.

The image is not used: the command runs on the host's own programs, seen read-only, with the
project's Python environment first on PATH. What the task sees and who it runs as is
``sandbox.py``'s; the calls it may not make, ``seccomp.py``'s. Its memory and processes are capped
by a control group of its own when the server can make one (``cgroups.py``), else by rlimits;
its scratch by the size of its ``/tmp``. A Run that hits its memory or process limit is stopped
and fails naming the limit. CPU is bounded only by the executor's concurrency.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import subprocess
from pathlib import Path
from typing import Protocol

import anyio
import anyio.to_thread

from knitgraph.graph_schema.errors import UnavailableError

from .base import ExitStatus, Job
from .cgroups import RunCgroup, create_cgroup
from .limits import RunLimits, run_limits
from .netns import open_namespace, parent_of, socket_in
from .sandbox import SCRATCH, SandboxSettings, bwrap_command
from .seccomp import UnsupportedArchitectureError, filter_fd

WATCH_SECONDS = 0.2
# A shell that starts the sandbox once the server writes a line to its stdin. Should the server die
# first, the shell reads the end of the pipe and exits: bubblewrap's --die-with-parent is not armed yet.
GATE = ("/bin/sh", "-c", 'read -r opened && exec "$@" </dev/null', "knit-run")


class ProcessSettings(SandboxSettings, Protocol):
    """What the process executor reads of the server's settings."""

    @property
    def home(self) -> Path: ...


class ProcessExecution:
    def __init__(self, process: subprocess.Popen[bytes], cgroup: RunCgroup | None, limits: RunLimits,
                 service: tuple[int, int] | None = None) -> None:
        self.process = process
        self.cgroup = cgroup
        self.limits = limits
        self.service = service  # (its sandbox's network namespace, held; the port its task serves on)

    def service_socket(self) -> tuple[socket.socket, tuple[str, int]]:
        """A service Run listens on the loopback of its sandbox's own network namespace."""
        if self.service is None:
            raise UnavailableError("this Run serves nothing", "only a service plan's Runs are reachable")
        namespace, port = self.service
        return socket_in(namespace), ("127.0.0.1", port)

    def _scratch_full(self) -> bool:
        """Is the task's ``/tmp`` full? Seen through a sandboxed process's root: the one whose
        ``/tmp`` has the scratch's size (bubblewrap itself sees the host's)."""
        assert self.cgroup is not None
        for pid in reversed(self.cgroup.pids()):
            try:
                found = os.statvfs(f"/proc/{pid}/root{SCRATCH}")
            except OSError:
                continue  # ended meanwhile
            if found.f_blocks * found.f_frsize == -(-self.limits.scratch // found.f_frsize) * found.f_frsize:
                return found.f_bavail == 0
        return False

    def _breach(self) -> ExitStatus | None:
        if self.cgroup is None:
            return None
        if self.cgroup.hit_pids_limit():
            return self.limits.exceeded("pids", "reached its limit of processes,")
        if self.cgroup.hit_memory_limit():
            return self.limits.exceeded("memory", "ran out of its memory limit of")
        if self._scratch_full():
            return self.limits.exceeded("ephemeral-storage", "filled its scratch space (/tmp) of")
        return None

    async def wait(self) -> ExitStatus:
        exited = _exit_descriptor(self.process)
        try:
            while self.process.poll() is None:
                if (breach := self._breach()) is not None:
                    await self.stop()
                    return breach
                # Woken at the exit itself; the limits are looked at every WATCH_SECONDS meanwhile.
                with anyio.move_on_after(WATCH_SECONDS):
                    await (anyio.sleep_forever() if exited is None else anyio.wait_readable(exited))
        finally:
            if exited is not None:
                os.close(exited)
        code = self.process.wait()
        return self._breach() or ExitStatus(code if code >= 0 else 128 - code)

    async def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            with anyio.move_on_after(10):
                await anyio.to_thread.run_sync(self.process.wait, abandon_on_cancel=True)
            try:
                # Also when the sandbox ended at once: one stopped while starting leaves its inner
                # bwrap (and the task) behind in the group, its --die-with-parent not yet armed.
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass  # the whole group has ended
        if self.cgroup is not None:
            self.cgroup.kill()  # what escaped the process group (a new session, a daemon)

    async def cleanup(self) -> None:
        if self.service is not None:
            os.close(self.service[0])
            self.service = None
        if self.cgroup is None:
            return
        self.cgroup.kill()
        for _ in range(100):  # killed processes leave the group as the kernel reaps them
            if self.cgroup.remove():
                return
            await anyio.sleep(0.05)


class ProcessExecutor:
    name = "process"
    survives_server = False

    def __init__(self, settings: ProcessSettings) -> None:
        self.settings = settings

    def _prepare_outputs(self, job: Job) -> None:
        """Outputs belong to the unprivileged uid the task runs as (when the server is root)."""
        if os.geteuid() != 0:
            return
        for mount in job.mounts:
            if mount.writable:
                os.chown(mount.source, self.settings.run_uid, self.settings.run_gid)

    async def start(self, job: Job) -> ProcessExecution:
        if not job.command:
            raise UnavailableError(
                f"run {job.run_id} has nothing to execute: its plan has no entrypoint or args",
                "the process executor runs the plan's entrypoint + args; give them in the plan",
            )
        limits = run_limits(job.resources)
        try:
            seccomp = filter_fd()
        except UnsupportedArchitectureError as exc:
            raise UnavailableError(f"the process executor has no seccomp filter for this machine ({exc})",
                                   "use the docker executor on this machine") from exc
        info_read, info_write = os.pipe() if job.service else (-1, -1)
        try:
            try:
                self._prepare_outputs(job)
                command = bwrap_command(job, self.settings, scratch_bytes=limits.scratch, seccomp_fd=seccomp,
                                        info_fd=info_write if job.service else None)
                process, opener = _spawn_gated(job, command, (seccomp, info_write) if job.service else (seccomp,))
            finally:
                os.close(seccomp)
                if job.service:
                    os.close(info_write)
            try:
                # Joining a control group waits for the kernel (10-30 ms): not on the event loop.
                cgroup = await anyio.to_thread.run_sync(_confine, process.pid, f"knit-run-{job.run_id}", limits)
                os.write(opener, b"open\n")
            except BaseException:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                raise
            finally:
                os.close(opener)
            if job.service is None:
                return ProcessExecution(process, cgroup, limits)
            namespace = await anyio.to_thread.run_sync(_sandbox_namespace, info_read, process.pid)
        finally:
            if job.service:
                os.close(info_read)
        return ProcessExecution(process, cgroup, limits, (namespace, job.service.port) if namespace is not None else None)

    async def reattach(self, job: Job) -> None:
        """Sandboxes die with their server (bubblewrap's --die-with-parent): nothing to re-attach."""
        return None


def _spawn_gated(job: Job, command: list[str], passed: tuple[int, ...]) -> tuple[subprocess.Popen[bytes], int]:
    """The sandbox, waiting behind its gate (:data:`GATE`), and the gate's writing end. Its limits
    are set from outside (:func:`_confine`), so Popen needs no ``preexec_fn`` and spawns with vfork
    (0.2 ms) instead of forking the whole server (10-30 ms). From the event loop's thread: bubblewrap's
    --die-with-parent follows the thread that started it, and a worker thread may end."""
    log = open(job.log_file, "ab") if job.log_file else subprocess.DEVNULL  # noqa: SIM115 - the child's, closed below
    gate, opener = os.pipe()
    try:
        process = subprocess.Popen([*GATE, *command], stdin=gate, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True, umask=0o022, pass_fds=passed)
    except BaseException:
        os.close(opener)
        raise
    finally:
        os.close(gate)
        if job.log_file:
            log.close()  # type: ignore[union-attr]
    return process, opener


def _confine(pid: int, name: str, limits: RunLimits) -> RunCgroup | None:
    """The gated sandbox's control group (if the server can make one) and rlimits, inherited by
    everything it starts."""
    cgroup = create_cgroup(name, limits.memory, limits.pids)
    for procs in cgroup.procs_files if cgroup else []:
        procs.write_text(str(pid))
    if cgroup is None and limits.memory is not None:
        resource.prlimit(pid, resource.RLIMIT_DATA, (limits.memory, limits.memory))
    if cgroup is None and os.geteuid() == 0:  # per uid: only the Runs' own uid may be capped so
        resource.prlimit(pid, resource.RLIMIT_NPROC, (limits.pids, limits.pids))
    # One byte over: a file stopped there puts the outputs over their limit, which names it.
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (limits.output + 1, limits.output + 1))
    return cgroup


def _exit_descriptor(process: subprocess.Popen[bytes]) -> int | None:
    """A pidfd of the (not yet reaped) process, readable once it has ended; None if it is reaped
    already or the kernel has no pidfds (before Linux 5.3): the caller then polls."""
    if process.returncode is not None:
        return None
    try:
        return os.pidfd_open(process.pid)
    except OSError:
        return None


def _sandbox_namespace(info: int, bwrap: int) -> int | None:
    """The sandbox's network namespace, held open: its pid from what bubblewrap writes to its
    ``--info-fd`` (``{"child-pid": N}``), checked to be bubblewrap's child before the namespace is
    taken. None when it ended before (the Run then fails as its task does)."""
    text = b""
    while chunk := os.read(info, 4096):
        text += chunk
        try:
            pid = int(json.loads(text)["child-pid"])
        except (ValueError, KeyError):
            continue  # not all written yet
        try:
            namespace = open_namespace(pid)
        except OSError:
            return None
        try:
            if parent_of(pid) == bwrap:
                return namespace
        except OSError:
            pass
        os.close(namespace)
        return None
    return None
