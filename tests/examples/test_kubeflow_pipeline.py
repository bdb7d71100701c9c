"""examples/kubeflow-pipeline/run.sh end to end: seed 004's pipeline in Python, two parameter sets in
one experiment, compared, the best analysis read, its model served and asked for predictions, the
lineage drawn."""

from __future__ import annotations

import csv
import html
import io
import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import Example

STEPS = ["analyse-1", "analyse-2", "preprocess-1", "preprocess-2", "train-1", "train-2"]


def check_kubeflow_pipeline(example: Example, executor: str) -> None:
    work = example.work
    summary = json.loads((work / "summary.json").read_text())
    assert summary["executor"] == executor
    runs = summary["runs"]
    assert [r["status"] for r in runs] == ["done", "done"]
    for found in runs:
        assert sorted(r["step"] for r in found["runs"]) == STEPS
        for step_run in found["runs"]:
            run = example.knit("run", "show", step_run["run"]["runId"])
            assert run["executor"] == executor and run["exit"] == {"code": 0, "message": ""}
    params = [{p["name"]: p["value"] for p in found["parameters"]} for found in runs]
    assert [(p["train_steps"], p["learning_rate"]) for p in params] == [("150", "0.1"), ("600", "0.5")]

    # The compare table has one row per pipeline run, with both branches' metrics.
    rows = list(csv.DictReader(io.StringIO((work / "compare.csv").read_text())))
    assert [r["pipeline run"] for r in rows] == [found["knitId"] for found in runs]
    for row in rows:
        for branch in ("1", "2"):
            assert 0.8 < float(row[f"analyse-{branch}.accuracy"]) <= 1 and 0.8 < float(row[f"analyse-{branch}.auc"]) <= 1
    # More steps at a higher rate train a better model, on both branches.
    for branch in ("1", "2"):
        assert float(rows[1][f"train-{branch}.train_loss"]) < float(rows[0][f"train-{branch}.train_loss"])

    # The best analysis was pulled and printed by slice; its lineage reaches the trips and the parameters.
    analysis = summary["best_analysis"]
    sliced = json.loads((work / "out/analysis" / analysis / "analysis.json").read_text())
    assert set(sliced["by_pickup_hour"]) == {"00-05h", "06-11h", "12-17h", "18-23h"}
    assert f"overall         {sliced['overall']['accuracy']:.4f}" in example.output
    lineage = json.loads((work / "graphs/analysis-lineage.json").read_text())
    reached = {d["knitId"] for d in lineage["data"]}
    assert summary["trips"] in reached
    assert len({found["knitId"] for found in runs} & reached) == 1  # one pipeline run's parameters, not both
    drawn = json.loads((work / "graphs/taxi-pipeline.json").read_text())
    assert len(drawn["plans"]) == 6 and len(drawn["edges"]) == 6
    svg = html.unescape(Path(summary["graphs"]["lineage"]).read_text())
    assert "taxi / analyse-" in svg and "auc" in svg
    assert "6 steps compiled into taxi-plans.yaml" in example.output
    assert "taxi: 6 steps, 0 registered or changed" in example.output  # the second apply
    assert "/experiments/taxi-tips" in example.output

    # The best model, tagged deploy:taxi-tips, is served: two trips scored through /serve/taxi-tips/.
    served = summary["served"]
    predictions = served["predictions"]
    assert len(predictions) == 2 and all(0 < p < 1 for p in predictions)
    assert f"x-knitgraph-run: {served['run']}" in example.output.lower()
    serving_run = example.knit("run", "show", served["run"])
    assert serving_run["status"] == "running" and serving_run["executor"] == executor
    assert [i["knitId"] for i in serving_run["inputs"]] == [served["model"]]
    (service,) = example.knit("service", "list", "--json", "taxi-tips")
    assert service["serving"]["runId"] == served["run"] and service["requestsNow"] == 1
    downstream = example.knit("data", "lineage", "-d", "-n", "1", "--format", "json", served["model"])
    assert served["run"] in {r["run"]["runId"] for r in downstream["runs"]}  # lineage reaches the deployment


@pytest.mark.e2e
def test_kubeflow_pipeline_with_the_process_executor(run_example: Any) -> None:
    check_kubeflow_pipeline(run_example("kubeflow-pipeline/run.sh"), "process")


@pytest.mark.e2e
def test_kubeflow_pipeline_with_the_docker_executor(run_example: Any, example_images: str) -> None:
    check_kubeflow_pipeline(run_example("kubeflow-pipeline/run.sh", EXECUTOR="docker", DOCKER_HOST=example_images),
                            "docker")
