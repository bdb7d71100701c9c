"""Small calls, call by call against real Knitfab: what a user waits for on each everyday command.

Real Knitfab v1.6.1 (knitd and its projection loop on PostgreSQL 15, built from source) was measured
on this machine, paired call by call with knitgraph on the same workload (1k and 10k Data, 100
Plans); its figures are kept here as a recorded reference (:data:`KNITFAB`), since this benchmark
cannot build Knitfab. knitgraph's side is measured now, on the same workload:

- ``BENCH_API_DATA`` (default 10,000) uploaded Data seeded in bulk: Data ``i`` carries
  ``project:p<i % PLANS>`` and ``group:g<i // 11>`` (so a tag finds 11 Data);
- ``PLANS`` (100) plans registered through ``applyPlan``; plan ``k`` reads ``project:p<k>`` +
  ``ready:yes`` (no Data has it yet), and has 10 finished Runs seeded in bulk;
- a chain of 275 finished Runs (552 nodes with the upload of its first Data) for ``knit data lineage -n all``.

The raw calls go to knitgraph's Knitfab-compatible REST API (``/api/...``), the same requests
Knitfab's own API serves, over one keep-alive connection. The server is API-only
(``KNITGRAPH_EXECUTE_RUNS=false``): a Run that a tag change creates stays ``waiting``. The CLI calls
are whole ``knit`` processes, start-up included, as a user runs them.
"""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx
import yaml

from knitgraph.archive.digest import TreeDigest
from knitgraph.graph_schema.bulk import (
    FinishedRunRow,
    UploadedRow,
    create_finished_runs_batch,
    create_uploaded_data_batch,
)
from knitgraph.graph_schema.tags import Tag
from knitgraph.graph_schema.timefmt import now_ms

from . import scorecard
from .harness import (
    BenchError,
    Knitgraph,
    connect_graph,
    graphql,
    install_processes,
    isolated_knitgraph,
    machine,
    percentile,
    positive_env,
)
from .scorecard import Score, duration, times

DATA_ENV, DEFAULT_DATA = "BENCH_API_DATA", 10_000
SAMPLES_ENV, DEFAULT_SAMPLES = "BENCH_API_SAMPLES", 40
PLANS = 100
RUNS_PER_PLAN = 10
GROUP = 11
CHAIN_RUNS = 275
WARM_UPS = 5
IN, OUT = "/in/data", "/out/model"
POLL_SECONDS = 0.002
IDLE_SECONDS = 40  # Neo4j hands unused heap back after 30 s idle (server/embedded_neo4j/sizing.py)
POLL_LIMIT_SECONDS = 30.0


@dataclass(frozen=True)
class Reference:
    """Real Knitfab's p50 on this machine (low end of the 1k..10k Data range, the stricter figure)."""

    low: float
    high: float

    def describe(self) -> str:
        return duration(self.low) if self.low == self.high else f"{duration(self.low)}-{duration(self.high)}"


KNITFAB = {
    "tag change -> Run exists": Reference(2.49, 2.66),  # its projection loop idles 5 s between passes
    "tag change API call alone": Reference(0.008, 0.009),
    "run find by plan, raw API": Reference(0.007, 0.015),
    "data find, 11 hits, raw API": Reference(0.014, 0.014),
    "`knit run find -p`, CLI": Reference(0.016, 0.029),
    "`knit plan apply`, CLI": Reference(0.027, 0.033),
    "`knit data lineage -n all`, 552 nodes, CLI": Reference(1.5, 2.0),
}
KNITFAB_RSS_MIB = 379  # knitd + its loops + PostgreSQL at 10k Data (207 MiB PSS)
LINEAGE_GOAL = 20.0  # times faster than Knitfab


def _progress(message: str) -> None:
    print(f"[bench api] {message}", flush=True)


@dataclass(frozen=True)
class Seeded:
    data: list[str]
    plan_ids: list[str]
    chain_root: str


def _plan(k: int | str) -> dict[str, Any]:
    return {
        "image": f"bench/api:p{k}",
        "inputs": [{"path": IN, "tags": [f"project:p{k}", "ready:yes"]}],
        "outputs": [{"path": OUT, "tags": [f"made:p{k}"]}],
    }


APPLY_PLAN = "mutation ApplyPlan($spec: PlanSpecInput!) { applyPlan(spec: $spec) { planId } }"


