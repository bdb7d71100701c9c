"""Scale: a graph of a million Data built by the bulk path, and the everyday calls at that size.

Build: ``BENCH_SCALE_DATA`` (default 1,000,000) uploaded Data written as JSON lines (not timed) and
loaded with the real ``knitgraph import FILE`` (Neo4j's offline importer; each Data comes with its
done ``knit#uploaded`` Run, so the graph holds as many Runs) into a new home, timed end to end: that
is the bulk rate, against the goal of 20,000 Data/s. Data ``i`` carries ``project:p<i % PLANS>``,
``shard:<i % 7>``, ``kind:<one of 3>`` and ``batch:b<i // 5000>``. Then ``knitgraph up`` (its first
start builds the indexes: migrations), timed on its own, and ``BENCH_SCALE_PLANS`` (default 10,000)
plans registered through graph_schema (as ``applyPlan`` does): plan ``k`` reads ``project:p<k>`` + ``ready:yes``
(no Data has it, so registering creates no Run). A lineage neighbourhood of 1,001 nodes is seeded
through :mod:`knitgraph.graph_schema.bulk`: one more upload read by one finished Run of each of the
first 500 plans, each writing one Data.

Measured at that size, ``BENCH_SCALE_SAMPLES`` (default 50) samples each after 5 warm-ups, on an
API-only server (``KNITGRAPH_EXECUTE_RUNS=false``):

- tag change -> Run exists: ``tagData(ready:yes)`` on an imported Data, then ``findRuns`` until the
  Run of its plan exists (as :mod:`bench.projection` measures it);
- ``knit data find -t project:p<k> -t shard:<s>`` (about DATA / PLANS / 7 hits) as a whole process,
  and the same ``GET /api/data?tag=...&tag=...`` over a keep-alive connection;
- GraphQL ``lineage`` downstream of the fan's root, depth unbounded (1,001 nodes; as
  :mod:`bench.lineage` measures it).

Printed: Neo4j's heap and page cache settings and each process's resident memory after the calls.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import anyio
import orjson

from knitgraph.graph_schema.bulk import FinishedRunRow, UploadedRow, create_finished_runs_batch, create_uploaded_data_batch
from knitgraph.graph_schema.maintenance import count_nodes
from knitgraph.graph_schema.plan_spec import PlanSpec
from knitgraph.graph_schema.plans import register_plan
from knitgraph.graph_schema.tags import Tag
from knitgraph.graph_schema.timefmt import now_ms

from . import scorecard
from .api import install_memory
from .harness import (
    BenchError,
    Knitgraph,
    connect_graph,
    isolated_knitgraph,
    machine,
    percentile,
    positive_env,
    print_table,
    timed_run,
    tool,
)
from .lineage import Shape, lineage_once
from .projection import READY, tag_to_run
from .scorecard import Score, duration, times

DATA_ENV, DEFAULT_DATA = "BENCH_SCALE_DATA", 1_000_000
PLANS_ENV, DEFAULT_PLANS = "BENCH_SCALE_PLANS", 10_000
SAMPLES_ENV, DEFAULT_SAMPLES = "BENCH_SCALE_SAMPLES", 50
RATE_GOAL = 20_000  # Data/s
TRIGGER_GOAL, FIND_GOAL, LINEAGE_GOAL = 0.050, 0.050, 0.100
FAN_RUNS = 500
SHARDS = 7
KINDS = ("image", "text", "table")
WARM_UPS = 5
IN, OUT = "/in/data", "/out/model"


@dataclass
class Build:
    knit_ids: list[str]
    import_seconds: float
    import_log: str
    up_seconds: float = 0.0


def _progress(message: str) -> None:
    sys.stderr.write(f"[bench] scale: {message}\n")
    sys.stderr.flush()


def tags_of(index: int, plans: int) -> list[str]:
    return [f"project:p{index % plans}", f"shard:{index % SHARDS}", f"kind:{KINDS[index % len(KINDS)]}",
            f"batch:b{index // 5000}"]


def write_rows(file: Path, count: int, plans: int) -> list[str]:
    """The import's JSON lines (empty content's digest); the knitIds by index."""
    digest = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    knit_ids = [str(uuid.uuid4()) for _ in range(count)]
    with open(file, "wb") as out:
        for start in range(0, count, 10_000):
            out.write(b"".join(orjson.dumps({"knitId": knit_ids[i], "digest": digest, "tags": tags_of(i, plans)}) + b"\n"
                               for i in range(start, min(count, start + 10_000))))
    return knit_ids


def build(home: Path, env: dict[str, str], sizes: tuple[int, int], into: list[Build]) -> None:
    """Before ``knitgraph up``: the JSON lines, then ``knitgraph import`` timed."""
    count, plans = sizes
    rows = home / "import.jsonl"
    _progress(f"writing {count:,} rows as JSON lines")
    knit_ids = write_rows(rows, count, plans)
    _progress("knitgraph import")
    start = time.perf_counter()
    done = subprocess.run([tool("knitgraph"), "import", str(rows)], env=env, cwd=home, capture_output=True, text=True,
                          check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise BenchError(f"knitgraph import exited {done.returncode}: {done.stderr[-2000:]}")
    rows.unlink()
    into.append(Build(knit_ids, seconds, done.stderr.strip()))


def register_plans(knitgraph: Knitgraph, plans: int) -> list[str]:
    """The plans, registered through graph_schema over Bolt (the ``applyPlan`` mutation's own cost
    is measured by ``bench projection``): nomination, links and cycle check as for any plan."""

    async def register() -> list[str]:
        graph = connect_graph(knitgraph)
        try:
            plan_ids = []
            started = time.perf_counter()
            for k in range(plans):
                spec = PlanSpec.build(image=f"bench/scale:p{k}", inputs=[(IN, [f"project:p{k}", READY])],
                                      outputs=[(OUT, ["type:model", f"project:p{k}"])])
                plan_ids.append(str(uuid.uuid4()))
                await register_plan(graph, spec, plan_id=plan_ids[-1], now=now_ms())
                if (k + 1) % 2000 == 0:
                    _progress(f"{k + 1:,}/{plans:,} plans registered ({time.perf_counter() - started:.0f} s)")
            return plan_ids
        finally:
            await graph.close()

    return anyio.run(register)


def seed_fan(knitgraph: Knitgraph, plan_ids: list[str]) -> tuple[str, dict[str, int]]:
    """One more upload read by one finished Run of each of the first plans; its knitId and the counts."""
    root = UploadedRow(str(uuid.uuid4()), str(uuid.uuid4()), "bench-digest", (Tag("bench", "fan"),))

    async def write() -> dict[str, int]:
        graph = connect_graph(knitgraph)
        try:
            await create_uploaded_data_batch(graph, [root], now_ms())
            for plan_id in plan_ids[:FAN_RUNS]:
                row = FinishedRunRow(str(uuid.uuid4()), "done", ((IN, root.knit_id),), ((OUT, str(uuid.uuid4())),))
                await create_finished_runs_batch(graph, plan_id, [row], now_ms())
            return await count_nodes(graph)
        finally:
            await graph.close()

    return root.knit_id, anyio.run(write)


def sample(call: Callable[[int], object], samples: int) -> list[float]:
    """Seconds of ``call(i)`` for ``samples`` values of ``i`` after the warm-ups."""
    seconds = []
    for i in range(WARM_UPS + samples):
        start = time.perf_counter()
        call(i)
        if i >= WARM_UPS:
            seconds.append(time.perf_counter() - start)
    return seconds


def neo4j_settings(home: Path) -> str:
    conf = (home / "neo4j" / "conf" / "neo4j.conf").read_text().splitlines()
    cache = next((line.split("=", 1)[1] for line in conf if line.startswith("server.memory.pagecache.size")), "?")
    heap = os.environ.get("KNITGRAPH_NEO4J_HEAP", "1g")
    store = sum(f.stat().st_size for f in (home / "neo4j" / "data" / "databases").rglob("*") if f.is_file())
    return f"page cache {cache} (auto: 1.5 x the store of {store / (1 << 20):,.0f} MiB at start), heap 64m initial / {heap} max"


def run() -> None:
    count, plans = positive_env(DATA_ENV, DEFAULT_DATA), positive_env(PLANS_ENV, DEFAULT_PLANS)
    samples = positive_env(SAMPLES_ENV, DEFAULT_SAMPLES)
    if plans < FAN_RUNS or count < plans:
        raise BenchError(f"{PLANS_ENV} must be at least {FAN_RUNS}, and {DATA_ENV} at least {PLANS_ENV}")
    began = time.perf_counter()
    print(f"== scale: {count:,} Data (+ as many upload Runs) by `knitgraph import`, {plans:,} plans, {samples} samples")
    print(f"== machine: {machine()} | load average (1 min) at start: {os.getloadavg()[0]:.1f}")
    builds: list[Build] = []
    results: dict[str, list[float]] = {}
    up_started = 0.0

    def prepare(home: Path, env: dict[str, str]) -> None:
        nonlocal up_started
        build(home, env, (count, plans), builds)
        up_started = time.perf_counter()

    with isolated_knitgraph({"KNITGRAPH_EXECUTE_RUNS": "false"}, prepare) as knitgraph, \
            knitgraph.http_client(timeout=120.0) as client:
        built = builds[0]
        built.up_seconds = time.perf_counter() - up_started
        _progress(f"imported in {built.import_seconds:.1f} s, first start {built.up_seconds:.1f} s; registering plans")
        start = time.perf_counter()
        plan_ids = register_plans(knitgraph, plans)
        plans_seconds = time.perf_counter() - start
        root, counts = seed_fan(knitgraph, plan_ids)
        _progress(f"graph: {counts}; measuring")
        rng = random.Random(20250101)
        picks = rng.sample(range(count), WARM_UPS + samples)
        results["tag change -> Run exists (tagData, HTTP)"] = sample(
            lambda i: tag_to_run(client, built.knit_ids[picks[i]], plan_ids[picks[i] % plans]), samples)
        queries = [(f"project:p{rng.randrange(plans)}", f"shard:{rng.randrange(SHARDS)}") for _ in range(WARM_UPS + samples)]
        hits = [len(orjson.loads(knitgraph.knit("data", "find", "-t", a, "-t", b))) for a, b in queries[:3]]
        results["`knit data find -t -t`, CLI"] = sample(
            lambda i: timed_run(knitgraph.knit_command("data", "find", "-t", queries[i][0], "-t", queries[i][1]),
                                env=knitgraph.env, cwd=knitgraph.home), samples)
        results["data find, raw API (GET /api/data?tag=&tag=)"] = sample(
            lambda i: client.get("/api/data", params=[("tag", queries[i][0]), ("tag", queries[i][1])]).raise_for_status(),
            samples)
        fan = Shape("fan root, -d -n all", root, False, 1 + 2 * FAN_RUNS, 2 * FAN_RUNS, 1 + 2 * FAN_RUNS)
        results[f"GraphQL lineage, {fan.nodes:,} nodes"] = sample(lambda i: lineage_once(client, fan), samples)
        memory = install_memory(knitgraph.home)
        settings = neo4j_settings(knitgraph.home)
    report(count, plans, built, plans_seconds, counts, hits, results, memory, settings)
    print(f"== total runtime {time.perf_counter() - began:.0f} s")


def report(count: int, plans: int, built: Build, plans_seconds: float, counts: dict[str, int], hits: list[int],
           results: dict[str, list[float]], memory: dict[str, tuple[float, float]], settings: str) -> None:
    rows = [[label, str(len(values)), duration(percentile(values, 0.5)), duration(percentile(values, 0.95))]
            for label, values in results.items()]
    print_table(["measure", "n", "p50", "p95"], rows)
    rate = count / built.import_seconds
    print(f"build: `knitgraph import` of {count:,} Data in {built.import_seconds:.1f} s = {rate:,.0f} Data/s "
          f"(its log: {' | '.join(line.removeprefix('[knitgraph] ') for line in built.import_log.splitlines())})")
    print(f"first `knitgraph up` on it (migrations build the indexes): {built.up_seconds:.1f} s; {plans:,} plans "
          f"through register_plan in {plans_seconds:.1f} s ({plans_seconds / plans * 1000:.1f} ms each)")
    print(f"graph: {counts.get('Data', 0):,} Data, {counts.get('Run', 0):,} Runs, {counts.get('Plan', 0):,} Plans "
          f"(pseudo plans included), {counts.get('Tag', 0):,} Tags; data find hits: {hits}")
    rss = sum(values[0] for values in memory.values())
    print(f"Neo4j: {settings}")
    print(f"resident memory after the calls: {rss:,.0f} MiB in all ("
          + ", ".join(f"{name} {values[0]:,.0f} MiB" for name, values in sorted(memory.items())) + ")")
    scorecard.record(Score("goals", f"bulk build (`knitgraph import`, {count:,} Data)", f"{rate:,.0f} Data/s",
                           f"{RATE_GOAL:,} Data/s", "limit", f"{rate / RATE_GOAL:.2f}x", f">= {RATE_GOAL:,}/s",
                           rate >= RATE_GOAL))
    for label, goal, metric in (
        ("tag change -> Run exists (tagData, HTTP)", TRIGGER_GOAL, "tag change -> Run exists"),
        ("`knit data find -t -t`, CLI", FIND_GOAL, "`knit data find -t`, CLI"),
        (f"GraphQL lineage, {1 + 2 * FAN_RUNS:,} nodes", LINEAGE_GOAL, f"GraphQL lineage, {1 + 2 * FAN_RUNS:,} nodes"),
    ):
        p50 = percentile(results[label], 0.5)
        scorecard.record(Score("goals", f"{metric} at {count:,} Data, {plans:,} plans", f"p50 {duration(p50)}",
                               duration(goal), "limit", times(goal, p50), f"p50 <= {duration(goal)}", p50 <= goal))
