"""knit pipeline apply/run, experiments and metrics against a real server with real Runs: seed 004's
pipeline (examples/kubeflow-pipeline) on its generated taxi trips."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ..conftest import Knit
from .conftest import EXAMPLE

STEPS = {"preprocess-1", "train-1", "analyse-1", "preprocess-2", "train-2", "analyse-2"}


@pytest.fixture
def trips(knit: Knit, tmp_path: Path) -> str:
    subprocess.run([sys.executable, str(EXAMPLE / "prepare_data.py"), str(tmp_path / "trips")], check=True,
                   capture_output=True)
    pushed = json.loads(knit("data", "push", "-t", "project:kfp-taxi", "-t", "type:taxi-trips",
                             str(tmp_path / "trips")).stdout)
    return str(pushed["knitId"])


def applied(knit: Knit, *args: str) -> tuple[str, str]:
    result = knit("pipeline", "apply", *args, str(EXAMPLE / "pipeline.py"))
    return result.stdout, result.stderr


def plan_ids(knit: Knit) -> dict[str, str]:
    shown = json.loads(knit("pipeline", "show", "taxi").stdout)
    return {step["step"]: step["planId"] for step in shown["steps"]}


def run_pipeline(knit: Knit, *args: str) -> dict[str, Any]:
    return dict(json.loads(knit("pipeline", "run", "taxi", "--wait", *args).stdout))


def test_apply_prints_the_plans_and_is_idempotent(knit: Knit) -> None:
    out, err = applied(knit, "--dry-run")
    assert out.count("\n# step ") == 6 and "registers nothing" in err
    assert json.loads(knit("plan", "find", "-o", "pipeline:taxi").stdout) == []

    out, err = applied(knit)
    assert "image: localhost/kfp-taxi:v1.0" in out
    first = plan_ids(knit)
    assert set(first) == STEPS
    assert err.count(": new Plan ") == 6

    _, err = applied(knit)
    assert plan_ids(knit) == first
    assert err.count(": unchanged, Plan ") == 6 and "0 registered or changed" in err
    assert len(json.loads(knit("plan", "find", "-o", "pipeline:taxi").stdout)) == 6
    steps = json.loads(knit("plan", "find", "-a", "knitgraph.io/pipeline=taxi", "-a",
                            "knitgraph.io/pipeline-step=train-2").stdout)
    assert [p["planId"] for p in steps] == [first["train-2"]]

    drawn = json.loads(knit("pipeline", "graph", "--format", "json", "taxi").stdout)
    assert {p["planId"] for p in drawn["plans"]} == set(first.values())
    assert {(e["fromPath"], e["toPath"]) for e in drawn["edges"]} == {
        ("/out/train", "/in/features"), ("/out/model", "/in/model"), ("/out/eval", "/in/eval")}
    assert len(drawn["edges"]) == 6
    assert "taxi / analyse-2" in knit("pipeline", "graph", "taxi").stdout

    shown = json.loads(knit("pipeline", "show", "taxi").stdout)
    assert shown["parameters"] == {"learning_rate": 0.2, "max_rows": 0, "preprocess_mode": "local",
                                   "tfma_mode": "local", "train_steps": 300}


def test_a_changed_step_gets_a_new_plan_and_the_old_one_is_deactivated(knit: Knit, tmp_path: Path) -> None:
    applied(knit)
    before = plan_ids(knit)
    changed = tmp_path / "pipeline.py"
    source = (EXAMPLE / "pipeline.py").read_text().replace("__file__", repr(str(EXAMPLE / "pipeline.py")))
    changed.write_text(source.replace('"train.py", "--features"', '"train.py", "--verbose", "--features"'))
    err = knit("pipeline", "apply", str(changed)).stderr
    after = plan_ids(knit)
    assert {s for s in STEPS if after[s] != before[s]} == {"train-1", "train-2"}
    assert f"older Plan {before['train-1']} deactivated" in err
    old = json.loads(knit("plan", "show", before["train-1"]).stdout)
    assert old["active"] is False
    every = json.loads(knit("pipeline", "show", "--all", "taxi").stdout)["steps"]
    assert len(every) == 8


def test_a_sweep_makes_one_pipeline_run_per_parameter_set(knit: Knit, trips: str) -> None:
    applied(knit)
    first = run_pipeline(knit, "-e", "sweep", "-p", "train_steps=200")
    second = run_pipeline(knit, "-e", "sweep", "-p", "train_steps=600", "-p", "learning_rate=0.5")
    for found in (first, second):
        assert found["status"] == "done" and found["steps"] == 6
        assert sorted(r["step"] for r in found["runs"]) == sorted(STEPS)  # 6 Runs each, not a cross product
        assert {m["name"] for m in found["metrics"]} >= {"analyse-1.accuracy", "analyse-2.auc", "train-1.train_loss"}
    assert {p["name"]: p["value"] for p in second["parameters"]}["train_steps"] == "600"
    assert len(json.loads(knit("run", "find").stdout)) == 12 + 3  # and the uploads: trips, two parameter sets

    # Every analyse Run read the model and the evaluation split of its own pipeline run.
    for found in (first, second):
        own = {r["run"]["runId"] for r in found["runs"]}
        for step_run in found["runs"]:
            if step_run["step"].startswith("analyse"):
                run = json.loads(knit("run", "show", step_run["run"]["runId"]).stdout)
                producers = {json.loads(knit("data", "show", i["knitId"]).stdout)["upstream"]["run"]["runId"]
                             for i in run["inputs"] if i["path"] != "/in/parameters"}
                assert producers <= own

    # The compare view: a column per pipeline run, a row per parameter and metric.
    table = {line.split()[0] if not line.startswith("pipeline run") else "run": line.split()[-2:]
             for line in knit("experiment", "show", "sweep").stdout.splitlines() if len(line.split()) >= 3}
    assert table["run"] == [first["knitId"][:8], second["knitId"][:8]]
    assert table["status"] == ["done", "done"] and table["train_steps"] == ["200", "600"]
    assert table["analyse-1.accuracy"] == [f"{m['value']:.4g}" for found in (first, second)
                                           for m in found["metrics"] if m["name"] == "analyse-1.accuracy"]

    rows = list(csv.DictReader(io.StringIO(knit("metrics", "compare", "-e", "sweep", "--format", "csv").stdout)))
    assert [(r["pipeline run"], r["train_steps"], r["learning_rate"]) for r in rows] == [
        (first["knitId"], "200", "0.2"), (second["knitId"], "600", "0.5")]
    for row, found in zip(rows, (first, second), strict=True):
        metrics = {m["name"]: m["value"] for m in found["metrics"]}
        assert float(row["analyse-2.accuracy"]) == metrics["analyse-2.accuracy"] > 0.6

    as_json = json.loads(knit("metrics", "compare", "-p", "taxi", "--format", "json").stdout)
    assert [r["knitId"] for r in as_json] == [first["knitId"], second["knitId"]]


def test_unknown_or_bad_parameters_are_refused_with_the_known_ones(knit: Knit) -> None:
    applied(knit)
    result = knit("pipeline", "run", "taxi", "-p", "epochs=3", expect=1)
    assert "pipeline 'taxi' has no parameter 'epochs' (its parameters: learning_rate, max_rows, " \
           "preprocess_mode, tfma_mode, train_steps)" in result.stderr
    assert "is not a whole number" in knit("pipeline", "run", "taxi", "-p", "train_steps=many", expect=1).stderr
    assert "no pipeline named 'nope' is applied" in knit("pipeline", "run", "nope", expect=1).stderr
    assert json.loads(knit("data", "find", "-t", "pipeline:taxi").stdout) == []  # nothing was pushed


def test_a_failing_step_fails_the_pipeline_run(knit: Knit, trips: str) -> None:
    applied(knit)
    result = knit("pipeline", "run", "taxi", "--wait", "-e", "broken", "-p", "preprocess_mode=cloud", expect=1)
    assert "ended failed" in result.stderr
    found = json.loads(result.stdout)
    assert found["status"] == "failed"
    assert {r["run"]["status"] for r in found["runs"]} == {"failed"}


def test_a_pipeline_run_without_its_input_data_says_which_steps_never_ran(knit: Knit) -> None:
    applied(knit)  # no trips pushed
    result = knit("pipeline", "run", "taxi", "--wait", "-e", "no-trips", expect=1)
    assert "ended incomplete: no Run of preprocess-1, preprocess-2 (nor of the 4 steps after them)" in result.stderr
    assert "see which input has none: knit plan show " in result.stderr