def seed(knitgraph: Knitgraph, client: httpx.Client, count: int) -> Seeded:
    empty = TreeDigest().hexdigest()
    rows = [UploadedRow(str(uuid.uuid4()), str(uuid.uuid4()), empty,
                        (Tag("bench", "api"), Tag("project", f"p{i % PLANS}"), Tag("group", f"g{i // GROUP}")))
            for i in range(count)]
    chain_root = UploadedRow(str(uuid.uuid4()), str(uuid.uuid4()), empty, (Tag("bench", "chain"),))
    plan_ids = [str(graphql(client, APPLY_PLAN, spec=_plan(k))["applyPlan"]["planId"]) for k in range(PLANS)]
    chain_plan = str(graphql(client, APPLY_PLAN, spec=_plan("chain"))["applyPlan"]["planId"])

    async def write() -> None:
        graph = connect_graph(knitgraph)
        try:
            await create_uploaded_data_batch(graph, [*rows, chain_root], now_ms())
            for k, plan_id in enumerate(plan_ids):
                reads = [row.knit_id for row in rows[k::PLANS][:RUNS_PER_PLAN]]
                await create_finished_runs_batch(graph, plan_id, [
                    FinishedRunRow(str(uuid.uuid4()), "done", ((IN, read),), ((OUT, str(uuid.uuid4())),))
                    for read in reads], now_ms())
            chain: list[FinishedRunRow] = []
            previous = chain_root.knit_id
            for _ in range(CHAIN_RUNS):
                row = FinishedRunRow(str(uuid.uuid4()), "done", ((IN, previous),), ((OUT, str(uuid.uuid4())),))
                chain.append(row)
                previous = row.outputs[0][1]
            await create_finished_runs_batch(graph, chain_plan, chain, now_ms())
        finally:
            await graph.close()

    anyio.run(write)
    return Seeded([row.knit_id for row in rows], plan_ids, chain_root.knit_id)


def _ok(response: httpx.Response) -> Any:
    if response.status_code != 200:
        raise BenchError(f"{response.request.method} {response.request.url.path} answered "
                         f"{response.status_code}: {response.text[-300:]}")
    return response.json()


def sample(call: Callable[[int], Any], samples: int) -> list[float]:
    """Seconds of ``call(i)`` for ``samples`` values of ``i`` after :data:`WARM_UPS` unmeasured ones."""
    for i in range(WARM_UPS):
        call(i)
    seconds: list[float] = []
    for i in range(WARM_UPS, WARM_UPS + samples):
        start = time.perf_counter()
        call(i)
        seconds.append(time.perf_counter() - start)
    return seconds


def tag_to_run(client: httpx.Client, knit_id: str) -> float:
    start = time.perf_counter()
    _ok(client.put(f"/api/data/{knit_id}", json={"add": ["ready:yes"]}))
    while not _ok(client.get("/api/runs", params={"knitIdInput": knit_id})):
        if time.perf_counter() - start > POLL_LIMIT_SECONDS:
            raise BenchError(f"no Run reads knit#id:{knit_id} {POLL_LIMIT_SECONDS:.0f} s after tagging it")
        time.sleep(POLL_SECONDS)
    return time.perf_counter() - start


def install_memory(home: Path) -> dict[str, tuple[float, float]]:
    """RSS and PSS in MiB of each process of the install at ``home``, by ``pid name``."""
    found: dict[str, tuple[float, float]] = {}
    for pid, name in install_processes(home).items():
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        fields = {line.split(":")[0]: int(line.split()[1]) for line in rollup[1:] if line.endswith("kB")}
        found[f"{pid} {name}"] = (fields.get("Rss", 0) / 1024, fields.get("Pss", 0) / 1024)
    return found


def _memory_line(found: dict[str, tuple[float, float]]) -> str:
    return ", ".join(f"{name} {rss:.0f}" for name, (rss, _) in sorted(found.items(), key=lambda item: -item[1][0]))


def _p50(values: list[float]) -> float:
    return percentile(values, 0.5)


def _knitfab_row(metric: str, ours: float, goal_factor: float = 1.0) -> None:
    peer = KNITFAB[metric]
    scorecard.record(Score(
        "knitfab", metric, f"p50 {duration(ours)}", peer.describe(), "recorded", times(peer.low, ours),
        f"<= Knitfab/{goal_factor:g}" if goal_factor != 1 else "<= Knitfab", ours * goal_factor <= peer.low,
    ))


