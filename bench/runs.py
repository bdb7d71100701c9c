"""Run execution: start overhead per executor next to a bare sandbox/container start, and throughput.

For each executor (``BENCH_RUNS_EXECUTORS``, default ``process,docker``) an isolated knitgraph is
started with ``KNITGRAPH_EXECUTOR`` set to it and the default concurrency
(``KNITGRAPH_EXECUTOR_CONCURRENCY``, 2, unless the caller sets it). ``docker`` talks to a Podman
socket started by ``tests/podman.py``, the engine the tests use too: its own
``--root``/``--runroot``, ``containers.conf`` with runc, cgroupfs and ulimits, and a local busybox
image (``podman import``, no registry); ``DOCKER_HOST`` points the server at it.

**How the task's start is timed.** The task's first command writes the wall clock, as the kernel
sees it, into its output: ``sh -c 'busybox adjtimex > /out/1/t'`` (``adjtimex`` reads
``CLOCK_REALTIME`` with microseconds; busybox's ``date`` has no ``%N``). The host, the bubblewrap
sandbox and the container share that clock (Linux has no realtime-clock namespace), so this
instant is directly comparable with the server's timestamps, which are the same clock in
milliseconds. ``ready -> task started`` is that instant minus the Run's ``readyAt`` (stamped when
the server claims the Run, before it loads the job, prepares outputs and starts the executor), so it
is exactly the executor path, with the task's own ``sh`` start-up (about a millisecond) included.

**Start overhead** (``BENCH_RUNS_SAMPLES``, default 30, after 2 unmeasured warm-ups): Data are
seeded through :mod:`knitgraph.graph_schema.bulk` with ``bench:start``; a plan reads
``bench:start`` + ``go:yes``. One Data at a time gets ``go:yes`` through the ``tagData`` mutation
(its Run is created by then), and the next one only after that Run is done, so Runs never queue.
Per Run: ``ready -> task started``, ``tagged -> task started`` (from sending ``tagData``: adds
projection and the executor's 0.2 s claim poll) and ``tagged -> done`` (the done Run's
``updatedAt``).

**Raw baselines**, measured in the same process right before, same count and warm-ups:
``bwrap`` with the exact command line the process executor builds
(:func:`knitgraph.executors.sandbox.bwrap_command` for a Job with the same mounts, its seccomp filter included) running ``true``,
and ``podman run --rm`` with the executor's flags (``--network none``, the same ro/rw volumes) and
the service's storage and configuration, running ``true`` on the busybox image. Each is timed as
a wall time to its exit (the figure the issue names) and, with the ``adjtimex`` task, as
``spawn -> task started`` (the comparable part of the Run figure).

**Throughput** (``BENCH_RUNS_COUNT``, default 1,000; ``docker`` uses ``BENCH_RUNS_DOCKER_COUNT``,
default 100, so that the whole benchmark stays near 10 minutes on 2 cores): that many Data are
seeded with ``bench:throughput``, then ONE plan reading it is applied (``applyPlan``), which
creates every Run at once. The figure runs from sending ``applyPlan`` to the last Run's ``done``
(its ``updatedAt``; completion is detected by polling ``findRuns`` for 50 of the Data at a time,
every 2 s, which does not bias the end instant). The task is ``true`` with one output. Also shown:
how long after the latest Run finished each claim came (an executor slot's idle time, if any).

**Knitfab** (reference §4.3, §7.5). Published design: each loop (projection, initialize,
run_management, finishing) is a separate process that sleeps 5 s when it finds no work (and does
not sleep while it has work); run_management and finishing postpone an unchanged Run by 30 s.
Derived here (a lower bound, waits only: no Kubernetes, hooks or database time): a Run that arrives
at an idle system waits for each loop it crosses a uniform 0-5 s, independently, so
``ready -> started`` = 1 wait (run_management), ``tagged -> started`` = 3 (projection, initialize,
run_management) and ``tagged -> done`` = 4 (+ finishing); p50/p95 are those of the sum of uniform
waits. It leaves out the 30 s postponement a Run gets when run_management re-checks it before its
pod has started. For a batch Knitfab publishes no throughput and its loops do not sleep while
busy, so there is no design figure to set beside ours.
"""

from __future__ import annotations

import bisect
import contextlib
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx

