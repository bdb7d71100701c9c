"""Lineage and plan graphs against the real Neo4j with Runs that really ran (reference §5.2, §5.3, §6)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from knitgraph.graph_schema import lineage as lineage_module

from ..conftest import Knit, graphql


def apply(knit: Knit, tmp_path: Path, name: str, inputs: dict[str, str], outputs: dict[str, str],
          log: str | None = None, script: str = "") -> str:
    """A plan whose task writes one file into each output (and runs ``script`` first)."""
    writes = " ".join(f"echo {name} > {path}/result;" for path in outputs)
    spec: dict[str, Any] = {
        "image": f"{name}:v1", "entrypoint": ["sh", "-c", f"{script} {writes}"],
        "inputs": [{"path": path, "tags": [tag]} for path, tag in inputs.items()],
        "outputs": [{"path": path, "tags": [tag]} for path, tag in outputs.items()],
    }
    if log:
        spec["log"] = {"tags": [log]}
    file = tmp_path / f"{name}.yaml"
    file.write_text(yaml.safe_dump(spec))
    return str(json.loads(knit("plan", "apply", str(file)).stdout)["planId"])


def push(knit: Knit, tmp_path: Path, tag: str) -> str:
    folder = tmp_path / f"data-{tag.replace(':', '-')}"
    folder.mkdir()
    (folder / "file").write_text(tag)
    return str(json.loads(knit("data", "push", "-t", tag, str(folder)).stdout)["knitId"])


def lineage(knit: Knit, knit_id: str, *flags: str) -> dict[str, Any]:
    return dict(json.loads(knit("data", "lineage", "--format", "json", *flags, knit_id).stdout))


def nodes(answer: dict[str, Any]) -> set[str]:
    return {d["knitId"] for d in answer["data"]} | {r["run"]["runId"] for r in answer["runs"]}


def test_dot_of_the_reference_scenario(knit: Knit, tmp_path: Path) -> None:
    """§8.4 item 23: upload -> data1 -> run2 -> data2 (and run2's log)."""
    plan = apply(knit, tmp_path, "trainer", {"/in/1": "kind:raw"}, {"/out/1": "kind:model"}, log="kind:log")
    data1 = push(knit, tmp_path, "kind:raw")
    run2 = knit.only_run(plan)
    data2, log = run2["outputs"][0]["knitId"], run2["log"]["knitId"]
    upload = json.loads(knit("data", "show", data1).stdout)["upstream"]["run"]["runId"]

    dot = knit("data", "lineage", data1).stdout
    assert dot.startswith("digraph G {\n\tnode [shape=record fontsize=10]\n\tedge [fontsize=10]\n")
    assert '\t"root#0"[shape=Mdiamond];\n' in dot
    for edge in (f'"root#0" -> "r{upload}";', f'"r{upload}" -> "d{data1}" [label="/upload"];',
                 f'"d{data1}" -> "r{run2["runId"]}" [label="/in/1"];',
                 f'"r{run2["runId"]}" -> "d{data2}" [label="/out/1"];',
                 f'"r{run2["runId"]}" -> "d{log}" [label="(log)"];'):
        assert f"\t{edge}\n" in dot
    assert f'<TD BGCOLOR="#d4ecc6">knit#id: {data1[:8]}…</TD>' in dot  # the start Data, its id cut short
    assert f'<TD BGCOLOR="#FFFFFF">knit#id: {data2[:8]}…</TD>' in dot
    assert f'\ttooltip="knit#id:{data2}"\n' in dot and f'\ttooltip="runId:{run2["runId"]}"\n' in dot
    assert '<FONT COLOR="#007700"><B>done</B></FONT>' in dot and "image = trainer:v1" in dot and "knit#uploaded" in dot
    assert "<B>kind</B>:raw" in dot
    full = knit("data", "lineage", "--full-ids", data1).stdout
    assert f'<TD BGCOLOR="#d4ecc6">knit#id: {data1}</TD>' in full and f"id: {run2['runId']}</TD>" in full


def test_times_are_shown_in_the_callers_zone(knit: Knit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = push(knit, tmp_path, "kind:zoned")
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert re.search(r"last updated: \d{4}-\d\d-\d\dT[\d:.]+\+09:00", knit("data", "lineage", data).stdout)
    monkeypatch.setenv("TZ", "UTC")
    assert re.search(r"last updated: \d{4}-\d\d-\d\dT[\d:.]+\+00:00", knit("data", "lineage", data).stdout)


@pytest.fixture
def branching(knit: Knit, tmp_path: Path) -> dict[str, str]:
    """a -> P1 -> b (+log1);  b, c -> P2 -> d;  d -> P3 -> e;  b -> P4 -> f."""
    p1 = apply(knit, tmp_path, "p1", {"/in/1": "n:a"}, {"/out/1": "n:b"}, log="n:log1")
    p2 = apply(knit, tmp_path, "p2", {"/in/1": "n:b", "/in/2": "n:c"}, {"/out/1": "n:d"})
    p3 = apply(knit, tmp_path, "p3", {"/in/1": "n:d"}, {"/out/1": "n:e"})
    p4 = apply(knit, tmp_path, "p4", {"/in/1": "n:b"}, {"/out/1": "n:f"})
    ids = {"a": push(knit, tmp_path, "n:a"), "c": push(knit, tmp_path, "n:c")}
    for name, plan in (("P1", p1), ("P2", p2), ("P4", p4), ("P3", p3)):
        run = knit.only_run(plan)
        ids[name] = run["runId"]
        if run["log"]:
            ids["log1"] = run["log"]["knitId"]
        ids[{"P1": "b", "P2": "d", "P3": "e", "P4": "f"}[name]] = run["outputs"][0]["knitId"]
    for name in ("a", "c"):
        ids["U" + name] = json.loads(knit("data", "show", ids[name]).stdout)["upstream"]["run"]["runId"]
    ids.update(plans=json.dumps({"p1": p1, "p2": p2, "p3": p3, "p4": p4}))
    return ids


def named(ids: dict[str, str], *names: str) -> set[str]:
    return {ids[name] for name in names}


def test_depth_counts_steps_through_runs_with_their_siblings(knit: Knit, branching: dict[str, str]) -> None:
    ids = branching
    # One step up from d: the Run that made it, with all of its inputs (b, c) and outputs.
    assert nodes(lineage(knit, ids["d"], "-u", "-n", "1")) == named(ids, "d", "P2", "b", "c")
    # Two steps: the Runs that made b and c, with their inputs and outputs (log1 is P1's sibling output).
    assert nodes(lineage(knit, ids["d"], "-u", "-n", "2")) == named(ids, "d", "P2", "b", "c", "P1", "a", "log1", "Uc")
    assert nodes(lineage(knit, ids["d"], "-u", "-n", "all")) == named(
        ids, "d", "P2", "b", "c", "P1", "a", "log1", "Uc", "Ua")
    # Down from b: one step reaches both readers of b with their other inputs and outputs, not P3.
    assert nodes(lineage(knit, ids["b"], "-d", "-n", "1")) == named(ids, "b", "P2", "c", "d", "P4", "f")
    assert nodes(lineage(knit, ids["b"], "-d", "-n", "2")) == named(ids, "b", "P2", "c", "d", "P4", "f", "P3", "e")
    # Neither -u nor -d: both ways.
    both = lineage(knit, ids["b"], "-n", "1")
    assert nodes(both) == named(ids, "b", "P1", "a", "log1", "P2", "c", "d", "P4", "f")
    steps = {r["run"]["runId"]: r["step"] for r in both["runs"]}
    assert steps == {ids["P1"]: -1, ids["P2"]: 1, ids["P4"]: 1}
    assert [d["knitId"] for d in both["data"] if d["isStart"]] == [ids["b"]]
    kinds = {(e["knitId"], e["runId"]): (e["kind"], e["path"]) for e in both["edges"]}
    assert kinds[(ids["b"], ids["P2"])] == ("INPUT", "/in/1")
    assert kinds[(ids["log1"], ids["P1"])] == ("LOG", None)
    assert kinds[(ids["b"], ids["P1"])] == ("OUTPUT", "/out/1")


def test_budget_cuts_nearest_first_and_says_so(knit: Knit, branching: dict[str, str]) -> None:
    ids = branching
    result = knit("data", "lineage", "--format", "json", "-d", "-n", "all", "--max-nodes", "4", ids["b"])
    answer = json.loads(result.stdout)
    assert answer["truncated"] is True and "[WARN] the graph was cut at 4 nodes" in result.stderr
    assert len(nodes(answer)) <= 4 and ids["b"] in nodes(answer)
    assert all(r["step"] == 1 for r in answer["runs"])  # nearer Runs come first
    whole = lineage(knit, ids["b"], "-d", "-n", "all")
    assert whole["truncated"] is False and whole["omittedRuns"] == 0
    left_out = len(whole["runs"]) - len(answer["runs"])
    assert left_out > 0 and answer["omittedRuns"] == left_out
    assert f"{left_out} more Runs within reach are left out" in result.stderr


def test_impact_analysis_finds_broken_runs_downstream(knit: Knit, tmp_path: Path, branching: dict[str, str]) -> None:
    ids = branching
    broken = apply(knit, tmp_path, "p5", {"/in/1": "n:e"}, {"/out/1": "n:g"}, script="exit 3;")
    failed = knit.only_run(broken, expect=1)
    answer = lineage(knit, ids["a"], "-d", "-n", "all", "-s", "failed")
    assert [(r["run"]["runId"], r["run"]["status"], r["step"]) for r in answer["runs"]] == [
        (failed["runId"], "failed", 4)]
    assert ids["a"] in nodes(answer) and ids["P2"] not in nodes(answer)
    dot = knit("data", "lineage", "-d", "-n", "all", "-s", "failed", ids["a"]).stdout
    assert f'"d{ids["a"]}" -> "r{failed["runId"]}" [label="4 steps" style=dashed];' in dot
    assert '<FONT COLOR="red"><B>failed</B></FONT>' in dot and "knit#transient:failed" in dot
    assert lineage(knit, ids["a"], "-d", "-n", "all", "-s", "running")["runs"] == []


def test_plan_graph_links_outputs_to_inputs(knit: Knit, branching: dict[str, str]) -> None:
    plans = json.loads(branching["plans"])
    dot = knit("plan", "graph", plans["p2"]).stdout
    for name in ("p1", "p2", "p3"):
        assert f'\t\t"p{plans[name]}"[\n' in dot  # each plan up or down from p2, as its own cluster
    assert dot.count("\tsubgraph {\n\t\tcluster=true\n") == 3  # p4 is p2's sibling, neither up nor down
    assert f'<TD BGCOLOR="#EDD9B4">id: {plans["p2"][:8]}…</TD>' in dot
    assert f'<TD BGCOLOR="#EDD9B4">id: {plans["p2"]}</TD>' in knit("plan", "graph", "--full-ids", plans["p2"]).stdout
    assert f'\t"p{plans["p1"]}@/out/1" -> "p{plans["p2"]}@/in/1";\n' in dot
    assert f'\t"p{plans["p2"]}@/out/1" -> "p{plans["p3"]}@/in/1";\n' in dot
    assert f'"p{plans["p4"]}@/in/1"' not in dot
    assert f'\t\t"p{plans["p1"]}" -> "p{plans["p1"]}@log" [label="(log)" weight=10 penwidth=0.3];\n' in dot
    assert '<FONT COLOR="#007700"><B>active</B></FONT>' in dot and "image = p2:v1" in dot

    upstream = json.loads(knit("plan", "graph", "--format", "json", "-u", "-n", "1", plans["p3"]).stdout)
    assert {p["planId"]: p["step"] for p in upstream["plans"]} == {plans["p3"]: 0, plans["p2"]: -1}
    assert upstream["edges"] == [{"fromPlanId": plans["p2"], "fromPath": "/out/1",
                                  "toPlanId": plans["p3"], "toPath": "/in/1"}]
    downstream = json.loads(knit("plan", "graph", "--format", "json", "-d", "-n", "all", plans["p1"]).stdout)
    assert {p["planId"] for p in downstream["plans"]} == set(plans.values())
    assert downstream["truncated"] is False and downstream["omittedPlans"] == 0
    cut = knit("plan", "graph", "--format", "json", "-d", "-n", "all", "--max-nodes", "2", plans["p1"])
    two = json.loads(cut.stdout)
    assert len(two["plans"]) == 2 and two["plans"][0]["planId"] == plans["p1"]
    assert two["truncated"] is True and two["omittedPlans"] == len(plans) - 2
    assert f"{len(plans) - 2} more Plans within reach are left out" in cut.stderr
    assert {"fromPlanId": plans["p1"], "fromPath": "/out/1", "toPlanId": plans["p4"], "toPath": "/in/1"} in (
        downstream["edges"])


def test_graphs_render_to_svg_and_png(knit: Knit, tmp_path: Path) -> None:
    data = push(knit, tmp_path, "kind:drawn")
    knit("data", "lineage", "--format", "svg", "-o", str(tmp_path / "lineage.svg"), data)
    svg = (tmp_path / "lineage.svg").read_text()
    assert "<svg" in svg and data.replace("-", "&#45;") in svg
    knit("data", "lineage", "--format", "png", "-o", str(tmp_path / "lineage.png"), data)
    assert (tmp_path / "lineage.png").read_bytes().startswith(b"\x89PNG")


def test_clear_errors(knit: Knit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "--numbers must be a positive integer or 'all'" in knit("data", "lineage", "-n", "0", "x", expect=2).stderr
    missing = knit("data", "lineage", "no-such-data", expect=1).stderr
    assert "data not found: no-such-data" in missing
    assert "planId:nope is not found" in knit("plan", "graph", "nope", expect=1).stderr
    assert "should be one of" in knit("data", "lineage", "-s", "broken", "x", expect=1).stderr
    data = push(knit, tmp_path, "kind:plain")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    no_graphviz = knit("data", "lineage", "--format", "svg", "-o", str(tmp_path / "x.svg"), data, expect=1).stderr
    assert "needs graphviz" in no_graphviz and "apt-get install graphviz" in no_graphviz
    assert not (tmp_path / "x.svg").exists()


def test_graphql_answers_in_one_request(client: TestClient, knit: Knit, tmp_path: Path) -> None:
    data = push(knit, tmp_path, "kind:api")
    answer = graphql(client, """query($id: ID!) { lineage(knitId: $id, depth: null) {
        start truncated data { knitId isStart timestamp } runs { step run { status plan { name } } }
        dot(timezone: "+09:00") } }""", id=data)["data"]["lineage"]
    assert answer["start"] == data and answer["truncated"] is False
    assert answer["runs"] == [{"step": -1, "run": {"status": "done", "plan": {"name": "knit#uploaded"}}}]
    assert "+09:00" in answer["dot"]
    bad_zone = graphql(client, """query($id: ID!) { lineage(knitId: $id) { dot(timezone: "Mars/Olympus") } }""",
                       id=data)["errors"][0]
    assert "'Mars/Olympus' is not a time zone" in bad_zone["extensions"]["reason"]


def test_plans_of_one_image_are_told_apart_by_name(knit: Knit, tmp_path: Path) -> None:
    first = apply(knit, tmp_path, "shared", {"/in/1": "kind:a"}, {"/out/1": "kind:b"})
    knit("plan", "annotate", "--add", "name=prepare", first)
    second = tmp_path / "second.yaml"
    second.write_text(yaml.safe_dump({
        "image": "shared:v1", "entrypoint": ["sh", "-c", "true"], "annotations": ["name=train"],
        "inputs": [{"path": "/in/1", "tags": ["kind:b"]}], "outputs": [{"path": "/out/1", "tags": ["kind:c"]}],
    }))
    knit("plan", "apply", str(second))
    dot = knit("plan", "graph", first).stdout
    assert "<B>prepare</B><BR/>image = shared:v1" in dot and "<B>train</B><BR/>image = shared:v1" in dot


def test_huge_depths_answer_at_once_and_deep_walks_are_cut_by_step(
    knit: Knit, branching: dict[str, str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = branching
    plans = json.loads(ids["plans"])
    # A bound in the billions once made Neo4j's planner fail or never finish (found by the fuzzer).
    assert nodes(lineage(knit, ids["d"], "-u", "-n", str(2**31 - 1))) == nodes(lineage(knit, ids["d"], "-u", "-n", "all"))
    huge = json.loads(knit("plan", "graph", "--format", "json", "-n", str(2**31 - 1), plans["p2"]).stdout)
    assert len(huge["plans"]) == 3
    # Past the literal limit the walk is unbounded and cut by step: the same answers as a bound.
    expected = {n: nodes(lineage(knit, ids["d"], "-u", "-n", n)) for n in ("1", "2")}
    monkeypatch.setattr(lineage_module, "LITERAL_DEPTH_LIMIT", 0)
    for n, found in expected.items():
        assert nodes(lineage(knit, ids["d"], "-u", "-n", n)) == found
    one_hop = json.loads(knit("plan", "graph", "--format", "json", "-u", "-n", "1", plans["p3"]).stdout)
    assert {p["planId"] for p in one_hop["plans"]} == {plans["p3"], plans["p2"]}
