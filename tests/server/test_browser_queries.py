"""Every query of docs/exploring-in-neo4j-browser.md runs on a real Neo4j and gives the documented answer."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from neo4j import AsyncManagedTransaction

from knitgraph.graph_schema.driver import Graph
from knitgraph.server.settings import Settings

from ..conftest import Knit, run_on_graph

DOCS = Path(__file__).resolve().parents[2] / "docs"
BLOCK = re.compile(r"```cypher\n// (.+?)\n(.*?)```", re.DOTALL)
QUERIES = {title: text for title, text in BLOCK.findall((DOCS / "exploring-in-neo4j-browser.md").read_text())}


def ask_raw(settings: Settings, query: str, **params: Any) -> list[dict[str, Any]]:
    async def read(tx: AsyncManagedTransaction) -> list[dict[str, Any]]:
        return [row.data() async for row in await tx.run(query, **params)]  # type: ignore[arg-type]

    async def work(graph: Graph) -> list[dict[str, Any]]:
        return await graph.read(read)

    return run_on_graph(settings, work)


def ask(settings: Settings, title: str, **params: Any) -> list[dict[str, Any]]:
    return ask_raw(settings, QUERIES[title], **params)


def apply(knit: Knit, tmp_path: Path, name: str, command: str, inputs: dict[str, list[str]],
          outputs: dict[str, list[str]]) -> str:
    spec = {"image": f"{name}:v1", "entrypoint": ["sh", "-c", command],
            "inputs": [{"path": p, "tags": t} for p, t in inputs.items()],
            "outputs": [{"path": p, "tags": t} for p, t in outputs.items()]}
    (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(spec))
    return str(json.loads(knit("plan", "apply", str(tmp_path / f"{name}.yaml")).stdout)["planId"])


@pytest.fixture
def pipeline(knit: Knit, tmp_path: Path) -> dict[str, Any]:
    """dataset -> train -> model; dataset + model -> validate -> metrics; model -> broken (fails)."""
    dataset_tags = ["type:dataset", "project:docs"]
    model_tags = ["type:model", "project:docs"]
    ids: dict[str, Any] = {}
    ids["train_plan"] = apply(knit, tmp_path, "train", "echo w > /out/model/weights",
                              {"/in/dataset": dataset_tags}, {"/out/model": model_tags})
    ids["validate_plan"] = apply(knit, tmp_path, "validate", "echo 0.9 > /out/metrics/accuracy",
                                 {"/in/dataset": dataset_tags, "/in/model": model_tags},
                                 {"/out/metrics": ["type:metrics", "project:docs"]})
    ids["broken_plan"] = apply(knit, tmp_path, "broken", "exit 4", {"/in/model": model_tags},
                               {"/out/report": ["type:report", "project:docs"]})
    (tmp_path / "dataset").mkdir()
    (tmp_path / "dataset" / "rows.csv").write_text("1,2\n")
    args = [a for t in dataset_tags for a in ("-t", t)]
    ids["dataset"] = json.loads(knit("data", "push", *args, str(tmp_path / "dataset")).stdout)["knitId"]
    ids["upload"] = json.loads(knit("data", "show", ids["dataset"]).stdout)["upstream"]["run"]["runId"]
    train = knit.only_run(ids["train_plan"])
    ids["train"], ids["model"] = train["runId"], train["outputs"][0]["knitId"]
    validate = knit.only_run(ids["validate_plan"])
    ids["validate"], ids["metrics"] = validate["runId"], validate["outputs"][0]["knitId"]
    ids["broken"] = knit.only_run(ids["broken_plan"], expect=1)["runId"]
    return ids


def path_nodes(rows: list[dict[str, Any]]) -> set[str]:
    """knitIds and runIds on the returned paths (a path comes back as alternating nodes and relationship types)."""
    found = set()
    for row in rows:
        for item in row["path"]:
            if isinstance(item, dict):
                found.add(item.get("knitId") or item.get("runId") or item.get("planId"))
    return found


def test_every_documented_query_is_tested() -> None:
    assert set(QUERIES) == {
        "where did this come from", "upstream runs as a table", "the uploads it started from", "what did this feed",
        "models made from it", "failed runs downstream", "plans that would react to these tags",
        "one run and its data", "the pipeline", "which output feeds which input", "runs per plan and status",
    }


def test_upstream_questions(clean_graph: Settings, pipeline: dict[str, Any]) -> None:
    ids = pipeline
    assert path_nodes(ask(clean_graph, "where did this come from", knitId=ids["metrics"])) == {
        ids["metrics"], ids["validate"], ids["dataset"], ids["model"], ids["train"]}
    table = ask(clean_graph, "upstream runs as a table", knitId=ids["metrics"])
    assert [(row["steps"], row["run"], row["ran"]) for row in table] == sorted([
        (1, ids["validate"], "validate:v1"), (2, ids["train"], "train:v1"), (2, ids["upload"], "knit#uploaded")])
    assert sorted(table[0]["inputs"]) == sorted([f"/in/dataset = {ids['dataset']}", f"/in/model = {ids['model']}"])
    (upload,) = ask(clean_graph, "the uploads it started from", knitId=ids["metrics"])
    assert upload["upload"] == ids["dataset"] and sorted(upload["tags"]) == ["project:docs", "type:dataset"]


def test_downstream_questions(clean_graph: Settings, pipeline: dict[str, Any]) -> None:
    ids = pipeline
    downstream = path_nodes(ask(clean_graph, "what did this feed", knitId=ids["dataset"]))
    assert {ids["train"], ids["model"], ids["validate"], ids["metrics"], ids["broken"]} <= downstream
    assert ask(clean_graph, "models made from it", knitId=ids["dataset"]) == [
        {"model": ids["model"], "madeBy": ids["train"]}]
    assert ask(clean_graph, "failed runs downstream", knitId=ids["dataset"]) == [
        {"run": ids["broken"], "steps": 2, "ran": "broken:v1", "exitCode": 4, "exitMessage": "exit status 4"}]
    assert ask(clean_graph, "failed runs downstream", knitId=ids["metrics"]) == []


def test_plans_that_would_react(clean_graph: Settings, pipeline: dict[str, Any]) -> None:
    ids = pipeline
    rows = ask(clean_graph, "plans that would react to these tags", tags=["type:dataset", "project:docs", "x:y"])
    assert sorted((r["plan"], r["input"], r["active"]) for r in rows) == sorted([
        (ids["train_plan"], "/in/dataset", True), (ids["validate_plan"], "/in/dataset", True)])
    assert ask(clean_graph, "plans that would react to these tags", tags=["type:dataset"]) == []  # project missing


def test_run_and_pipeline_pictures(clean_graph: Settings, pipeline: dict[str, Any]) -> None:
    ids = pipeline
    rows = ask(clean_graph, "one run and its data", runId=ids["train"])
    assert {row["i"]["knitId"] for row in rows} == {ids["dataset"]}
    assert {row["o"]["knitId"] for row in rows} == {ids["model"]}
    assert path_nodes(ask(clean_graph, "the pipeline")) == {ids["train_plan"], ids["validate_plan"], ids["broken_plan"]}
    assert ask(clean_graph, "which output feeds which input") == [
        {"producer": "train:v1", "output": "/out/model", "consumer": "broken:v1", "input": "/in/model"},
        {"producer": "train:v1", "output": "/out/model", "consumer": "validate:v1", "input": "/in/model"},
    ]
    counts = {(r["plan"], r["status"]): r["runs"] for r in ask(clean_graph, "runs per plan and status")}
    assert counts == {("broken:v1", "failed"): 1, ("knit#uploaded", "done"): 1, ("train:v1", "done"): 1,
                      ("validate:v1", "done"): 1}


def test_style_file_covers_every_label_and_relationship(clean_graph: Settings, pipeline: dict[str, Any]) -> None:
    style = (DOCS / "neo4j-browser-style.grass").read_text()
    labels = {row["label"] for row in ask_raw(clean_graph, "CALL db.labels() YIELD label RETURN label")}
    types = {row["relationshipType"] for row in ask_raw(
        clean_graph, "CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType")}
    assert labels and types
    for label in labels:
        assert f"node.{label} {{" in style, label
    for kind in types:
        assert f"relationship.{kind} {{" in style, kind

