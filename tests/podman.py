"""The container engine of the tests and the benchmarks: Podman with private storage, its
Docker-compatible socket, and a busybox image imported from the host's busybox-static (no registry)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PODMAN_CONF = """[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
"""
APPLETS = ("sh", "cat", "echo", "awk", "wc", "sleep", "test", "true", "ls", "touch", "tail", "cut")


class PodmanError(RuntimeError):
    """Podman could not be started: the tests fail on it and the benchmark reports it."""


@dataclass(frozen=True)
class Podman:
    base: list[str]
    env: dict[str, str]
    docker_host: str

    def command(self, *args: str) -> list[str]:
        return [*self.base, *args]


def _busybox_tar(busybox: str, path: Path) -> None:
    with tarfile.open(path, "w") as tar:
        tar.add(busybox, "bin/busybox")
        for applet in APPLETS:
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type, link.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(link)


@contextlib.contextmanager
def podman_engine(image: str) -> Iterator[Podman]:
    """A running Podman service with busybox as ``image``; afterwards its containers are removed,
    the service stopped and its storage deleted."""
    podman, busybox = shutil.which("podman"), shutil.which("busybox")
    if not podman or not busybox:
        raise PodmanError("podman and busybox are needed (make installs podman and busybox-static)")
    root = Path(tempfile.mkdtemp(prefix="knitgraph-podman-"))
    (root / "containers.conf").write_text(PODMAN_CONF)
    env = {**os.environ, "CONTAINERS_CONF": str(root / "containers.conf")}
    # A libpod tmpdir of its own: the default (/run/libpod, exit files and state) is shared by every
    # Podman of the machine, and another's `podman system reset` would empty it under running containers.
    base = [podman, "--root", str(root / "root"), "--runroot", str(root / "run"), "--tmpdir", str(root / "libpod"),
            "--storage-driver", "overlay"]
    service: subprocess.Popen[bytes] | None = None
    try:
        _busybox_tar(busybox, root / "busybox.tar")
        done = subprocess.run([*base, "import", str(root / "busybox.tar"), image], env=env,
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise PodmanError(f"podman import failed: {done.stderr[-1000:]}")
        socket_path = root / "podman.sock"
        service = subprocess.Popen([*base, "system", "service", "--time=0", f"unix://{socket_path}"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not socket_path.exists():
            if service.poll() is not None or time.monotonic() > deadline:
                raise PodmanError("podman system service did not start")
            time.sleep(0.1)
        yield Podman(base, env, f"unix://{socket_path}")
    finally:
        subprocess.run([*base, "rm", "--all", "--force"], env=env, capture_output=True, check=False)
        if service is not None:
            service.terminate()
            try:
                service.wait(timeout=30)
            except subprocess.TimeoutExpired:
                service.kill()
                service.wait()
        shutil.rmtree(root, ignore_errors=True)
