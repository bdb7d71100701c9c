"""The console's lineage explorer at scale: navigation to a drawn graph, next to graphviz drawing the same lineage.

Seeds, through :mod:`knitgraph.graph_schema.bulk`, one two-level tree per size: an uploaded root read by
``fan`` Runs (one plan each), each output read by ``fan2`` Runs, so the root's downstream lineage holds
``1 + 2 * fan * (1 + fan2)`` nodes (Data and Runs): about 100, 1,000 and 5,000.

Per size, in headless Chromium (Debian's ``/usr/bin/chromium`` through Playwright), each sample in a fresh
browser context (cold cache, signed in by ``#token=``): the time from ``page.goto`` of
``/lineage/<root>?depth=all&up=0&max=<budget>`` until the graph container says ``data-layout="done"`` with
``data-nodes`` equal to the lineage's size, i.e. the GraphQL answer arrived, the layout worker placed it
(ELK, or past 300 nodes the console's linear-time layout), React Flow placed every node and the view was
fitted to them. React Flow renders only the nodes in view
(``onlyRenderVisibleElements``); how many node elements are in the DOM at that moment is printed too.

The peer, side by side in the same run: the same lineage asked for as dot (``lineage { dot }`` over GraphQL,
what ``knit data lineage`` writes) and rendered by graphviz (``dot -Tsvg``), timed end to end. The goal
(issue 14): 1,000 nodes drawn in at most 2 s.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

import anyio
import httpx
from playwright.sync_api import Browser, sync_playwright

from knitgraph.graph_schema.bulk import (
    FinishedRunRow,
    UploadedRow,
    create_finished_runs_batch,
    create_uploaded_data_batch,
)
from knitgraph.graph_schema.tags import Tag
from knitgraph.graph_schema.timefmt import now_ms

from .harness import BenchError, Knitgraph, connect_graph, graphql, isolated_knitgraph, machine, median, print_table

CHROMIUM = "/usr/bin/chromium"
SAMPLES_ENV, DEFAULT_SAMPLES = "BENCH_CONSOLE_SAMPLES", 3
# (fan, fan2): 1 + 2 * fan * (1 + fan2) nodes downstream of the root.
TREES = ((7, 6), (20, 24), (50, 49))
GOAL_NODES, GOAL_SECONDS = 1_000, 2.0
TIMEOUT_MS = 600_000
IN, OUT = "/in/1", "/out/1"
NEVER = "bench:never"
APPLY_PLAN = "mutation ApplyPlan($spec: PlanSpecInput!) { applyPlan(spec: $spec) { planId } }"
LINEAGE_DOT = """
query LineageDot($knitId: ID!, $maxNodes: Int!) {
  lineage(knitId: $knitId, upstream: false, downstream: true, depth: null, maxNodes: $maxNodes) { truncated dot }
}
"""
SVG_NODE = re.compile(r'<g id="node\d+" class="node">')
# What the page knows of its own progress, in ms since navigation began: the document loaded, the
# lineage's answer arrived (a performance mark of the console), the layout came back, view fitted.
PHASES = ("loaded", "answer", "laid-out", "drawn")
PHASES_SCRIPT = """() => {
  const at = {loaded: performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd};
  for (const mark of performance.getEntriesByType("mark")) {
    if (mark.name.startsWith("knitgraph:")) at[mark.name.slice(10)] = mark.startTime;
  }
  return at;
}"""


@dataclass(frozen=True)
class Tree:
    root: str
    nodes: int


@dataclass(frozen=True)
class Measured:
    tree: Tree
    console: list[float]
    rendered: int  # node elements in the DOM when drawn
    peer: list[float]
    phases: list[dict[str, float]]  # milliseconds from navigation to each of PHASES


def _progress(message: str) -> None:
    sys.stderr.write(f"[bench] console: {message}\n")
    sys.stderr.flush()


def register_plans(client: httpx.Client, count: int) -> list[str]:
    """``count`` one-input plans reading a tag no Data carries (a Run is unique per plan and inputs)."""
    plan_ids = []
    for k in range(count):
        spec = {"image": f"bench/console{k}:v1", "inputs": [{"path": IN, "tags": [NEVER]}],
                "outputs": [{"path": OUT, "tags": ["bench:out"]}]}
        plan_ids.append(str(graphql(client, APPLY_PLAN, spec=spec)["applyPlan"]["planId"]))
    return plan_ids


def _run(read: str) -> FinishedRunRow:
    return FinishedRunRow(str(uuid.uuid4()), "done", ((IN, read),), ((OUT, str(uuid.uuid4())),))


def seed(knitgraph: Knitgraph, client: httpx.Client) -> list[Tree]:
    plan_ids = register_plans(client, max(max(shape) for shape in TREES))
    roots = [str(uuid.uuid4()) for _ in TREES]
    firsts: dict[int, list[FinishedRunRow]] = {}
    seconds: dict[int, list[FinishedRunRow]] = {}
    for root, (fan, fan2) in zip(roots, TREES, strict=True):
        for k in range(fan):
            first = _run(root)
            firsts.setdefault(k, []).append(first)
            for j in range(fan2):
                seconds.setdefault(j, []).append(_run(first.outputs[0][1]))
    uploads = [UploadedRow(root, str(uuid.uuid4()), "bench-digest", (Tag("bench", "console"),)) for root in roots]

    async def write() -> None:
        graph = connect_graph(knitgraph)
        try:
            await create_uploaded_data_batch(graph, uploads, now_ms())
            for phase in (firsts, seconds):
                for k, rows in phase.items():
                    await create_finished_runs_batch(graph, plan_ids[k], rows, now_ms())
        finally:
            await graph.close()

    anyio.run(write)
    return [Tree(root, 1 + 2 * fan * (1 + fan2)) for root, (fan, fan2) in zip(roots, TREES, strict=True)]


def draw_in_console(browser: Browser, knitgraph: Knitgraph, token: str, tree: Tree) -> tuple[float, int, dict[str, float]]:
    """Seconds from navigation to the drawn lineage in a fresh context, the node elements then in the DOM,
    and the page's own phases."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        url = f"{knitgraph.api_root}/lineage/{tree.root}?depth=all&up=0&max={tree.nodes}#token={token}"
        done = f'[data-testid="graph"][data-layout="done"][data-nodes="{tree.nodes}"]'
        start = time.perf_counter()
        page.goto(url)
        # Checked at every frame: a selector wait polls at up to 500 ms apart, which the figure would include.
        page.wait_for_function("done => document.querySelector(done) !== null", arg=done, polling="raf",
                               timeout=TIMEOUT_MS)
        seconds = time.perf_counter() - start
        if page.locator('[data-testid="truncated"]').count():
            raise BenchError(f"the console says the {tree.nodes}-node lineage was truncated")
        phases = {str(k): float(v) for k, v in dict(page.evaluate(PHASES_SCRIPT)).items()}
        if set(phases) != set(PHASES):
            raise BenchError(f"the console marked {sorted(phases)}, not {list(PHASES)}")
        return seconds, page.locator(".react-flow__node").count(), phases
    finally:
        context.close()


