"""A control group per sandboxed Run, when the server may create one: it caps the Run's memory
and processes as a whole (rlimits count per process, or per uid for processes), tells afterwards
whether a cap was hit, and kills every process of the Run at once.

Both layouts are handled: cgroup v2 (one tree, ``cgroup.controllers`` at its root) and v1 (one
tree per controller, ``pids`` and ``memory``). The Run's group is made inside the server's own
group, so a limit put on the server also holds its Runs. Without a writable tree (the server is
not root, or v2 refuses to delegate the controllers) there is none, and the executor falls back
to rlimits.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
_V1_CONTROLLERS = ("pids", "memory")


def _own_path(controller: str) -> str | None:
    """The server's group in a v1 controller's tree (``""`` names v2's unified tree)."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if (controller in controllers.split(",")) if controller else not controllers:
            return path.lstrip("/")
    return None


def _counter(file: Path, name: str) -> int:
    try:
        match = re.search(rf"^{name} (\d+)$", file.read_text(), re.MULTILINE)
    except OSError:
        return 0
    return int(match.group(1)) if match else 0


@dataclass(frozen=True, slots=True)
class RunCgroup:
    pids_folder: Path
    memory_folder: Path
    unified: bool

    @property
    def procs_files(self) -> list[Path]:
        """Where a process writes its pid to join the Run's group (before it execs the task)."""
        return sorted({self.pids_folder / "cgroup.procs", self.memory_folder / "cgroup.procs"})

    def hit_pids_limit(self) -> bool:
        return _counter(self.pids_folder / "pids.events", "max") > 0

    def hit_memory_limit(self) -> bool:
        events = "memory.events" if self.unified else "memory.oom_control"
        return _counter(self.memory_folder / events, "oom_kill") > 0

    def pids(self) -> list[int]:
        try:
            return [int(pid) for pid in (self.pids_folder / "cgroup.procs").read_text().split()]
        except OSError:
            return []

    def kill(self) -> None:
        """SIGKILL every process of the Run (a fork bomb's children included)."""
        if (self.pids_folder / "cgroup.kill").exists():
            (self.pids_folder / "cgroup.kill").write_text("1")
            return
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue  # it ended by itself meanwhile

    def remove(self) -> bool:
        """Remove the group; False while processes are still in it."""
        for folder in {self.pids_folder, self.memory_folder}:
            try:
                folder.rmdir()
            except FileNotFoundError:
                continue
            except OSError:
                return False
        return True


def _limit(folder: Path, file: str, value: int) -> None:
    (folder / file).write_text(str(value))


def _create_v2(name: str, memory: int | None, pids: int) -> RunCgroup | None:
    own = _own_path("")
    if own is None:
        return None
    parent = ROOT / own
    try:
        enabled = (parent / "cgroup.subtree_control").read_text().split()
        if not {"pids", "memory"} <= set(enabled):
            (parent / "cgroup.subtree_control").write_text("+pids +memory")
        folder = parent / name
        folder.mkdir(exist_ok=True)
        _limit(folder, "pids.max", pids)
        if memory is not None:
            _limit(folder, "memory.max", memory)
            _limit(folder, "memory.swap.max", 0)
    except OSError:
        return None  # v2 refuses controllers to a group with processes in it: rlimits then
    return RunCgroup(folder, folder, unified=True)


def _create_v1(name: str, memory: int | None, pids: int) -> RunCgroup | None:
    folders = {}
    try:
        for controller in _V1_CONTROLLERS:
            own = _own_path(controller)
            if own is None:
                return None
            folders[controller] = ROOT / controller / own / name
            folders[controller].mkdir(exist_ok=True)
        _limit(folders["pids"], "pids.max", pids)
        if memory is not None:
            _limit(folders["memory"], "memory.limit_in_bytes", memory)
            if (folders["memory"] / "memory.memsw.limit_in_bytes").exists():
                _limit(folders["memory"], "memory.memsw.limit_in_bytes", memory)
    except OSError:
        for folder in folders.values():
            with contextlib.suppress(OSError):
                folder.rmdir()
        return None
    return RunCgroup(folders["pids"], folders["memory"], unified=False)


def create_cgroup(name: str, memory: int | None, pids: int) -> RunCgroup | None:
    """A group named ``name`` under the server's own, capped; None if none can be made here."""
    if (ROOT / "cgroup.controllers").exists():
        return _create_v2(name, memory, pids)
    if all((ROOT / controller).is_dir() for controller in _V1_CONTROLLERS):
        return _create_v1(name, memory, pids)
    return None
