"""What every benchmark shares: an isolated knitgraph, checked subprocesses, and result tables.

:func:`isolated_knitgraph` runs ``knitgraph up`` in a fresh temporary ``KNITGRAPH_HOME`` on free
ports (ignoring any ``NEO4J_URI`` or knit profile of the caller) and always runs ``knitgraph down``
and removes the home afterwards. The ``knit`` and ``knitgraph`` executables are the ones next to
the running Python, so ``.venv/bin/python -m bench`` measures that environment's knitgraph.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from knitgraph.graph_schema.driver import Graph

MIB = 1 << 20
# Variables of the caller that would point knitgraph or knit somewhere other than the isolated home.
_FOREIGN_ENV = (
    "NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE",
    "KNIT_SERVER", "KNIT_PROFILE", "KNIT_PROFILE_STORE", "KNITGRAPH_HOST",
)


class BenchError(Exception):
    """A benchmark could not run or produced a wrong result; the run fails with this message."""


def tool(name: str) -> str:
    """The executable ``name`` of the running Python's environment (else the one on PATH)."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise BenchError(f"{name} is not installed next to {sys.executable} nor on PATH")
    return found


def free_ports(count: int) -> list[int]:
    """``count`` distinct TCP ports on 127.0.0.1 that were free a moment ago."""
    with contextlib.ExitStack() as stack:
        probes = [stack.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]