from knitgraph.archive.digest import TreeDigest
from knitgraph.executors import Job, Mount
from knitgraph.executors.limits import run_limits
from knitgraph.executors.sandbox import bwrap_command
from knitgraph.executors.seccomp import filter_fd
from knitgraph.graph_schema.bulk import UploadedRow, create_uploaded_data_batch
from knitgraph.graph_schema.tags import Tag
from knitgraph.graph_schema.timefmt import now_ms, parse_instant
from knitgraph.server.settings import Settings
from tests.podman import Podman, PodmanError, podman_engine

from . import scorecard
from .harness import (
    BenchError,
    CpuTimes,
    Knitgraph,
    connect_graph,
    cpu_times,
    graphql,
    install_processes,
    isolated_knitgraph,
    machine,
    percentile,
    positive_env,
    print_table,
    tool,
)
from .scorecard import Score

EXECUTORS_ENV, DEFAULT_EXECUTORS = "BENCH_RUNS_EXECUTORS", "process,docker"
SAMPLES_ENV, DEFAULT_SAMPLES = "BENCH_RUNS_SAMPLES", 30
COUNT_ENV, DEFAULT_COUNT = "BENCH_RUNS_COUNT", 1000
DOCKER_COUNT_ENV, DEFAULT_DOCKER_COUNT = "BENCH_RUNS_DOCKER_COUNT", 100
WARM_UPS = 2
LOOP_SECONDS = 5.0
POSTPONE_SECONDS = 30
RUN_POLL_SECONDS = 0.05
BATCH_POLL_SECONDS = 2.0
POLL_CHUNK = 50
RUN_LIMIT_SECONDS = 120.0
BATCH_LIMIT_SECONDS = 1800.0
IMAGE = "localhost/knit-busybox:bench"
IN_PATH, OUT_PATH = "/in/1", "/out/1"
STAMP_FILE = "t"
STAMP_COMMAND = ["sh", "-c", f"busybox adjtimex > {OUT_PATH}/{STAMP_FILE}"]
ADJTIMEX_FIELD = re.compile(r"^\s*(?:-\w\s+)?([\w.]+):\s+(\d+)", re.MULTILINE)
OPEN_STATUSES = ["deactivated", "waiting", "ready", "starting", "running", "completing", "aborting"]
TAG_DATA = "mutation T($knitId: ID!, $add: [String!]) { tagData(knitId: $knitId, add: $add) { knitId } }"
RUNS_READING = "query R($ids: [String!]) { findRuns(inKnitIds: $ids) { runId } }"
RUN = """query R($runId: ID!) { run(runId: $runId) {
  status readyAt updatedAt exit { code message } outputs { path knitId } } }"""
APPLY_PLAN = "mutation A($spec: PlanSpecInput!) { applyPlan(spec: $spec) { planId } }"
OPEN_READING = "query O($ids: [String!], $st: [RunStatus!]) { findRuns(inKnitIds: $ids, statuses: $st) { runId } }"
ALL_RUNS = """query A($plan: [String!]) { findRuns(planIds: $plan) {
  runId status readyAt updatedAt exit { code message } } }"""


# -- small helpers -------------------------------------------------------------------------------




_T0 = time.monotonic()


def _progress(message: str) -> None:
    sys.stderr.write(f"[bench] runs +{time.monotonic() - _T0:.0f}s: {message}\n")
    sys.stderr.flush()




def executor_concurrency() -> tuple[int, str]:
    """The concurrency the isolated servers get (they inherit the caller's environment), and how it was set."""
    text = os.environ.get("KNITGRAPH_EXECUTOR_CONCURRENCY")
    if text is None:
        return int(Settings.model_fields["executor_concurrency"].default), "default"
    if not text.isdigit() or int(text) < 1:
        raise BenchError(f"KNITGRAPH_EXECUTOR_CONCURRENCY must be a positive whole number, not {text!r}")
    return int(text), "KNITGRAPH_EXECUTOR_CONCURRENCY"


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {len(os.sched_getaffinity(0))} cores"


