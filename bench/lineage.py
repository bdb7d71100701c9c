"""Lineage latency at scale: one GraphQL query and ``knit data lineage`` next to Knitfab's walk.

Seeds a synthetic lineage graph straight into the isolated knitgraph's Neo4j through
:mod:`knitgraph.graph_schema.bulk` (no content; nothing nominated or projected):

- fan1k: one uploaded root read by ``FAN1K_RUNS`` (500) Runs, each writing one Data: a 1,001-node
  neighbourhood one step downstream of the root;
- fan10k: one uploaded root read by ``FAN10K_FIRST`` (100) Runs, each output read by
  ``FAN10K_SECOND`` (49) Runs: 5,000 Runs and 5,001 Data, two steps downstream;
- chains: ``BENCH_LINEAGE_CHAINS`` (default 45) uploaded roots, each followed by a chain of
  ``BENCH_LINEAGE_CHAIN_LENGTH`` (default 1,000) Runs, each reading the previous Data; in every
  ``FAILING_EVERY``-th chain every 7th Run is ``failed`` (so ``-s failed`` has something to find);
- filler uploads until the graph holds ``BENCH_LINEAGE_DATA`` (default 100,000) Data.

A Run is unique per (plan, assignment of inputs), as projection makes them, so a Data read by 500
Runs needs 500 plans: ``PLANS`` (500) one-input plans are registered first through the
``applyPlan`` mutation, each reading ``bench:never`` (a tag no Data carries, so registering
nominates and projects nothing). The server runs API-only (``KNITGRAPH_EXECUTE_RUNS=false``).

Then, per case, on the same server and side by side:

1. GraphQL: ``lineage(knitId, downstream|upstream, depth: null, maxNodes: 20000)`` selecting data,
   runs and edges (and ``dot`` in one case) over one keep-alive httpx client: p50/p95 over
   ``BENCH_LINEAGE_SAMPLES`` (default 20) after 3 unmeasured warm-ups; node and edge counts are
   checked against what the seed implies, and ``truncated`` must be false. The same lineage read
   through :func:`knitgraph.graph_schema.lineage.get_lineage` over Bolt (no HTTP, no GraphQL types)
   tells how much of that time is the query itself.
2. The real CLI: ``knit data lineage -d|-u -n all --max-nodes 20000 -o FILE ID`` timed end to end
   (CLI start-up included), median of ``CLI_SAMPLES`` (5) after one warm-up; the dot file's node
   count is checked.
3. Knitfab's way (reference §5.2), against our own server over the same keep-alive client: two API
   calls per node, one at a time. For a Data, one ``data(knitId)`` query (Knitfab:
   ``GET /api/data?tag=knit#id:<id>``); for each Run reached, one ``run(runId)`` query (Knitfab:
   ``GET /api/runs/<id>``). Downstream: Data → its ``downstreams`` Runs → each Run → its outputs
   and log → each Data → ...; upstream: Data → ``upstream.run`` → the Run → its inputs → .... Each
   node is fetched once (Knitfab's CLI dedupes nodes in its graph too); the selections hold only
   what the walk needs. ``WALK_SAMPLES`` samples (1 for fan10k), after one unmeasured fan1k walk;
   Knitfab draws dot client-side, so the dot case reuses the walk of its case.

Cases: fan1k and fan10k roots downstream (``-d -n all``, fan10k also with ``dot``), a chain end
upstream (``-u -n all``) and, for impact analysis, a failing chain's root downstream with
``-s failed`` (Knitfab has no status filter: its walk fetches the whole downstream).

The peer figure is therefore Knitfab's access pattern replayed on knitgraph's server, not Knitfab
itself; published lineage latencies of other systems are printed as context only.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
import uuid
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx

from knitgraph.graph_schema.bulk import (
    FinishedRunRow,
    UploadedRow,
    create_finished_runs_batch,
    create_uploaded_data_batch,
)
from knitgraph.graph_schema.lineage import get_lineage
from knitgraph.graph_schema.maintenance import count_nodes
from knitgraph.graph_schema.records import RunStatus
from knitgraph.graph_schema.tags import Tag
from knitgraph.graph_schema.timefmt import now_ms

from . import scorecard
from .harness import (
    BenchError,
    Knitgraph,
    connect_graph,
    graphql,
    isolated_knitgraph,
    machine,
    median,
    percentile,
    positive_env,
    print_table,
    tool,
)
from .scorecard import Score

DATA_ENV, DEFAULT_DATA = "BENCH_LINEAGE_DATA", 100_000
CHAINS_ENV, DEFAULT_CHAINS = "BENCH_LINEAGE_CHAINS", 45
CHAIN_LENGTH_ENV, DEFAULT_CHAIN_LENGTH = "BENCH_LINEAGE_CHAIN_LENGTH", 1_000
SAMPLES_ENV, DEFAULT_SAMPLES = "BENCH_LINEAGE_SAMPLES", 20
FAN1K_RUNS = 500
FAN10K_FIRST, FAN10K_SECOND = 100, 49
PLANS = max(FAN1K_RUNS, FAN10K_FIRST, FAN10K_SECOND)
FAILING_EVERY = 5  # chains 0, 5, 10, ... have failed Runs
FAILED_RUN_EVERY = 7  # ... at positions 7, 14, 21, ... (1-based)
WARM_UPS = 3
CLI_SAMPLES = 5
WALK_SAMPLES = 3
MAX_NODES = 20_000
MIN_PLAN_RUNS = 50_000  # what the defaults must reach (with >= 100,000 Data)
UPLOAD_BATCH = 5000
IN, OUT = "/in/1", "/out/1"
NEVER = "bench:never"

APPLY_PLAN = """
mutation ApplyPlan($spec: PlanSpecInput!) { applyPlan(spec: $spec) { planId } }
"""
LINEAGE = """
query Lineage($knitId: ID!, $upstream: Boolean!, $downstream: Boolean!, $statuses: [RunStatus!]) {
  lineage(knitId: $knitId, upstream: $upstream, downstream: $downstream, depth: null, maxNodes: %d,
          statuses: $statuses) {
    truncated
    data { knitId }
    runs { step run { runId status } }
    edges { knitId runId kind path }
    %s
  }
}
"""
LINEAGE_QUERY = LINEAGE % (MAX_NODES, "")
LINEAGE_DOT_QUERY = LINEAGE % (MAX_NODES, "dot")
# Knitfab's walk: GET /api/data?tag=knit#id:<id> and GET /api/runs/<id>, reduced to what it needs.
WALK_DATA = """
query WalkData($knitId: ID!) { data(knitId: $knitId) { knitId upstream { run { runId } } downstreams { run { runId } } } }
"""
WALK_RUN = """
query WalkRun($runId: ID!) { run(runId: $runId) { runId status inputs { knitId } outputs { knitId } log { knitId } } }
"""
DOT_NODE = re.compile(r'^\t"[dr][^"]*"\[$', re.MULTILINE)


@dataclass(frozen=True)
class Sizes:
    data: int
    chains: int
    chain_length: int
    samples: int


@dataclass(frozen=True)
class Shape:
    """What the seed implies for one measured case."""

    label: str
    knit_id: str
    upstream: bool
    nodes: int  # Data + Runs in the answer
    edges: int
    walk_nodes: int  # nodes Knitfab's walk fetches (equal to ``nodes`` unless a status filter applies)
    statuses: tuple[str, ...] | None = None
    dot: bool = False
    cli: bool = True


@dataclass
class Seeded:
    fan1k_root: str
    fan10k_root: str
    chain_roots: list[str]
    chain_ends: list[str]
    plan_runs: int
    failed_runs: int
    plans_seconds: float
    uploads_seconds: float
    runs_seconds: float
    counts: dict[str, int]


@dataclass
class Measured:
    shape: Shape
    graphql: list[float]
    direct: list[float]
    cli: list[float]
    walk: list[float]
    walk_calls: int


def _progress(message: str) -> None:
    sys.stderr.write(f"[bench] lineage: {message}\n")
    sys.stderr.flush()


def _ids(count: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(count)]


# -- seeding -------------------------------------------------------------------------------------


def register_plans(client: httpx.Client) -> list[str]:
    """``PLANS`` one-input plans through ``applyPlan``, each reading a tag no Data carries."""
    plan_ids = []
    for k in range(PLANS):
        spec = {
            "image": f"bench/step{k}:v1",
            "inputs": [{"path": IN, "tags": [NEVER]}],
            "outputs": [{"path": OUT, "tags": ["bench:out", f"step:s{k}"]}],
        }
        plan_ids.append(str(graphql(client, APPLY_PLAN, spec=spec)["applyPlan"]["planId"]))
    return plan_ids


def _run(status: str, read: str, write: str) -> FinishedRunRow:
    return FinishedRunRow(str(uuid.uuid4()), status, ((IN, read),), ((OUT, write),))


def plan_rows(sizes: Sizes, fan1k_root: str, fan10k_root: str, chain_roots: list[str]
              ) -> tuple[list[dict[int, list[FinishedRunRow]]], list[str], int]:
    """The Runs to seed, in phases (a phase's inputs exist once the earlier phases are written),
    each phase by plan index; also the chain ends and how many Runs failed."""
    fans: dict[int, list[FinishedRunRow]] = {}
    firsts: list[str] = []
    for k in range(FAN1K_RUNS):
        fans.setdefault(k, []).append(_run("done", fan1k_root, str(uuid.uuid4())))
    for k in range(FAN10K_FIRST):
        row = _run("done", fan10k_root, str(uuid.uuid4()))
        firsts.append(row.outputs[0][1])
        fans.setdefault(k, []).append(row)
    seconds: dict[int, list[FinishedRunRow]] = {}
    for first in firsts:
        for j in range(FAN10K_SECOND):
            seconds.setdefault(j, []).append(_run("done", first, str(uuid.uuid4())))
    chains: dict[int, list[FinishedRunRow]] = {}
    ends: list[str] = []
    failed = 0
    for c, root in enumerate(chain_roots):
        previous = root
        for position in range(1, sizes.chain_length + 1):
            fails = c % FAILING_EVERY == 0 and position % FAILED_RUN_EVERY == 0
            failed += fails
            row = _run("failed" if fails else "done", previous, str(uuid.uuid4()))
            chains.setdefault(c % PLANS, []).append(row)
            previous = row.outputs[0][1]
        ends.append(previous)
    return [fans, seconds, chains], ends, failed


def seed(knitgraph: Knitgraph, client: httpx.Client, sizes: Sizes) -> Seeded:
    start = time.perf_counter()
    plan_ids = register_plans(client)
    plans_seconds = time.perf_counter() - start
    _progress(f"{PLANS} plans registered in {plans_seconds:.1f} s")

    fan1k_root, fan10k_root = _ids(2)
    chain_roots = _ids(sizes.chains)
    phases, chain_ends, failed = plan_rows(sizes, fan1k_root, fan10k_root, chain_roots)
    made_by_runs = sum(len(rows) for phase in phases for rows in phase.values())
    roots = [(fan1k_root, "fan1k"), (fan10k_root, "fan10k"), *((root, f"chain{c}") for c, root in enumerate(chain_roots))]
    fillers = max(0, sizes.data - made_by_runs - len(roots))
    digest = "bench-digest"
    uploads = [UploadedRow(knit_id, str(uuid.uuid4()), digest, (Tag("bench", "root"), Tag("case", case)))
               for knit_id, case in roots]
    uploads += [UploadedRow(str(uuid.uuid4()), str(uuid.uuid4()), digest,
                            (Tag("bench", "filler"), Tag("batch", f"b{i // UPLOAD_BATCH}")))
                for i in range(fillers)]

    async def write() -> tuple[float, float, dict[str, int]]:
        graph = connect_graph(knitgraph)
        try:
            began = time.perf_counter()
            written = await create_uploaded_data_batch(graph, uploads, now_ms(), batch_rows=UPLOAD_BATCH)
            if written != len(uploads):
                raise BenchError(f"seeded {written} uploads instead of {len(uploads)}")
            uploaded = time.perf_counter()
            _progress(f"{written:,} uploads seeded in {uploaded - began:.1f} s; seeding {made_by_runs:,} Runs")
            runs = 0
            for phase in phases:
                for k, rows in phase.items():
                    runs += await create_finished_runs_batch(graph, plan_ids[k], rows, now_ms())
            if runs != made_by_runs:
                raise BenchError(f"seeded {runs} Runs instead of {made_by_runs}")
            finished = time.perf_counter()
            return uploaded - began, finished - uploaded, await count_nodes(graph)
        finally:
            await graph.close()

    uploads_seconds, runs_seconds, counts = anyio.run(write)
    return Seeded(fan1k_root, fan10k_root, chain_roots, chain_ends, made_by_runs, failed, plans_seconds, uploads_seconds,
                  runs_seconds, counts)


def shapes(sizes: Sizes, seeded: Seeded) -> list[Shape]:
    fan1k = 1 + 2 * FAN1K_RUNS
    fan10k_runs = FAN10K_FIRST * (1 + FAN10K_SECOND)
    fan10k = 1 + 2 * fan10k_runs
    chain = 2 * (sizes.chain_length + 1)  # the Runs, their outputs, the root and its upload Run
    failing = sizes.chain_length // FAILED_RUN_EVERY
    cases = [
        Shape("fan1k root, -d -n all", seeded.fan1k_root, False, fan1k, 2 * FAN1K_RUNS, fan1k),
        Shape("fan10k root, -d -n all", seeded.fan10k_root, False, fan10k, 2 * fan10k_runs, fan10k),
        Shape("fan10k root, -d -n all, dot", seeded.fan10k_root, False, fan10k, 2 * fan10k_runs, fan10k,
              dot=True, cli=False),
        Shape("chain end, -u -n all", seeded.chain_ends[0], True, chain, chain - 1, chain),
    ]
    if failing:
        cases.append(Shape("chain root, -d -n all -s failed", seeded.chain_roots[0], False, 1 + 3 * failing,
                           2 * failing, chain - 1, statuses=("failed",), cli=False))
    return cases


# -- measurements --------------------------------------------------------------------------------


def lineage_once(client: httpx.Client, shape: Shape) -> float:
    """One lineage query for ``shape``, checked; its round trip in seconds."""
    query = LINEAGE_DOT_QUERY if shape.dot else LINEAGE_QUERY
    statuses = list(shape.statuses) if shape.statuses else None
    start = time.perf_counter()
    answer = graphql(client, query, knitId=shape.knit_id, upstream=shape.upstream, downstream=not shape.upstream,
                     statuses=statuses)["lineage"]
    seconds = time.perf_counter() - start
    nodes = len(answer["data"]) + len(answer["runs"])
    if answer["truncated"] or nodes != shape.nodes or len(answer["edges"]) != shape.edges:
        raise BenchError(f"{shape.label}: lineage answered {nodes} nodes, {len(answer['edges'])} edges, "
                         f"truncated={answer['truncated']}; the seed implies {shape.nodes} nodes, {shape.edges} edges")
    if shape.statuses and any(r["run"]["status"] not in shape.statuses for r in answer["runs"]):
        raise BenchError(f"{shape.label}: lineage answered Runs outside {shape.statuses}")
    if shape.dot and len(DOT_NODE.findall(answer["dot"])) != shape.nodes:
        raise BenchError(f"{shape.label}: dot drew {len(DOT_NODE.findall(answer['dot']))} nodes, not {shape.nodes}")
    return seconds


def measure_graphql(client: httpx.Client, shape: Shape, samples: int) -> list[float]:
    for _ in range(WARM_UPS):
        lineage_once(client, shape)
    return [lineage_once(client, shape) for _ in range(samples)]


def measure_direct(knitgraph: Knitgraph, shape: Shape, samples: int) -> list[float]:
    """The same lineage through graph_schema's ``get_lineage`` over Bolt (no HTTP, no GraphQL types):
    how much of the GraphQL time is the query itself."""
    statuses = [RunStatus(s) for s in shape.statuses] if shape.statuses else None

    async def measure() -> list[float]:
        graph = connect_graph(knitgraph)
        try:
            seconds = []
            for n in range(WARM_UPS + samples):
                start = time.perf_counter()
                found = await get_lineage(graph, shape.knit_id, upstream=shape.upstream, downstream=not shape.upstream,
                                          depth=None, max_nodes=MAX_NODES, statuses=statuses)
                elapsed = time.perf_counter() - start
                if found.truncated or len(found.data) + len(found.runs) != shape.nodes:
                    raise BenchError(f"{shape.label}: get_lineage found {len(found.data) + len(found.runs)} nodes "
                                     f"(truncated={found.truncated}), not {shape.nodes}")
                if n >= WARM_UPS:
                    seconds.append(elapsed)
            return seconds
        finally:
            await graph.close()

    return anyio.run(measure)


def measure_cli(knitgraph: Knitgraph, shape: Shape, folder: Path) -> list[float]:
    out = folder / "lineage.dot"
    args = ["data", "lineage", "-u" if shape.upstream else "-d", "-n", "all", "--max-nodes", str(MAX_NODES),
            "-o", str(out), shape.knit_id]
    seconds = []
    for n in range(1 + CLI_SAMPLES):
        out.unlink(missing_ok=True)
        elapsed, _ = knitgraph.timed_knit(*args)
        drawn = len(DOT_NODE.findall(out.read_text()))
        if drawn != shape.nodes:
            raise BenchError(f"{shape.label}: `knit {' '.join(args)}` drew {drawn} nodes, not {shape.nodes}")
        if n:  # the first one warms up
            seconds.append(elapsed)
    return seconds


def knitfab_walk(client: httpx.Client, shape: Shape) -> tuple[float, int, int]:
    """Knitfab's lineage walk (two API calls per node): its seconds, calls, and matching Runs."""
    start = time.perf_counter()
    calls = 0
    seen_data = {shape.knit_id}
    seen_runs: set[str] = set()
    matching = 0
    queue = deque([shape.knit_id])
    while queue:
        data = graphql(client, WALK_DATA, knitId=queue.popleft())["data"]
        calls += 1
        if shape.upstream:
            run_ids = [data["upstream"]["run"]["runId"]]
        else:
            run_ids = [d["run"]["runId"] for d in data["downstreams"]]
        for run_id in run_ids:
            if run_id in seen_runs:
                continue
            seen_runs.add(run_id)
            run = graphql(client, WALK_RUN, runId=run_id)["run"]
            calls += 1
            matching += shape.statuses is None or run["status"] in shape.statuses
            if shape.upstream:
                nexts = [i["knitId"] for i in run["inputs"]]
            else:
                nexts = [o["knitId"] for o in run["outputs"]] + ([run["log"]["knitId"]] if run["log"] else [])
            for knit_id in nexts:
                if knit_id not in seen_data:
                    seen_data.add(knit_id)
                    queue.append(knit_id)
    seconds = time.perf_counter() - start
    if len(seen_data) + len(seen_runs) != shape.walk_nodes:
        raise BenchError(f"{shape.label}: Knitfab's walk met {len(seen_data) + len(seen_runs)} nodes, "
                         f"not {shape.walk_nodes}")
    return seconds, calls, matching


def measure_walk(client: httpx.Client, shape: Shape) -> tuple[list[float], int]:
    samples = 1 if shape.walk_nodes > 5_000 else WALK_SAMPLES
    seconds: list[float] = []
    calls = 0
    for _ in range(samples):
        elapsed, calls, _ = knitfab_walk(client, shape)
        seconds.append(elapsed)
    return seconds, calls


# -- report --------------------------------------------------------------------------------------


def duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def factor(peer: float, ours: float) -> str:
    ratio = peer / ours
    return f"{ratio:.0f}x" if ratio >= 10 else f"{ratio:.1f}x"


def report(sizes: Sizes, seeded: Seeded, measured: list[Measured], startup: float) -> None:
    rows: list[list[str]] = []
    for m in measured:
        p50 = percentile(m.graphql, 0.50)
        cli = median(m.cli) if m.cli else None
        walk = median(m.walk)
        rows.append([
            m.shape.label, f"{m.shape.nodes:,}", f"{duration(p50)} / {duration(percentile(m.graphql, 0.95))}",
            duration(percentile(m.direct, 0.50)),
            duration(cli) if cli is not None else "-", f"{duration(walk)} (n={len(m.walk)})", f"{m.walk_calls:,}",
            factor(walk, p50), factor(walk, cli) if cli is not None else "-",
        ])
    print_table(["case", "nodes", "GraphQL p50 / p95", "get_lineage p50", "knit CLI (median)", "Knitfab way (median)",
                 "API calls", "Knitfab/GraphQL", "Knitfab/CLI"], rows)
    print()
    counts = seeded.counts
    seed_total = seeded.plans_seconds + seeded.uploads_seconds + seeded.runs_seconds
    print(f"seeding: graph holds {counts.get('Data', 0):,} Data, {counts.get('Run', 0):,} Runs "
          f"({seeded.plan_runs:,} of plans, {seeded.failed_runs:,} of them failed; the rest uploads), "
          f"{counts.get('Plan', 0):,} Plans, {counts.get('Tag', 0):,} Tags; took {seed_total:.1f} s "
          f"({PLANS} applyPlan {seeded.plans_seconds:.1f} s, uploads {seeded.uploads_seconds:.1f} s, "
          f"plan Runs {seeded.runs_seconds:.1f} s)")
    print(f"shapes: fan1k = 1 root read by {FAN1K_RUNS} Runs; fan10k = 1 root read by {FAN10K_FIRST} Runs, each "
          f"output read by {FAN10K_SECOND}; {sizes.chains} chains of {sizes.chain_length:,} Runs (every "
          f"{FAILED_RUN_EVERY}th Run failed in every {FAILING_EVERY}th chain); the rest filler uploads")
    print(f"GraphQL = lineage(depth: null, maxNodes: {MAX_NODES:,}) selecting data, runs, edges (+dot where said), "
          f"one keep-alive client, {sizes.samples} samples after {WARM_UPS} warm-ups; CLI = `knit data lineage "
          f"-n all --max-nodes {MAX_NODES} -o FILE` end to end, median of {CLI_SAMPLES} after 1 warm-up "
          f"(`knit --version` alone: {duration(startup)}); get_lineage = the same lineage read through "
          f"graph_schema over Bolt from the benchmark process (no HTTP/GraphQL), p50 of as many samples")
    print("Knitfab way = reference §5.2 walk replayed on this server: one data(knitId) query per Data "
          "(GET /api/data?tag=knit#id:...) and one run(runId) query per Run (GET /api/runs/...), sequential, "
          "each node once, same keep-alive client; -s failed walks everything downstream and keeps the failed Runs")
    print("published figures, not measured here (peers.md §1/§4): Marquez /api/v1/lineage 10-15 s in production "
          "(MarquezProject/marquez#3058); DataHub on Neo4j, shortestPath-based lineage ~90 s, 1-3 s after "
          "switching to a BFS spanning tree (datahub-project/datahub PR #8687)")
    record_scores(measured)


# The goals of issue 18 for the lineage of a neighbourhood of about this many nodes (GraphQL p50).
GOALS = {"fan1k root, -d -n all": 0.050, "fan10k root, -d -n all": 0.300}


def record_scores(measured: list[Measured]) -> None:
    for m in measured:
        goal = GOALS.get(m.shape.label)
        if goal is None:
            continue
        p50 = percentile(m.graphql, 0.50)
        scorecard.record(Score(
            "goals", f"GraphQL lineage, {m.shape.nodes:,} nodes", f"p50 {duration(p50)}",
            "DataHub on Neo4j 1-3 s", "published", scorecard.times(1.0, p50), f"p50 <= {duration(goal)}", p50 <= goal,
        ))


def run() -> None:
    sizes = Sizes(positive_env(DATA_ENV, DEFAULT_DATA), positive_env(CHAINS_ENV, DEFAULT_CHAINS),
                  positive_env(CHAIN_LENGTH_ENV, DEFAULT_CHAIN_LENGTH), positive_env(SAMPLES_ENV, DEFAULT_SAMPLES))
    began = time.perf_counter()
    print(f"== lineage: >= {sizes.data:,} Data, {sizes.chains} chains of {sizes.chain_length:,} Runs, "
          f"fan-outs of {FAN1K_RUNS} and {FAN10K_FIRST}x{FAN10K_SECOND} Runs, {sizes.samples} samples")
    print(f"== machine: {machine()} | {tool('knit')}")
    print(f"== load average (1/5/15 min) at start: {' / '.join(f'{v:.1f}' for v in os.getloadavg())}")
    sys.stdout.flush()
    no_execution = {"KNITGRAPH_EXECUTE_RUNS": "false"}
    with isolated_knitgraph(no_execution) as knitgraph, \
            tempfile.TemporaryDirectory(prefix="knitgraph-bench-lineage-") as work, \
            knitgraph.http_client(timeout=600.0) as client:
        _progress("registering plans and seeding")
        seeded = seed(knitgraph, client, sizes)
        counts = seeded.counts
        _progress(f"seeded: {counts}")
        defaults = (sizes.data, sizes.chains, sizes.chain_length) == (DEFAULT_DATA, DEFAULT_CHAINS, DEFAULT_CHAIN_LENGTH)
        if counts.get("Data", 0) < sizes.data:
            raise BenchError(f"the graph holds {counts.get('Data', 0):,} Data, fewer than {sizes.data:,}")
        if defaults and seeded.plan_runs < MIN_PLAN_RUNS:
            raise BenchError(f"only {seeded.plan_runs:,} Runs of plans were seeded, fewer than {MIN_PLAN_RUNS:,}")
        startup = median([knitgraph.timed_knit("--version")[0] for _ in range(3)])
        knitfab_walk(client, shapes(sizes, seeded)[0])  # warms the data and run resolvers up
        measured = []
        walks: dict[tuple[str, bool, tuple[str, ...] | None], tuple[list[float], int]] = {}
        for shape in shapes(sizes, seeded):
            _progress(f"{shape.label}: GraphQL")
            graphql_seconds = measure_graphql(client, shape, sizes.samples)
            direct_seconds = measure_direct(knitgraph, shape, sizes.samples)
            cli_seconds = []
            if shape.cli:
                _progress(f"{shape.label}: CLI")
                cli_seconds = measure_cli(knitgraph, shape, Path(work))
            walk = (shape.knit_id, shape.upstream, shape.statuses)
            if walk not in walks:  # Knitfab draws dot client-side: the same walk serves the dot case
                _progress(f"{shape.label}: Knitfab's walk")
                walks[walk] = measure_walk(client, shape)
            walk_seconds, calls = walks[walk]
            measured.append(Measured(shape, graphql_seconds, direct_seconds, cli_seconds, walk_seconds, calls))
    print(f"== load average (1/5/15 min) at end: {' / '.join(f'{v:.1f}' for v in os.getloadavg())}")
    report(sizes, seeded, measured, startup)
    print(f"== total runtime {time.perf_counter() - began:.0f} s")
