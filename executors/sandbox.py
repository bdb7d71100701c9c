"""The bubblewrap command line of a sandboxed Run: what the task sees, and who it runs as.

The task sees an empty root with, read-only: the system's programs and libraries (``/usr`` and
the ``/bin``, ``/lib*``, ``/sbin`` links or folders), the few ``/etc`` files programs read (no
``shadow``, ``sudoers`` or keys), the server's Python environment, and the folders the
administrator shares (``KNITGRAPH_PROCESS_READ_ONLY``, e.g. the plans' scripts); its inputs
read-only and its outputs writable at their mountpoints; a private ``/tmp`` of at most the Run's
``ephemeral-storage`` (also ``HOME``, ``TMPDIR`` and ``/var/tmp``); a minimal ``/dev`` (its
``/shm`` at most 64 MiB); the ``/proc`` of its own
process namespace. Nothing else of the host: not ``/root``, ``/home``, ``/var``, ``/opt``, the
knitgraph home, other Data or source trees. No network unless the Job has it (``KNITGRAPH_PROCESS_NETWORK`` and the plan).

When the server runs as root, the sandbox is set up without a user namespace, then ``setpriv``
becomes the Run's uid and gid (``KNITGRAPH_RUN_UID``/``GID``, 65534 by default), empties every
capability set and sets no-new-privileges, so the task is that unprivileged host user: no mapping
to host root exists. Otherwise bubblewrap's user namespace maps the server's own uid, with every
capability dropped. The seccomp filter (``seccomp.py``) applies in both cases.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path, PurePosixPath
from typing import Protocol

from knitgraph.graph_schema.errors import UnavailableError

from .base import Job

_SYSTEM = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32")
_ETC = (
    "alternatives", "ca-certificates", "ca-certificates.conf", "debian_version", "fonts", "gai.conf", "group",
    "host.conf", "hostname", "hosts", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "mime.types",
    "nsswitch.conf", "os-release", "passwd", "protocols", "python3", f"python3.{sys.version_info.minor}",
    "resolv.conf", "services", "ssl/certs", "timezone",
)
SCRATCH = "/tmp"
SHM_BYTES = 64 * 2**20  # /dev/shm, for POSIX semaphores and shared memory; Docker's default size
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class SandboxSettings(Protocol):
    """What the sandbox reads of the server's settings."""

    @property
    def process_read_only(self) -> list[Path]: ...

    @property
    def run_uid(self) -> int: ...

    @property
    def run_gid(self) -> int: ...


def _tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise UnavailableError(f"{name} is not installed; the process executor sandboxes every Run with it",
                               f"install it (`apt-get install {package}`)")
    return found


def python_environments() -> list[Path]:
    """The server's Python (its virtual environment and the installation beneath), if not in /usr."""
    found = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    return sorted(p for p in found if not p.is_relative_to("/usr") and p != Path("/"))


def _system() -> list[str]:
    args = []
    for name in _SYSTEM:
        entry = Path("/") / name
        if entry.is_symlink():
            args += ["--symlink", os.readlink(entry), str(entry)]
        elif entry.is_dir():
            args += ["--ro-bind", str(entry), str(entry)]
    return args


def _parents(targets: list[str], inside: str = "/") -> list[str]:
    """Folders bubblewrap would create owner-only for the mountpoints below ``inside``: made 0755
    first, so the unprivileged task can reach its inputs, outputs and Python."""
    parents = {str(p) for target in targets for p in PurePosixPath(target).parents
               if p.is_relative_to(inside) and str(p) not in ("/", inside)}
    return [arg for parent in sorted(parents, key=lambda p: p.count("/")) for arg in ("--perms", "0755", "--dir", parent)]


def _identity(settings: SandboxSettings) -> tuple[list[str], list[str]]:
    """(bwrap options, the command prefix) that make the task unprivileged."""
    if os.geteuid() != 0:
        return ["--unshare-user", "--disable-userns", "--cap-drop", "ALL"], []
    setpriv = _tool("setpriv", "util-linux")
    keep = [arg for cap in ("CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP") for arg in ("--cap-add", cap)]
    drop = [setpriv, "--reuid", str(settings.run_uid), "--regid", str(settings.run_gid), "--clear-groups",
            "--inh-caps", "-all", "--bounding-set", "-all", "--no-new-privs", "--"]
    return ["--cap-drop", "ALL", *keep], drop


def _binds(job: Job, settings: SandboxSettings) -> list[tuple[str, str, str]]:
    """(option, host source, target) of every bind: the runtime, shared folders, inputs, outputs."""
    binds = [("--ro-bind", f"/etc/{name}", f"/etc/{name}") for name in _ETC if (Path("/etc") / name).exists()]
    binds += [("--ro-bind", str(folder), str(folder)) for folder in [*python_environments(), *settings.process_read_only]]
    binds += [("--bind" if m.writable else "--ro-bind", str(m.source), m.target) for m in job.mounts]
    return binds


def bwrap_command(job: Job, settings: SandboxSettings, *, scratch_bytes: int, seccomp_fd: int,
                  info_fd: int | None = None) -> list[str]:
    """The whole command line: bwrap, its options, then the task (after ``setpriv`` as root).
    ``info_fd``: where bubblewrap writes the sandbox's pid as JSON (a service's namespace is found by it)."""
    identity, prefix = _identity(settings)
    args = [_tool("bwrap", "bubblewrap"), "--die-with-parent", "--new-session", "--unshare-ipc", "--unshare-pid",
            "--unshare-uts", "--unshare-cgroup-try", *identity, "--seccomp", str(seccomp_fd)]
    if info_fd is not None:
        args += ["--info-fd", str(info_fd)]
    if not job.network:  # with network, the host's (the administrator allowed it: executor_choice)
        args.append("--unshare-net")
    binds = _binds(job, settings)
    targets = ["/var/tmp", *(target for _, _, target in binds)]
    args += ["--tmpfs", "/", *_system(), *_parents(targets)]
    args += ["--dev", "/dev", "--proc", "/proc", "--perms", "1777", "--size", str(scratch_bytes), "--tmpfs", SCRATCH]
    # The scratch hides what was made under /tmp: a Python or a mountpoint there needs its parents again.
    args += _parents(targets, inside=SCRATCH)
    args += ["--perms", "1777", "--size", str(min(scratch_bytes, SHM_BYTES)), "--tmpfs", "/dev/shm"]
    args += ["--symlink", SCRATCH, "/var/tmp"]
    args += [arg for bind in binds for arg in bind]  # last: a mountpoint may be inside /tmp
    path = os.pathsep.join([str(Path(sys.executable).parent), PATH])
    args += ["--remount-ro", "/", "--clearenv", "--setenv", "PATH", path, "--setenv", "HOME", SCRATCH,
             "--setenv", "TMPDIR", SCRATCH, "--setenv", "LANG", "C.UTF-8", "--setenv", "KNIT_RUN_ID", job.run_id,
             "--chdir", "/"]
    args += [arg for name, value in job.env.items() for arg in ("--setenv", name, value)]
    return [*args, "--", *prefix, *job.command]