def parse_adjtimex(text: str) -> float:
    """Epoch seconds from ``busybox adjtimex`` output (``time.tv_usec`` is ns when STA_NANO is set)."""
    fields = dict(ADJTIMEX_FIELD.findall(text))
    try:
        nano = int(fields.get("status", "0")) & 0x2000
        return int(fields["time.tv_sec"]) + int(fields["time.tv_usec"]) / (1e9 if nano else 1e6)
    except (KeyError, ValueError) as exc:
        raise BenchError(f"the task's time stamp is unreadable: {text[-300:]!r}") from exc


def uniform_sum_quantile(count: int, share: float, width: float = LOOP_SECONDS) -> float:
    """Quantile of the sum of ``count`` independent waits uniform on [0, width] (Irwin-Hall)."""

    def cdf(x: float) -> float:
        terms = (math.comb(count, j) * (x - j) ** count * (1 if j % 2 == 0 else -1)
                 for j in range(math.floor(x) + 1))
        return float(sum(terms)) / math.factorial(count)

    low, high = 0.0, float(count)
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if cdf(middle) < share else (low, middle)
    return (low + high) / 2 * width



def seed(knitgraph: Knitgraph, tag: Tag, count: int) -> list[str]:
    """``count`` uploaded Data tagged ``tag`` (not nominated: tag or plan changes do that); their
    knitIds. Their content, an empty folder, is placed in the store once the graph records them
    (bulk seeding writes none, and a Run's inputs must exist; unrecorded folders would be swept)."""
    empty = TreeDigest().hexdigest()
    rows = [UploadedRow(str(uuid.uuid4()), str(uuid.uuid4()), empty, (tag,)) for _ in range(count)]
    async def write() -> int:
        graph = connect_graph(knitgraph)
        try:
            return await create_uploaded_data_batch(graph, rows, now_ms())
        finally:
            await graph.close()

    if anyio.run(write) != count:
        raise BenchError(f"seeding {count} Data with {tag} wrote fewer")
    for row in rows:
        (knitgraph.home / "content" / row.knit_id).mkdir(parents=True)
    return [row.knit_id for row in rows]


def plan_spec(tag: str, command: list[str], label: str) -> dict[str, Any]:
    return {"image": IMAGE, "entrypoint": command, "inputs": [{"path": IN_PATH, "tags": tag.split(",")}],
            "outputs": [{"path": OUT_PATH, "tags": [f"bench:{label}-out"]}]}


# -- raw baselines -------------------------------------------------------------------------------


@dataclass
class Baseline:
    """A bare start of the same sandbox/container: wall time of ``true``, and spawn -> task started."""

    label: str
    true_wall: list[float] = field(default_factory=list)
    to_start: list[float] = field(default_factory=list)


def _timed(raw: RawCommand, env: dict[str, str] | None, log: Path) -> float:
    """Wall time of the command to its exit; the descriptors it is handed are closed afterwards."""
    command, passed = raw
    try:
        with open(log, "ab") as sink:
            start = time.perf_counter()
            code = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
                                  start_new_session=True, pass_fds=passed, check=False).returncode
            seconds = time.perf_counter() - start
    finally:
        for fd in passed:
            os.close(fd)
    if code != 0:
        raise BenchError(f"`{' '.join(command[-6:])}` exited {code}: {log.read_text(errors='replace')[-800:]}")
    return seconds


def _stamped(raw: RawCommand, env: dict[str, str] | None, log: Path, stamp: Path) -> float:
    stamp.unlink(missing_ok=True)
    spawned = time.time()
    _timed(raw, env, log)
    return parse_adjtimex(stamp.read_text()) - spawned


RawCommand = tuple[list[str], tuple[int, ...]]  # a command line and the descriptors it must inherit
CommandBuilder = Callable[[list[str], Path, Path], RawCommand]


def raw_baseline(label: str, build: CommandBuilder, env: dict[str, str] | None, work: Path, samples: int) -> Baseline:
    """``build(command, in_dir, out_dir)`` gives the command line; warm-ups, then ``samples`` each."""
    in_dir, out_dir, log = work / "in", work / "out", work / "log"
    in_dir.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    baseline = Baseline(label)
    for n in range(WARM_UPS + samples):
        wall = _timed(build(["true"], in_dir, out_dir), env, log)
        to_start = _stamped(build(STAMP_COMMAND, in_dir, out_dir), env, log, out_dir / STAMP_FILE)
        if n >= WARM_UPS:
            baseline.true_wall.append(wall)
            baseline.to_start.append(to_start)
    return baseline


