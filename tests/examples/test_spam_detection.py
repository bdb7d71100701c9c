"""examples/spam-detection/run.sh end to end: steps 4 to 8 of Knitfab's spam detection example."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import Example


def inputs_of(run: dict[str, Any]) -> dict[str, str]:
    return {mountpoint["path"]: mountpoint["knitId"] for mountpoint in run["inputs"]}


def check_spam_detection(example: Example, executor: str) -> None:
    work = example.work
    summary = json.loads((work / "summary.json").read_text())
    runs, plans, datasets = summary["runs"], summary["plans"], summary["datasets"]
    assert summary["executor"] == executor

    # The Runs and their statuses: four, all done, by the expected executor.
    for name in ("initial_train", "validate", "incremental_train", "updated_validate"):
        assert runs[name]["status"] == "done", name
        assert runs[name]["exit"] == {"code": 0, "message": ""}, name
        assert runs[name]["executor"] == executor, name

    # The lineage, as the Runs recorded it.
    initial_model = runs["initial_train"]["outputs"][0]["knitId"]
    updated_model = runs["incremental_train"]["outputs"][0]["knitId"]
    assert inputs_of(runs["initial_train"]) == {"/in/dataset": datasets["initial"]}
    assert inputs_of(runs["validate"]) == {"/in/dataset": datasets["validate"], "/in/model": initial_model}
    assert inputs_of(runs["incremental_train"]) == {"/in/dataset": datasets["incremental"], "/in/model": initial_model}
    assert inputs_of(runs["updated_validate"]) == {"/in/dataset": datasets["validate"], "/in/model": updated_model}

    # Step 6: the plan without mode:incremental-train on /in/model was refused as a cycle.
    assert "plan's tag dependency makes cycle" in summary["cycle_error"]

    # Step 7.2: the lineage graph of the initial model holds every step, the tag removed again.
    lineage = json.loads((work / "graphs/lineage_graphs/spam-detection-initial-train-lineage-graph.json").read_text())
    edges = {(e["knitId"], e["runId"], e["kind"], e["path"]) for e in lineage["edges"]}
    run_id = {name: run["runId"] for name, run in runs.items()}
    assert {
        (datasets["initial"], run_id["initial_train"], "INPUT", "/in/dataset"),
        (initial_model, run_id["initial_train"], "OUTPUT", "/out/model"),
        (initial_model, run_id["validate"], "INPUT", "/in/model"),
        (initial_model, run_id["incremental_train"], "INPUT", "/in/model"),
        (datasets["incremental"], run_id["incremental_train"], "INPUT", "/in/dataset"),
        (updated_model, run_id["incremental_train"], "OUTPUT", "/out/model"),
        (updated_model, run_id["updated_validate"], "INPUT", "/in/model"),
        (runs["validate"]["outputs"][0]["knitId"], run_id["validate"], "OUTPUT", "/out/metrics"),
        (runs["updated_validate"]["outputs"][0]["knitId"], run_id["updated_validate"], "OUTPUT", "/out/metrics"),
    } <= edges
    start = next(d for d in lineage["data"] if d["knitId"] == initial_model)
    assert "mode:incremental-train" not in start["tags"]

    # Step 7.1: validation is downstream of both trainings; the two trainings are not linked.
    graph = json.loads((work / "graphs/plan_graphs/spam-detection-validate-plan-graph.json").read_text())
    plan_id = {name: plan["planId"] for name, plan in plans.items()}
    assert {(e["fromPlanId"], e["fromPath"], e["toPlanId"], e["toPath"]) for e in graph["edges"]} == {
        (plan_id["initial_train"], "/out/model", plan_id["validate"], "/in/model"),
        (plan_id["incremental_train"], "/out/model", plan_id["validate"], "/in/model"),
    }
    for svg in (Path(summary["graphs"]["plan"]), Path(summary["graphs"]["lineage"])):
        text = html.unescape(svg.read_text())  # graphviz writes "-" as &#45;
        assert text.lstrip().startswith("<?xml") and "<svg" in text and "spam-detection-validate:v1.0" in text

    # The metrics files, pulled as step 5.9 says, and the two models side by side at the end.
    initial = json.loads((work / "out/metric" / runs["validate"]["outputs"][0]["knitId"] / "metrics.json").read_text())
    updated = json.loads((work / "out/metric" / runs["updated_validate"]["outputs"][0]["knitId"] / "metrics.json").read_text())
    for metrics in (initial, updated):
        assert {"accuracy", "precision", "recall", "f1"} <= metrics.keys() and metrics["messages"] == 1000
    assert initial["model"]["messages_seen"] == 500 and updated["model"]["messages_seen"] == 3534
    assert initial["accuracy"] >= 0.95 and updated["accuracy"] >= 0.97
    assert updated["f1"] > initial["f1"] + 0.05
    table = example.output[example.output.index("initial model"):]
    assert f"{initial['accuracy']:.4f}" in table and f"{updated['accuracy']:.4f}" in table
    assert f"lineage graph: {summary['graphs']['lineage']}" in example.output

    # Step 8: the Runs removed leaves first (validation, incremental, initial), the plans inactive,
    # then the uploads removed, which deletes the removed Runs downstream of them for good.
    removed = [example.output.index(f"deleted Run Id:{run_id[name]}")
               for name in ("updated_validate", "validate", "incremental_train", "initial_train")]
    assert removed == sorted(removed)
    for name, plan in plan_id.items():
        assert example.knit("plan", "show", plan)["active"] is False, name
        assert example.knit("run", "find", "-p", plan) == [], name
    assert example.knit("data", "find", "-t", "project:spam-detection") == []


@pytest.mark.e2e
def test_spam_detection_with_the_process_executor(run_example: Any) -> None:
    check_spam_detection(run_example("spam-detection/run.sh"), "process")


@pytest.mark.e2e
def test_spam_detection_with_the_docker_executor(run_example: Any, example_images: str) -> None:
    check_spam_detection(run_example("spam-detection/run.sh", EXECUTOR="docker", DOCKER_HOST=example_images), "docker")
