"""A Run's timings, as a console shows them: taken (ready), started, finished; a retry clears them."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from starlette.testclient import TestClient

from ..conftest import Knit, graphql

TIMINGS = "query($runId: ID!) { run(runId: $runId) { status readyAt startedAt finishedAt executor } }"


def test_taken_started_and_finished_in_order_and_cleared_by_a_retry(client: TestClient, knit: Knit, tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump({
        "annotations": ["knitgraph.io/executor=process"], "image": "timed:v1",
        "entrypoint": ["sh", "-c", "sleep 0.3"], "inputs": [{"path": "/in/1", "tags": ["case:timings"]}],
    }))
    plan_id = json.loads(knit("plan", "apply", str(plan)).stdout)["planId"]
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_text("x")
    knit("data", "push", "-t", "case:timings", str(tmp_path / "d"))
    run = knit.only_run(plan_id)
    timed = graphql(client, TIMINGS, runId=run["runId"])["data"]["run"]
    assert timed["status"] == "done" and timed["executor"] == "process"
    assert timed["readyAt"] <= timed["startedAt"] < timed["finishedAt"], timed  # RFC 3339 in one zone: sortable

    knit("plan", "active", "no", plan_id)
    knit("run", "retry", run["runId"])
    retried = graphql(client, TIMINGS, runId=run["runId"])["data"]["run"]
    assert retried == {"status": "deactivated", "readyAt": None, "startedAt": None, "finishedAt": None, "executor": None}