def bwrap_baseline(knitgraph: Knitgraph, work: Path, samples: int) -> Baseline:
    """The exact command line the process executor builds (seccomp filter included), spawned bare."""
    settings = Settings(KNITGRAPH_HOME=knitgraph.home)

    def build(command: list[str], in_dir: Path, out_dir: Path) -> RawCommand:
        if os.geteuid() == 0:  # the task runs as the Runs' uid, as the executor arranges
            os.chown(out_dir, settings.run_uid, settings.run_gid)
        job = Job("bench-raw", IMAGE, command, None, [Mount(in_dir, IN_PATH, writable=False),
                                                      Mount(out_dir, OUT_PATH, writable=True)], work / "log")
        seccomp = filter_fd()
        return bwrap_command(job, settings, scratch_bytes=run_limits({}).scratch, seccomp_fd=seccomp), (seccomp,)

    return raw_baseline("bwrap ... true", build, None, work, samples)


def podman_baseline(podman: Podman, work: Path, samples: int) -> Baseline:
    def build(command: list[str], in_dir: Path, out_dir: Path) -> RawCommand:
        return podman.command("run", "--rm", "--network", "none", "-v", f"{in_dir}:{IN_PATH}:ro",
                              "-v", f"{out_dir}:{OUT_PATH}:rw", "--entrypoint", command[0], IMAGE, *command[1:]), ()

    return raw_baseline("podman run --rm ... true", build, podman.env, work, samples)


# -- Runs, one at a time -------------------------------------------------------------------------


@dataclass
class StartTimes:
    ready_to_start: list[float] = field(default_factory=list)
    tagged_to_start: list[float] = field(default_factory=list)
    tagged_to_done: list[float] = field(default_factory=list)


