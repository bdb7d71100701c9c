"""examples/first-knitfab/run.sh end to end: Knitfab's getting-started tutorials 1 to 3."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest


@pytest.mark.e2e
def test_first_knitfab_with_the_process_executor(run_example: Any) -> None:
    example = run_example("first-knitfab/run.sh")
    work = example.work
    train_plan = json.loads((work / "train-plan.json").read_text())["planId"]
    validation_plan = json.loads((work / "validation-plan.json").read_text())["planId"]
    train_data = json.loads((work / "pushed-train.json").read_text())["knitId"]
    test_data = json.loads((work / "pushed-test.json").read_text())["knitId"]

    (train,) = example.knit("run", "find", "-p", train_plan)
    assert train["status"] == "done" and train["exit"]["code"] == 0 and train["executor"] == "process"
    assert [(i["path"], i["knitId"]) for i in train["inputs"]] == [("/in/dataset", train_data)]
    model = train["outputs"][0]["knitId"]
    assert (work / "knitfab/out/model" / model / "model.npz").is_file()
    assert "description:2 layer CNN + 2 layer Affine" in example.knit("data", "show", model)["tags"]

    (validation,) = example.knit("run", "find", "-p", validation_plan)
    assert validation["status"] == "done" and validation["executor"] == "process"
    assert {i["path"]: i["knitId"] for i in validation["inputs"]} == {"/in/dataset": test_data, "/in/model": model}
    log = (work / "validation.log").read_text()
    accuracy = float(re.search(r"^Accuracy: ([0-9.]+)$", log, re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert accuracy >= 0.9, log  # 0.963 on the 297 test digits (seeded)

    lineage = example.knit("data", "lineage", "-n", "all", "--format", "json", model)
    assert {(e["knitId"], e["runId"], e["kind"]) for e in lineage["edges"]} >= {
        (train_data, train["runId"], "INPUT"), (model, train["runId"], "OUTPUT"),
        (model, validation["runId"], "INPUT"), (test_data, validation["runId"], "INPUT"),
        (validation["log"]["knitId"], validation["runId"], "LOG"),
    }
    graph = example.knit("plan", "graph", "-n", "all", "--format", "json", train_plan)
    assert [(e["fromPlanId"], e["fromPath"], e["toPlanId"], e["toPath"]) for e in graph["edges"]] == [
        (train_plan, "/out/model", validation_plan, "/in/model")]
    for name in ("lineage-graph", "plan-graph"):
        assert "<svg" in (work / f"{name}.svg").read_text()
        assert "digraph" in (work / f"{name}.dot").read_text()
    assert f"lineage graph: {work}/lineage-graph.svg" in example.output
