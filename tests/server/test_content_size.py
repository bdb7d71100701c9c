"""How big a Data is: pushed Data and Runs' outputs (log included) record the bytes of their files."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from starlette.testclient import TestClient

from ..conftest import Knit, graphql

SIZE = "query($knitId: ID!) { data(knitId: $knitId) { contentSize } }"


def test_pushed_data_and_outputs_know_their_size(client: TestClient, knit: Knit, tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump({
        "annotations": ["knitgraph.io/executor=process"], "image": "sized:v1",
        "entrypoint": ["sh", "-c", "head -c 3000 /dev/zero > /out/1/zeros; mkdir /out/1/sub; echo hi > /out/1/sub/x; echo logged"],
        "inputs": [{"path": "/in/1", "tags": ["case:size"]}], "outputs": [{"path": "/out/1", "tags": ["made:size"]}],
        "log": {"tags": ["log:size"]},
    }))
    plan_id = json.loads(knit("plan", "apply", str(plan)).stdout)["planId"]
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a").write_text("12345")
    (tmp_path / "d" / "b").write_text("123")
    pushed = json.loads(knit("data", "push", "-t", "case:size", str(tmp_path / "d")).stdout)["knitId"]
    assert graphql(client, SIZE, knitId=pushed)["data"]["data"]["contentSize"] == 8
    run = knit.only_run(plan_id)
    assert graphql(client, SIZE, knitId=run["outputs"][0]["knitId"])["data"]["data"]["contentSize"] == 3003
    assert graphql(client, SIZE, knitId=run["log"]["knitId"])["data"]["data"]["contentSize"] == len("logged\n")
