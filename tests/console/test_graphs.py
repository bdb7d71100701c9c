"""The lineage explorer and the plan graph, drawn from real Runs."""

from __future__ import annotations

import re
import subprocess
import uuid
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml
from playwright.sync_api import Locator, Page, expect

from knitgraph.graph_schema.bulk import (
    FinishedRunRow,
    UploadedRow,
    create_finished_runs_batch,
    create_uploaded_data_batch,
)
from knitgraph.graph_schema.driver import Graph
from knitgraph.graph_schema.tags import Tag
from knitgraph.graph_schema.timefmt import now_ms
from knitgraph.server.settings import Settings

from ..conftest import run_on_graph
from .conftest import Console, World, off_the_browser_loop, screenshot, sign_in

pytestmark = pytest.mark.e2e


def graph(page: Page) -> Locator:
    drawn = page.get_by_test_id("graph")
    expect(drawn).to_have_attribute("data-laid-out", "yes")
    return drawn


def node(page: Page, kind: str, identifier: str) -> Locator:
    attribute = {"data": "data-knit-id", "run": "data-run-id", "plan": "data-plan-id"}[kind]
    return page.locator(f'.react-flow__node [{attribute}="{identifier}"]')


def test_the_lineage_draws_data_and_runs_with_their_status(page: Page, console: Console, world: World) -> None:
    sign_in(page, console, f"/lineage/{world.model}")
    drawn = graph(page)
    for knit_id in (world.dataset, world.model, world.train_log, world.report):
        expect(node(page, "data", knit_id)).to_be_visible()
    train = node(page, "run", world.train_run)
    expect(train).to_contain_text("done")  # the status is written, not only coloured
    expect(train).to_contain_text("train")
    expect(node(page, "data", world.model)).to_have_class(re.compile("gstart"))
    expect(drawn.locator(".react-flow__minimap")).to_be_visible()
    expect(drawn.locator(".react-flow__edge")).not_to_have_count(0)
    screenshot(page, "lineage")


def test_zoomed_out_nodes_show_one_large_word_and_zooming_in_brings_the_details_back(
    page: Page, console: Console, world: World,
) -> None:
    sign_in(page, console, f"/lineage/{world.model}")
    drawn = graph(page)
    expect(drawn).to_have_attribute("data-layout", "done")
    train = node(page, "run", world.train_run)
    expect(train.locator(".gstatus")).to_have_text("done")
    zoom_out = drawn.get_by_role("button", name="zoom out")
    for _ in range(9):
        zoom_out.click()
    expect(train.locator(".gcompact")).to_have_text("done")  # still written, large enough to read
    expect(train.locator(".gnode-meta")).to_have_count(0)
    expect(node(page, "data", world.model).locator(".gcompact")).to_have_text("Data")
    expect(drawn.locator(".react-flow__edge")).not_to_have_count(0)
    zoom_in = drawn.get_by_role("button", name="zoom in")
    for _ in range(9):
        zoom_in.click()
    expect(train.locator(".gnode-meta")).to_be_visible()
    expect(train.locator(".gcompact")).to_have_count(0)


def test_expanding_a_node_adds_its_neighbours(page: Page, console: Console, world: World) -> None:
    sign_in(page, console, f"/lineage/{world.dataset}?depth=1")
    drawn = graph(page)
    expect(node(page, "run", world.train_run)).to_be_visible()
    expect(node(page, "run", world.evaluate_run)).to_have_count(0)
    before = int(drawn.get_attribute("data-nodes") or 0)
    node(page, "data", world.model).get_by_test_id("expand").click()
    expect(node(page, "run", world.evaluate_run)).to_be_visible()
    expect(node(page, "data", world.report)).to_be_visible()
    assert int(drawn.get_attribute("data-nodes") or 0) > before
    expect(node(page, "data", world.model).get_by_test_id("expand")).to_have_count(0)  # loaded: no handle left


def test_the_truncated_marker_appears_when_the_budget_cuts(page: Page, console: Console, world: World) -> None:
    sign_in(page, console, f"/lineage/{world.dataset}?depth=all")
    whole = graph(page)
    expect(whole).to_have_attribute("data-layout", "done")
    expect(page.get_by_test_id("truncated")).to_have_count(0)
    runs = page.locator('.react-flow__node [data-node-kind="run"]').count()
    assert runs >= 2
    page.goto(f"/lineage/{world.dataset}?depth=all&max=2")  # the upload fits; no other Run with its Data
    expect(graph(page)).to_have_attribute("data-layout", "done")
    marker = page.get_by_test_id("truncated")
    expect(marker).to_be_visible()
    drawn = page.locator('.react-flow__node [data-node-kind="run"]').count()
    # How many are missing, not only that some are.
    expect(marker).to_contain_text(f"{runs - drawn} more Runs — truncated")
    expect(marker).to_contain_text("2 nodes")
    screenshot(page, "lineage-truncated")