def draw_with_graphviz(client: httpx.Client, tree: Tree) -> float:
    """Seconds to ask for the lineage as dot and render it with ``dot -Tsvg``; the drawing is checked."""
    start = time.perf_counter()
    answer = graphql(client, LINEAGE_DOT, knitId=tree.root, maxNodes=tree.nodes)["lineage"]
    svg = subprocess.run(["dot", "-Tsvg"], input=answer["dot"], capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if svg.returncode != 0:
        raise BenchError(f"dot -Tsvg exited {svg.returncode}: {svg.stderr[-500:]}")
    drawn = len(SVG_NODE.findall(svg.stdout))
    if answer["truncated"] or drawn != tree.nodes:
        raise BenchError(f"graphviz drew {drawn} nodes (truncated={answer['truncated']}), not {tree.nodes}")
    return seconds


def duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def report(measured: list[Measured], samples: int) -> None:
    rows = []
    for m in measured:
        ours, peer = median(m.console), median(m.peer)
        at = [median([p[phase] for p in m.phases]) / 1000 for phase in PHASES]
        steps = " / ".join(duration(b - a) for a, b in zip([0.0, *at], at, strict=False))
        rows.append([f"{m.tree.nodes:,}", duration(ours), f"{duration(min(m.console))} / {duration(max(m.console))}",
                     steps, f"{m.rendered:,}", duration(peer), f"{ours / peer:.1f}x"])
    print_table(["nodes", "console (median)", "min / max", "load / query / layout / draw", "in DOM",
                 "GraphQL dot + dot -Tsvg (median)", "console/graphviz"], rows)
    print()
    goal = [m for m in measured if m.tree.nodes >= GOAL_NODES]
    if goal:
        first = min(goal, key=lambda m: m.tree.nodes)
        met = median(first.console) <= GOAL_SECONDS
        print(f"goal: {GOAL_NODES:,} nodes drawn in <= {GOAL_SECONDS:.0f} s: {first.tree.nodes:,} nodes in "
              f"{duration(median(first.console))}: {'met' if met else 'MISSED'}")
    print(f"console = page.goto(/lineage/<root>?depth=all&up=0&max=N#token=...) until data-layout=\"done\" with "
          f"data-nodes=N (GraphQL + the layout in its worker + React Flow + fitView), headless {CHROMIUM}, fresh "
          f"context "
          f"per sample, median of {samples} after 1 warm-up; in DOM = .react-flow__node elements then "
          f"(only visible nodes are rendered); load / query / layout / draw = the page's own marks, medians, "
          f"from navigation to DOMContentLoaded, to the lineage's answer, to the layout's positions, to the fitted view")
    print("graphviz = the same lineage's `lineage { dot }` (what `knit data lineage` writes) over GraphQL, "
          "then `dot -Tsvg`, end to end, median of as many samples")


def run() -> None:
    samples = int(os.environ.get(SAMPLES_ENV, DEFAULT_SAMPLES))
    if samples < 1:
        raise BenchError(f"{SAMPLES_ENV} must be a positive whole number")
    began = time.perf_counter()
    print(f"== console: lineage trees of {', '.join(str(1 + 2 * a * (1 + b)) for a, b in TREES)} nodes, "
          f"{samples} samples")
    print(f"== machine: {machine()}")
    print(f"== load average (1/5/15 min) at start: {' / '.join(f'{v:.1f}' for v in os.getloadavg())}")
    sys.stdout.flush()
    if not os.path.exists(CHROMIUM):
        raise BenchError(f"{CHROMIUM} is missing: install Debian's chromium (`make install`)")
    with isolated_knitgraph({"KNITGRAPH_EXECUTE_RUNS": "false"}) as knitgraph, \
            knitgraph.http_client(timeout=600.0) as client:
        token = str(client.headers["Authorization"]).removeprefix("Bearer ")
        _progress("seeding")
        trees = seed(knitgraph, client)  # before Playwright: its loop would keep anyio.run from starting
        measured = []
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True)
            try:
                draw_in_console(browser, knitgraph, token, trees[0])  # warms the server and Chromium up
                for tree in trees:
                    _progress(f"{tree.nodes} nodes")
                    drawn = [draw_in_console(browser, knitgraph, token, tree) for _ in range(samples)]
                    peer = [draw_with_graphviz(client, tree) for _ in range(samples)]
                    measured.append(Measured(tree, [s for s, _, _ in drawn], drawn[-1][1], peer, [p for _, _, p in drawn]))
            finally:
                browser.close()
    print(f"== load average (1/5/15 min) at end: {' / '.join(f'{v:.1f}' for v in os.getloadavg())}")
    report(measured, samples)
    print(f"== total runtime {time.perf_counter() - began:.0f} s")
