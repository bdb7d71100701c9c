"""Background processes knitgraph starts and later finds again: pid files, death with the parent,
reaping."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def live_pid(pid_file: Path, *markers: bytes) -> int | None:
    """The pid in ``pid_file`` if that process runs and its command line holds every marker (a
    stale file from a crash, or a pid the system reused, counts as not running)."""
    try:
        pid = int(pid_file.read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if all(marker in cmdline for marker in markers) else None


def die_with_parent() -> None:
    """In a child before exec: the kernel kills it when the process that started it ends."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def reap_when_done(process: subprocess.Popen[bytes]) -> None:
    """Detached servers outlive this call: a thread waits for them, so none lingers as a zombie."""
    threading.Thread(target=process.wait, name=f"reap-{process.pid}", daemon=True).start()


def terminate(pid: int, timeout: float = 30.0) -> None:
    """SIGTERM, then SIGKILL if the process still runs after ``timeout`` seconds."""
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    if Path(f"/proc/{pid}").exists():
        os.kill(pid, signal.SIGKILL)
