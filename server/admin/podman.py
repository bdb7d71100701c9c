"""The Podman service ``knitgraph up`` starts, so that plans' images run with no Docker daemon.

Podman needs no daemon of its own; its Docker-compatible API (``podman system service``) is what
the ``docker`` executor speaks. It is started only when the server would use it: the executor is
``auto`` or ``docker``, ``DOCKER_HOST`` is unset, no other engine answers, and ``podman`` is
installed. Images come from Podman's usual storage (where ``podman build`` and ``podman load``
put them) unless ``KNITGRAPH_PODMAN_STORAGE`` names a folder of its own.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from knitgraph.executors.engine import find_engine, managed_socket
from knitgraph.executors.processes import live_pid, reap_when_done, terminate

from ..private_folders import private_folder
from ..settings import Settings

Log = Callable[[str], None]
START_SECONDS = 30.0


def _containers_conf() -> str:
    """Settings that work in a container or a machine without systemd as well as on a desktop:
    cgroups by file system, events in a file, and containers' open-file and process limits no
    higher than Podman's own (its defaults exceed what a container may grant; Podman lowers its own
    process limit to 32768)."""
    ulimits = []
    for name, kind, ceiling in (("nofile", resource.RLIMIT_NOFILE, 65536), ("nproc", resource.RLIMIT_NPROC, 32768)):
        hard = resource.getrlimit(kind)[1]
        value = ceiling if hard == resource.RLIM_INFINITY else min(hard, ceiling)
        ulimits.append(f'"{name}={value}:{value}"')
    engine = ['cgroup_manager = "cgroupfs"', 'events_logger = "file"']
    if shutil.which("runc"):
        engine.append('runtime = "runc"')
    return f"[containers]\ndefault_ulimits = [{', '.join(ulimits)}]\n[engine]\n" + "\n".join(engine) + "\n"


class ManagedPodman:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.socket = managed_socket(settings)
        self.folder = settings.home / "podman"
        self.pid_file = self.folder / "service.pid"
        self.log_file = self.folder / "service.log"

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def pid(self) -> int | None:
        return live_pid(self.pid_file, b"podman", b"service")

    def wanted(self) -> bool:
        settings = self.settings
        return settings.executor in ("auto", "docker") and not settings.docker_host and shutil.which("podman") is not None

    def command(self) -> list[str]:
        """``podman`` with the storage this server uses; the prefix for any podman command a user
        or a test runs against the same images."""
        podman = shutil.which("podman") or "podman"
        storage, runroot = self.settings.podman_storage, self.runroot
        if storage is None or runroot is None:
            return [podman]
        # A libpod tmpdir of its own too: the default (/run/libpod: exit files, state) belongs to the
        # machine's other Podman, whose `system reset` would empty it under our running containers.
        return [podman, "--root", str(storage / "root"), "--runroot", str(runroot), "--tmpdir", str(runroot / "libpod")]

    @property
    def runroot(self) -> Path | None:
        """Podman's runtime state for ``KNITGRAPH_PODMAN_STORAGE``: Podman refuses a runroot over 50
        characters and remembers it in the storage, so a short folder named after the storage."""
        storage = self.settings.podman_storage
        if storage is None:
            return None
        digest = hashlib.sha256(str(storage.resolve()).encode()).hexdigest()[:12]
        return self.socket.parent.parent / f"knitgraph-{os.getuid()}-run-{digest}"

    def env(self) -> dict[str, str]:
        return {**os.environ, "CONTAINERS_CONF": str(self.folder / "containers.conf")}

    def start(self, log: Log) -> str | None:
        """Start the service unless it runs or another engine answers; its URL, or None."""
        if not self.wanted():
            return None
        if self.pid() is None:
            if (other := find_engine(self.settings)) is not None:
                log(f"container engine: {other}")
                return None
            private_folder(self.folder)
            private_folder(self.socket.parent)
            if self.runroot is not None:
                private_folder(self.runroot)
            self.socket.unlink(missing_ok=True)
            (self.folder / "containers.conf").write_text(_containers_conf())
            with open(self.log_file, "ab") as out:
                process = subprocess.Popen(
                    [*self.command(), "system", "service", "--time=0", self.url], env=self.env(),
                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            reap_when_done(process)
            self.pid_file.write_text(str(process.pid))
            deadline = time.monotonic() + START_SECONDS
            while not self.socket.is_socket():
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    tail = self.log_file.read_text(errors="replace")[-800:]
                    log(f"Podman did not start; plans' images will not run (see {self.log_file}): {tail}")
                    return None
                time.sleep(0.1)
        log(f"container engine: Podman at {self.url} (build images with `podman --url {self.url} build ...`)")
        return self.url

    def stop(self, log: Log) -> None:
        pid = self.pid()
        self.pid_file.unlink(missing_ok=True)
        if pid is None:
            return
        terminate(pid)
        self.socket.unlink(missing_ok=True)
        log("Podman service stopped")