def run() -> None:
    count = positive_env(DATA_ENV, DEFAULT_DATA)
    samples = positive_env(SAMPLES_ENV, DEFAULT_SAMPLES)
    print(f"== api: small calls on {count:,} Data, {PLANS} plans ({RUNS_PER_PLAN} Runs each), "
          f"{samples} samples each after {WARM_UPS} warm-ups")
    print(f"== machine: {machine()}")
    with isolated_knitgraph({"KNITGRAPH_EXECUTE_RUNS": "false"}) as knitgraph, \
            knitgraph.http_client(timeout=60.0) as client:
        seeded = seed(knitgraph, client, count)
        _progress("seeded")
        folder = Path(tempfile.mkdtemp(prefix="knitgraph-bench-api-"))
        results: dict[str, list[float]] = {}
        candidates = seeded.data[PLANS * RUNS_PER_PLAN:]  # Data no Run read yet
        results["tag change -> Run exists"] = sample(lambda i: tag_to_run(client, candidates[i]), samples)
        results["tag change API call alone"] = sample(
            lambda i: _ok(client.put(f"/api/data/{seeded.data[i]}", json={"add": [f"note:n{i}"]})), samples)
        results["run find by plan, raw API"] = sample(
            lambda i: _ok(client.get("/api/runs", params={"plan": seeded.plan_ids[i % PLANS]})), samples)
        found = _ok(client.get("/api/data", params={"tag": "group:g5"}))
        if len(found) != GROUP:
            raise BenchError(f"data find by group:g5 found {len(found)} Data, not {GROUP}")
        results["data find, 11 hits, raw API"] = sample(
            lambda i: _ok(client.get("/api/data", params={"tag": f"group:g{i % (count // GROUP)}"})), samples)
        results["`knit run find -p`, CLI"] = sample(
            lambda i: knitgraph.knit("run", "find", "-p", seeded.plan_ids[i % PLANS]), samples)

        def apply(i: int) -> None:
            file = folder / f"plan-{i}.yaml"
            file.write_text(yaml.safe_dump(_plan(f"cli{i}")))
            knitgraph.knit("plan", "apply", str(file))

        results["`knit plan apply`, CLI"] = sample(apply, samples)
        lineage = json.loads(knitgraph.knit("data", "lineage", "-n", "all", "--format", "json", seeded.chain_root))
        nodes = len(lineage["data"]) + len(lineage["runs"])
        if nodes < 2 * CHAIN_RUNS:
            raise BenchError(f"the chain's lineage has {nodes} nodes, not the {2 * CHAIN_RUNS + 2} seeded")
        results["`knit data lineage -n all`, 552 nodes, CLI"] = sample(
            lambda i: knitgraph.knit("data", "lineage", "-n", "all", seeded.chain_root), max(5, samples // 4))
        startup = sample(lambda i: knitgraph.knit("--version"), samples)
        busy = install_memory(knitgraph.home)
        time.sleep(IDLE_SECONDS)
        idle = install_memory(knitgraph.home)
        rss, pss = (sum(values[i] for values in busy.values()) for i in (0, 1))
        idle_rss = sum(values[0] for values in idle.values())
        memory_data = count
    for metric, values in results.items():
        factor = LINEAGE_GOAL if "lineage" in metric else 1.0
        _knitfab_row(metric, _p50(values), factor)
    scorecard.record(Score(
        "knitfab", f"resident memory, {memory_data:,} Data, all processes", f"{rss:.0f} MiB RSS ({pss:.0f} PSS)",
        f"{KNITFAB_RSS_MIB} MiB RSS", "recorded", f"{KNITFAB_RSS_MIB / rss:.2f}x", "<= Knitfab's RSS",
        rss <= KNITFAB_RSS_MIB,
    ))
    scorecard.record(Score(
        "goals", "`knit` start-up (`knit --version`)", f"p50 {duration(_p50(startup))}", "80 ms", "limit",
        times(0.080, _p50(startup)), "<= 80 ms", _p50(startup) <= 0.080,
    ))
    print(f"lineage of the chain: {nodes} nodes; `knit --version` p50 {duration(_p50(startup))}; "
          f"the install's processes right after the calls: {rss:.0f} MiB RSS, {pss:.0f} MiB PSS "
          f"(MiB RSS: {_memory_line(busy)}); after {IDLE_SECONDS} s idle: {idle_rss:.0f} MiB RSS ({_memory_line(idle)})")
    for metric, values in results.items():
        print(f"{metric}: p50 {duration(_p50(values))} p95 {duration(percentile(values, 0.95))} | "
              f"Knitfab {KNITFAB[metric].describe()} (recorded)")