def run_checked(command: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    """Run ``command`` to its end; its stdout, or :class:`BenchError` with its stderr if it failed."""
    done = subprocess.run(list(command), env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchError(f"`{' '.join(command)}` exited {done.returncode}:\n{done.stderr.strip()[-3000:]}")
    return done.stdout


def timed_run(
    command: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[float, str]:
    """Wall time in seconds of :func:`run_checked`, with its stdout."""
    start = time.perf_counter()
    out = run_checked(command, env=env, cwd=cwd)
    return time.perf_counter() - start, out


@dataclass(frozen=True)
class Knitgraph:
    """A running isolated knitgraph: its home, the environment reaching it, and ``knit`` for it."""

    home: Path
    env: dict[str, str]
    api_root: str

    def knit_command(self, *args: str) -> list[str]:
        return [tool("knit"), *args]

    def knit(self, *args: str) -> str:
        """Run ``knit ARGS`` against this server (from its home, so no knitenv or profile applies)."""
        return run_checked(self.knit_command(*args), env=self.env, cwd=self.home)

    def http_client(self, timeout: float) -> httpx.Client:
        """An HTTP client for the API with the admin token `knitgraph up` wrote into its knitprofile."""
        token = json.loads((self.home / "knitprofile").read_text())["token"]
        return httpx.Client(base_url=self.api_root, timeout=timeout, headers={"Authorization": f"Bearer {token}"})

    def timed_knit(self, *args: str) -> tuple[float, str]:
        return timed_run(self.knit_command(*args), env=self.env, cwd=self.home)


def _isolated_env(home: Path, extra: Mapping[str, str]) -> tuple[dict[str, str], str]:
    bolt, http, api = free_ports(3)
    env = {key: value for key, value in os.environ.items() if key not in _FOREIGN_ENV}
    # A user's Python keeps the bytecode it compiles; without it every `knit` would compile knit anew.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(extra)
    api_root = f"http://127.0.0.1:{api}"
    env.update({
        "KNITGRAPH_HOME": str(home),
        "KNITGRAPH_NEO4J_BOLT_PORT": str(bolt),
        "KNITGRAPH_NEO4J_HTTP_PORT": str(http),
        "KNITGRAPH_PORT": str(api),
        "KNIT_SERVER": api_root,
        "KNIT_PROFILE_STORE": str(home / "knit-profile-store"),
    })
    return env, api_root


def _log_tail(home: Path) -> str:
    log = home / "server.log"
    return log.read_text(errors="replace")[-2000:] if log.exists() else "(no server.log)"


@contextlib.contextmanager
def isolated_knitgraph(
    extra_env: Mapping[str, str] | None = None, before_up: Callable[[Path, dict[str, str]], None] | None = None
) -> Iterator[Knitgraph]:
    """``knitgraph up`` in a temporary home; ``knitgraph down`` and removal of the home afterwards.

    ``extra_env`` (e.g. ``KNITGRAPH_EXECUTOR``, ``DOCKER_HOST``) is added to the server's and
    ``knit``'s environment; the isolating variables (home, ports, server) still win. ``before_up``
    is called with the home and that environment before ``knitgraph up`` (e.g. to import into it)."""
    home = Path(tempfile.mkdtemp(prefix="knitgraph-bench-home-"))
    env, api_root = _isolated_env(home, extra_env or {})
    try:
        if before_up is not None:
            before_up(home, env)
        try:
            run_checked([tool("knitgraph"), "up"], env=env, cwd=home)
        except BenchError as exc:
            raise BenchError(f"{exc}\n--- server.log (tail) ---\n{_log_tail(home)}") from None
        yield Knitgraph(home, env, api_root)
    finally:
        down = subprocess.run(
            [tool("knitgraph"), "down"], env=env, cwd=home, capture_output=True, text=True, check=False
        )
        if down.returncode != 0:
            sys.stderr.write(f"[bench] warning: `knitgraph down` failed:\n{down.stderr}\n")
        shutil.rmtree(home, ignore_errors=True)


def machine() -> str:
    """One line about where the numbers come from."""
    cores = len(os.sched_getaffinity(0))
    return f"{cores} cores (nproc) | Python {platform.python_version()} | {platform.system()} {platform.release()}"


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A plain-text table on stdout: the first column left-aligned, the others right-aligned."""
    table = [list(header), *[list(row) for row in rows]]
    widths = [max(len(row[column]) for row in table) for column in range(len(header))]

    def line(cells: list[str]) -> str:
        first, *rest = cells
        return "  ".join([first.ljust(widths[0]), *(cell.rjust(w) for cell, w in zip(rest, widths[1:], strict=True))])

    print(line(table[0]))
    print("  ".join("-" * width for width in widths))
    for row in table[1:]:
        print(line(row))
    sys.stdout.flush()


def positive_env(name: str, default: int) -> int:
    """A size from the environment: a positive whole number, or a ``BenchError`` that says so."""
    text = os.environ.get(name, str(default))
    if not text.isdigit() or int(text) < 1:
        raise BenchError(f"{name} must be a positive whole number, not {text!r}")
    return int(text)


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``share`` of the values at or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def install_processes(home: Path) -> dict[int, str]:
    """The processes of the install at ``home`` (API server, Neo4j, any container engine service it
    started: all carry its KNITGRAPH_HOME), as pid -> name."""
    marker = b"\0" + f"KNITGRAPH_HOME={home}".encode() + b"\0"
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker in b"\0" + (entry / "environ").read_bytes() + b"\0":
                found[int(entry.name)] = (entry / "comm").read_text().strip()
        except OSError:
            continue  # ended meanwhile, or not ours to read
    return found


@dataclass(frozen=True)
class CpuTimes:
    """CPU seconds of one process: its own, and those of its children it has waited for."""

    own: float
    children: float


def cpu_times(pids: Sequence[int]) -> dict[int, CpuTimes]:
    """From ``/proc/PID/stat`` (utime + stime, cutime + cstime); processes that ended are left out."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[int, CpuTimes] = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
        found[pid] = CpuTimes((utime + stime) / tick, (cutime + cstime) / tick)
    return found


def connect_graph(knitgraph: Knitgraph) -> Graph:
    """A graph_schema connection to the isolated server's embedded Neo4j (close it when done)."""
    password = (knitgraph.home / "neo4j" / "password").read_text().strip()
    return Graph(f"bolt://127.0.0.1:{knitgraph.env['KNITGRAPH_NEO4J_BOLT_PORT']}", "neo4j", password)


def graphql(client: httpx.Client, query: str, **variables: Any) -> dict[str, Any]:
    """One GraphQL request to the isolated server; any error fails the benchmark loudly."""
    response = client.post("/graphql", json={"query": query, "variables": variables})
    if response.status_code != 200:
        raise BenchError(f"POST /graphql answered {response.status_code}: {response.text[-500:]}")
    body = response.json()
    if body.get("errors"):
        raise BenchError(f"GraphQL errors: {json.dumps(body['errors'])[-800:]}")
    return dict(body["data"])