def test_direction_and_depth_controls_change_what_is_drawn(page: Page, console: Console, world: World) -> None:
    sign_in(page, console, f"/lineage/{world.model}?depth=1")
    graph(page)
    expect(node(page, "run", world.evaluate_run)).to_be_visible()
    page.get_by_label("downstream").click()  # the URL changes, then the box follows it
    expect(page).to_have_url(re.compile("down=0"))
    expect(page.get_by_label("downstream")).not_to_be_checked()
    graph(page)
    expect(node(page, "run", world.evaluate_run)).to_have_count(0)
    expect(node(page, "run", world.train_run)).to_be_visible()
    page.get_by_label("depth").select_option("2")
    expect(page).to_have_url(re.compile("depth=2"))
    expect(node(page, "run", world.upload_run)).to_be_visible()


def test_clicking_a_node_opens_its_page(page: Page, console: Console, world: World) -> None:
    sign_in(page, console, f"/lineage/{world.model}")
    graph(page)
    node(page, "run", world.train_run).click()
    expect(page).to_have_url(re.compile(f"/runs/{world.train_run}$"))
    page.go_back()
    graph(page)
    node(page, "data", world.report).click()
    expect(page).to_have_url(re.compile(f"/data/{world.report}$"))


def test_the_plan_graph_links_plans_through_their_tags(page: Page, console: Console, world: World) -> None:
    sign_in(page, console, f"/plans/{world.train_plan}/graph")
    drawn = graph(page)
    expect(node(page, "plan", world.train_plan)).to_contain_text("active")
    expect(node(page, "plan", world.evaluate_plan)).to_contain_text("evaluate")
    expect(drawn.locator(".react-flow__edge")).to_have_count(1)
    expect(drawn).to_contain_text("/out/1 → /in/1")
    screenshot(page, "plan-graph")
    node(page, "plan", world.evaluate_plan).click()
    expect(page).to_have_url(re.compile(f"/plans/{world.evaluate_plan}$"))


def wrapper(page: Page, kind: str, identifier: str) -> Locator:
    """The React Flow element around a node (it carries the path and focus classes)."""
    attribute = {"data": "data-knit-id", "run": "data-run-id", "plan": "data-plan-id"}[kind]
    return page.locator(f'.react-flow__node:has([{attribute}="{identifier}"])')


def drawn_completely(page: Page) -> Locator:
    drawn = page.get_by_test_id("graph")
    expect(drawn).to_have_attribute("data-layout", "done")
    return drawn


def test_shift_clicking_two_nodes_highlights_the_path_between_them(page: Page, console: Console, world: World) -> None:
    sign_in(page, console, f"/lineage/{world.model}?depth=all")
    drawn_completely(page)
    wrapper(page, "data", world.dataset).click(modifiers=["Shift"])
    expect(page.get_by_text("Shift-click another node for the path.")).to_be_visible()
    wrapper(page, "data", world.report).click(modifiers=["Shift"])
    expect(page).to_have_url(re.compile(f"/lineage/{world.model}"))  # shift-click does not open the page
    expect(page.get_by_test_id("path-status")).to_contain_text("Path: 5 nodes")
    for kind, identifier in (("run", world.train_run), ("data", world.model), ("run", world.evaluate_run)):
        expect(wrapper(page, kind, identifier)).to_have_class(re.compile(r"\bon-path\b"))
    expect(wrapper(page, "data", world.train_log)).to_have_class(re.compile(r"\boff-path\b"))
    expect(page.locator(".react-flow__edge.on-path")).to_have_count(4)
    screenshot(page, "lineage-path")
    page.get_by_role("button", name="clear").click()
    expect(page.locator(".react-flow__node.off-path")).to_have_count(0)


def test_focus_in_the_url_and_the_search_box_zoom_to_a_node(page: Page, console: Console, world: World) -> None:
    sign_in(page, console, f"/lineage/{world.model}?depth=all&focus={world.report}")
    drawn_completely(page)
    expect(wrapper(page, "data", world.report)).to_have_class(re.compile(r"\bfocused\b"))
    expect(page.locator(".react-flow__viewport")).to_have_attribute("style", re.compile(r"scale\(1\)"))
    page.get_by_label("find node").fill(world.train_log[:8])
    page.get_by_label("find node").press("Enter")
    expect(wrapper(page, "data", world.train_log)).to_have_class(re.compile(r"\bfocused\b"))
    expect(wrapper(page, "data", world.report)).not_to_have_class(re.compile(r"\bfocused\b"))
    page.get_by_label("find node").fill("no-such-node")
    page.get_by_label("find node").press("Enter")
    expect(page.get_by_text("Nothing matches “no-such-node” here.")).to_be_visible()