def _wait_finished(client: httpx.Client, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + RUN_LIMIT_SECONDS
    while True:
        run = dict(graphql(client, RUN, runId=run_id)["run"])
        if run["status"] == "done":
            return run
        if run["status"] in ("failed", "invalidated"):
            raise BenchError(f"run {run_id} {run['status']}: {run['exit']}")
        if time.monotonic() > deadline:
            raise BenchError(f"run {run_id} is still {run['status']} after {RUN_LIMIT_SECONDS:.0f} s")
        time.sleep(RUN_POLL_SECONDS)


def one_at_a_time(knitgraph: Knitgraph, client: httpx.Client, samples: int) -> StartTimes:
    """Tag one Data, wait for its Run to be done, read the task's start stamp; ``samples`` times."""
    knit_ids = seed(knitgraph, Tag("bench", "start"), WARM_UPS + samples)
    graphql(client, APPLY_PLAN, spec=plan_spec("bench:start,go:yes", STAMP_COMMAND, "start"))
    _progress("seeded and applied; tagging one Data at a time")
    times = StartTimes()
    for n, knit_id in enumerate(knit_ids):
        tagged = time.time()
        graphql(client, TAG_DATA, knitId=knit_id, add=["go:yes"])
        found = graphql(client, RUNS_READING, ids=[knit_id])["findRuns"]
        if len(found) != 1:
            raise BenchError(f"tagging knit#id:{knit_id} should have made one Run, found {found}")
        run = _wait_finished(client, str(found[0]["runId"]))
        out = next(o["knitId"] for o in run["outputs"] if o["path"] == OUT_PATH)
        started = parse_adjtimex((knitgraph.home / "content" / out / STAMP_FILE).read_text())
        if n < WARM_UPS:
            continue
        times.ready_to_start.append(started - parse_instant(run["readyAt"]) / 1000)
        times.tagged_to_start.append(started - tagged)
        times.tagged_to_done.append(parse_instant(run["updatedAt"]) / 1000 - tagged)
    return times


# -- Runs in a batch -----------------------------------------------------------------------------


@dataclass
class Batch:
    count: int
    apply_seconds: float
    total_seconds: float
    first_ready_to_last_done: float
    polls: list[float]
    claim_gaps: list[float]
    cpu: dict[str, CpuTimes]  # by process name: CPU seconds spent during the batch


def cpu_during(before: dict[int, CpuTimes], after: dict[int, CpuTimes], names: dict[int, str]) -> dict[str, CpuTimes]:
    """CPU seconds each process of the install spent between two readings, summed by name."""
    spent: dict[str, CpuTimes] = {}
    for pid, now in after.items():
        then = before.get(pid, CpuTimes(0.0, 0.0))
        sum_so_far = spent.get(names[pid], CpuTimes(0.0, 0.0))
        spent[names[pid]] = CpuTimes(sum_so_far.own + now.own - then.own,
                                     sum_so_far.children + now.children - then.children)
    return spent


def claim_gaps(ready: list[float], done: list[float], concurrency: int) -> list[float]:
    """For each claim after the first ``concurrency``: seconds since the latest Run finished before it
    (how long a freed executor slot stayed idle, if the claim used that slot)."""
    finished = sorted(done)
    gaps: list[float] = []
    for instant in sorted(ready)[concurrency:]:
        latest = bisect.bisect_right(finished, instant)
        if latest:
            gaps.append(instant - finished[latest - 1])
    return gaps


def _wait_all_done(client: httpx.Client, knit_ids: list[str], started: float) -> list[float]:
    """Poll the Runs reading ``knit_ids`` a chunk at a time until none is open; the polls' seconds.
    (Chunks keep each ``findRuns`` small: it returns every matching Run in detail.)"""
    deadline = time.monotonic() + BATCH_LIMIT_SECONDS
    polls: list[float] = []
    for first in range(0, len(knit_ids), POLL_CHUNK):
        while True:
            poll_start = time.perf_counter()
            open_runs = graphql(client, OPEN_READING, ids=knit_ids[first : first + POLL_CHUNK], st=OPEN_STATUSES)
            polls.append(time.perf_counter() - poll_start)
            if not open_runs["findRuns"]:
                break
            if time.monotonic() > deadline:
                raise BenchError(f"Runs are still open after {BATCH_LIMIT_SECONDS:.0f} s")
            if len(polls) % 10 == 0:
                _progress(f"waiting for the batch ({time.time() - started:.0f} s)")
            time.sleep(BATCH_POLL_SECONDS)
    return polls


def batch(knitgraph: Knitgraph, client: httpx.Client, count: int, concurrency: int) -> Batch:
    """Seed ``count`` Data, apply one plan reading them all, time until every Run is done."""
    knit_ids = seed(knitgraph, Tag("bench", "throughput"), count)
    _progress(f"seeded {count:,} Data; applying the plan")
    processes = install_processes(knitgraph.home)
    cpu_before = cpu_times(list(processes))
    started = time.time()
    spec = plan_spec("bench:throughput", ["true"], "throughput")
    plan_id = graphql(client, APPLY_PLAN, spec=spec)["applyPlan"]["planId"]
    applied = time.time() - started
    polls = _wait_all_done(client, knit_ids, started)
    cpu = cpu_during(cpu_before, cpu_times(list(processes)), processes)
    runs = graphql(client, ALL_RUNS, plan=[plan_id])["findRuns"]
    bad = [r for r in runs if r["status"] != "done"]
    if len(runs) != count or bad:
        raise BenchError(f"expected {count} done Runs, got {len(runs)} ({len(bad)} not done, e.g. {bad[:1]})")
    done = [parse_instant(r["updatedAt"]) / 1000 for r in runs]
    ready = [parse_instant(r["readyAt"]) / 1000 for r in runs]
    return Batch(count, applied, max(done) - started, max(done) - min(ready), polls,
                 claim_gaps(ready, done, concurrency), cpu)


# -- per executor --------------------------------------------------------------------------------


@dataclass
class ExecutorResults:
    executor: str
    baseline: Baseline
    starts: StartTimes
    batch: Batch
    load_before: str
    load_after: str


def measure(executor: str, samples: int, count: int, work: Path) -> ExecutorResults:
    with contextlib.ExitStack() as stack:
        try:
            podman = stack.enter_context(podman_engine(IMAGE)) if executor == "docker" else None
        except PodmanError as exc:
            raise BenchError(str(exc)) from exc
        extra = {"KNITGRAPH_EXECUTOR": executor}
        if podman is not None:
            extra["DOCKER_HOST"] = podman.docker_host
        _progress(f"{executor}: starting an isolated knitgraph")
        knitgraph = stack.enter_context(isolated_knitgraph(extra))
        load_before = load_average()
        _progress(f"{executor}: raw baseline ({samples} + {WARM_UPS} warm-ups)")
        folder = work / executor
        baseline = bwrap_baseline(knitgraph, folder, samples) if podman is None \
            else podman_baseline(podman, folder, samples)
        client = stack.enter_context(knitgraph.http_client(timeout=300.0))
        _progress(f"{executor}: {samples} Runs one at a time")
        starts = one_at_a_time(knitgraph, client, samples)
        _progress(f"{executor}: {count} Runs from one plan")
        result = batch(knitgraph, client, count, executor_concurrency()[0])
        return ExecutorResults(executor, baseline, starts, result, load_before, load_average())


# -- report --------------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def p50_p95(values: Sequence[float]) -> list[str]:
    return [ms(percentile(values, 0.5)), ms(percentile(values, 0.95))]


def knitfab_cells(waits: int, ours: float) -> list[str]:
    """Knitfab's derived p50 / p95 for ``waits`` loop hand-offs, and how many times ours is faster."""
    k50, k95 = uniform_sum_quantile(waits, 0.5), uniform_sum_quantile(waits, 0.95)
    return [f"{ms(k50)} / {ms(k95)}", f"{k50 / ours:.0f}x faster"]


def start_rows(r: ExecutorResults) -> list[list[str]]:
    raw, starts, name = r.baseline, r.starts, r.executor
    raw_start, raw_true = percentile(raw.to_start, 0.5), percentile(raw.true_wall, 0.5)
    ours = percentile(starts.ready_to_start, 0.5)
    return [
        [f"{name}: raw `{raw.label}`, spawn -> exit", *p50_p95(raw.true_wall), "", "", ""],
        [f"{name}: raw, spawn -> task started", *p50_p95(raw.to_start), "", "", ""],
        [f"{name}: Run ready -> task started", *p50_p95(starts.ready_to_start),
         f"{ours / raw_start:.1f}x / {ours / raw_true:.1f}x", *knitfab_cells(1, ours)],
        [f"{name}: Data tagged -> task started", *p50_p95(starts.tagged_to_start), "",
         *knitfab_cells(3, percentile(starts.tagged_to_start, 0.5))],
        [f"{name}: Data tagged -> Run done", *p50_p95(starts.tagged_to_done), "",
         *knitfab_cells(4, percentile(starts.tagged_to_done, 0.5))],
    ]


def throughput_rows(r: ExecutorResults) -> list[list[str]]:
    b, name = r.batch, r.executor
    sequential = 1 / percentile(r.starts.tagged_to_done, 0.5)
    knitfab = 1 / uniform_sum_quantile(4, 0.5)
    return [
        [f"{name}: one plan, applyPlan -> last Run done", f"{b.count:,}", f"{b.total_seconds:.1f} s",
         f"{b.count / b.total_seconds:.2f}", "none published", ""],
        [f"{name}: one at a time (1 / p50 tagged -> done)", str(len(r.starts.tagged_to_done)), "",
         f"{sequential:.2f}", f"<= {knitfab:.2f} (derived)", f"{sequential / knitfab:.0f}x"],
    ]


def notes(r: ExecutorResults) -> None:
    b = r.batch
    print(f"{r.executor}: applyPlan (creating all {b.count:,} Runs) took {ms(b.apply_seconds)}; first ready -> "
          f"last done {b.first_ready_to_last_done:.1f} s ({b.count / b.first_ready_to_last_done:.2f} runs/s); a "
          f"claim came p50 {ms(percentile(b.claim_gaps, 0.5))} / p95 {ms(percentile(b.claim_gaps, 0.95))} after "
          f"the latest Run finished; completion polls (findRuns, {POLL_CHUNK} Data each) p50 "
          f"{ms(percentile(b.polls, 0.5))} x {len(b.polls)}; {r.load_before} before, {r.load_after} after")
    print(f"{r.executor}: CPU per Run during the batch (ms; the server's reaped children are the sandboxes or "
          f"engine clients and the tasks): {cpu_line(b)}")


def cpu_line(b: Batch) -> str:
    """Where the batch's CPU went, per Run, beside the CPU the machine had per Run."""
    cores = len(os.sched_getaffinity(0))
    parts = [f"{name} {t.own / b.count * 1000:.1f}" + (f" + children {t.children / b.count * 1000:.1f}" if t.children else "")
             for name, t in sorted(b.cpu.items(), key=lambda item: -(item[1].own + item[1].children))]
    total = sum(t.own + t.children for t in b.cpu.values())
    available = b.total_seconds * cores
    return (f"{', '.join(parts)}; total {total / b.count * 1000:.1f} of the {available / b.count * 1000:.1f} that "
            f"{cores} cores had per Run ({total / available:.0%} busy)")


def report(results: list[ExecutorResults], samples: int) -> None:
    print(f"Run start, one Run at a time (n={samples} each; raw: same sandbox/container without knitgraph)")
    print_table(["measure", "p50", "p95", "ours/raw p50 (start / exit)", "Knitfab p50 / p95 (derived)",
                 "vs Knitfab p50"], [row for r in results for row in start_rows(r)])
    print()
    print("Throughput of trivial Runs (`true`, one output)")
    print_table(["measure", "Runs", "total", "runs/s", "Knitfab runs/s", "ratio"],
                [row for r in results for row in throughput_rows(r)])
    print()
    for r in results:
        notes(r)
    concurrency, source = executor_concurrency()
    print(f"executor concurrency {concurrency} ({source}); one at a time: {WARM_UPS} warm-ups not counted, each "
          "Data tagged only after the previous Run was seen done (polled every 50 ms); raw: "
          f"{WARM_UPS} warm-ups, then as many samples")
    print(f"Knitfab, published design (reference §4.3, §7.5): its loops poll every {LOOP_SECONDS:.0f} s when idle, "
          f"do not sleep while busy, and postpone a Run whose status did not change by {POSTPONE_SECONDS} s. "
          "Derived here (a lower bound, waits only): an idle system's Run waits a uniform 0-5 s for each loop it "
          "crosses: 1 for ready -> started (run_management), 3 for tagged -> started (+ projection, initialize), "
          "4 for tagged -> done (+ finishing); Kubernetes pod start, hooks and the "
          f"{POSTPONE_SECONDS} s postponement (when run_management re-checks a Run before its pod runs) are left "
          "out. For a batch Knitfab publishes no figure and its loops do not sleep while busy: no ratio.")


def run() -> None:
    executors = [name.strip() for name in os.environ.get(EXECUTORS_ENV, DEFAULT_EXECUTORS).split(",") if name.strip()]
    unknown = [name for name in executors if name not in ("process", "docker")]
    if unknown or not executors:
        raise BenchError(f"{EXECUTORS_ENV} lists process and/or docker, not {unknown or 'nothing'}")
    samples = positive_env(SAMPLES_ENV, DEFAULT_SAMPLES)
    count = positive_env(COUNT_ENV, DEFAULT_COUNT)
    counts = {"process": count, "docker": min(count, positive_env(DOCKER_COUNT_ENV, DEFAULT_DOCKER_COUNT))}
    print(f"== runs: executors {', '.join(executors)} | {samples} Runs one at a time | batch of "
          + ", ".join(f"{counts[e]:,} ({e})" for e in executors))
    print(f"== machine: {machine()} | {load_average()} at start | {tool('bwrap')}, {tool('podman')}")
    sys.stdout.flush()
    work = Path(tempfile.mkdtemp(prefix="knitgraph-bench-runs-"))
    try:
        results = [measure(executor, samples, counts[executor], work) for executor in executors]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(results, samples)
    print(f"== {load_average()} at the end")
    for r in results:
        record_scores(r)


def record_scores(r: ExecutorResults) -> None:
    raw, ours = percentile(r.baseline.to_start, 0.5), percentile(r.starts.ready_to_start, 0.5)
    scorecard.record(Score(
        "goals", f"{r.executor} Run ready -> started", f"p50 {ms(ours)}", f"raw `{r.baseline.label}` p50 {ms(raw)}",
        "measured", f"{raw / ours:.2f}x", "<= 2x raw", ours <= 2 * raw,
    ))
    per_minute = 60 * r.batch.count / r.batch.total_seconds
    scorecard.record(Score(
        "goals", f"trivial {r.executor} Runs end to end ({r.batch.count:,})", f"{per_minute:,.0f} a minute",
        "1,000 a minute on 2 cores", "limit", f"{per_minute / 1000:.2f}x", ">= 1,000/min", per_minute >= 1000,
    ))