def test_the_view_exports_as_dot_that_graphviz_draws_and_as_svg(page: Page, console: Console, world: World,
                                                                tmp_path: Path) -> None:
    sign_in(page, console, f"/lineage/{world.model}?depth=all")
    drawn = drawn_completely(page)
    nodes = int(drawn.get_attribute("data-nodes") or 0)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export dot").click()
    assert download.value.suggested_filename == f"lineage-{world.model}.dot"
    dot = Path(download.value.path()).read_text()
    assert dot.startswith("digraph G {")
    for name in (f'"d{world.dataset}"', f'"r{world.train_run}"', f'"d{world.report}"', '"root#0"[shape=Mdiamond]'):
        assert name in dot, name
    rendered = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, check=False)
    assert rendered.returncode == 0, rendered.stderr
    assert rendered.stdout.count('class="node"') == nodes
    with page.expect_download() as download:
        page.get_by_role("button", name="Export SVG").click()
    assert download.value.suggested_filename == f"lineage-{world.model}.svg"
    svg = ElementTree.parse(download.value.path()).getroot()
    groups = svg.findall("{http://www.w3.org/2000/svg}g")
    assert len([g for g in groups if g.get("class") == "node"]) == nodes
    assert any(world.report[:8] in "".join(g.itertext()) for g in groups)


def seed_wide_lineage(console: Console, neo4j_env: dict[str, str], fan: int, fan2: int) -> tuple[str, dict[str, str]]:
    """A tree written straight into the graph (as `python -m bench console` does): a root Data read
    by ``fan`` Runs, each output read by ``fan2`` Runs. Returns the root and each Data's producer's input."""
    plans = []
    for k in range(max(fan, fan2)):  # Plans with one input and one output, no log, whose Runs never start
        spec = {"image": f"wide{k}:v1", "inputs": [{"path": "/in/1", "tags": [f"never:{uuid.uuid4().hex}"]}],
                "outputs": [{"path": "/out/1", "tags": ["wide:out"]}]}
        (console.cwd / f"wide{k}.yaml").write_text(yaml.safe_dump(spec))
        plans.append(str(console.knit("plan", "apply", str(console.cwd / f"wide{k}.yaml"))["planId"]))
    root = str(uuid.uuid4())
    parent_of: dict[str, str] = {}
    firsts: dict[int, list[FinishedRunRow]] = {}
    seconds: dict[int, list[FinishedRunRow]] = {}

    def run(reads: str) -> FinishedRunRow:
        row = FinishedRunRow(str(uuid.uuid4()), "done", (("/in/1", reads),), (("/out/1", str(uuid.uuid4())),))
        parent_of[row.outputs[0][1]] = reads
        return row

    for k in range(fan):
        first = run(root)
        firsts.setdefault(k, []).append(first)
        for j in range(fan2):
            seconds.setdefault(j, []).append(run(first.outputs[0][1]))

    async def write(graph: Graph) -> None:
        await create_uploaded_data_batch(graph, [UploadedRow(root, str(uuid.uuid4()), "digest", (Tag("wide", "tree"),))],
                                         now_ms())
        for phase in (firsts, seconds):
            for k, rows in phase.items():
                await create_finished_runs_batch(graph, plans[k], rows, now_ms())

    settings = Settings(KNITGRAPH_HOME=console.server.home, **neo4j_env)
    off_the_browser_loop(lambda: run_on_graph(settings, write))
    return root, parent_of


def test_a_lineage_of_hundreds_of_nodes_is_laid_out_without_overlaps_reading_left_to_right(
    page: Page, console: Console, neo4j_env: dict[str, str],
) -> None:
    root, parent_of = seed_wide_lineage(console, neo4j_env, fan=10, fan2=16)
    nodes = 1 + 2 * 10 * (1 + 16)
    sign_in(page, console, f"/lineage/{root}?depth=all&up=0&max=1000")
    drawn = page.get_by_test_id("graph")
    expect(drawn).to_have_attribute("data-layout", "done", timeout=30_000)
    expect(drawn).to_have_attribute("data-nodes", str(nodes))
    expect(drawn).to_have_attribute("data-layout-engine", "layered")  # past ELK's size
    expect(page.get_by_test_id("truncated")).to_have_count(0)
    boxes = {}
    for element in page.locator(".react-flow__node [data-knit-id]").all():
        box = element.bounding_box()
        assert box is not None
        boxes[str(element.get_attribute("data-knit-id"))] = box
    assert len(boxes) > 100, "the view shows most of the tree"
    placed = list(boxes.values())
    for k, a in enumerate(placed):
        for b in placed[k + 1:]:
            apart = (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                     or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])
            assert apart, f"nodes overlap: {a} and {b}"
    for knit_id, box in boxes.items():
        parent = boxes.get(parent_of.get(knit_id, ""))
        if parent is not None:
            assert parent["x"] + parent["width"] < box["x"], "a Data is drawn right of the Data it was made from"
