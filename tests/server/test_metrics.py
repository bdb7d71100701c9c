"""Metrics along lineage: a finished Run's metrics.json is recorded on its output Data."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

from knitgraph.server.services.metrics import parse_metrics

from ..conftest import Knit

SCRIPTS = Path(__file__).resolve().parents[1] / "runs_scripts"


def test_both_metrics_shapes_are_read_and_everything_else_is_left_out() -> None:
    assert parse_metrics(b'{"accuracy": 0.9, "steps": 300}') == {"accuracy": 0.9, "steps": 300.0}
    kfp = b'{"metrics": [{"name": "auc", "numberValue": 0.8}, {"name": "x"}, {"numberValue": 1}]}'
    assert parse_metrics(kfp) == {"auc": 0.8}
    assert parse_metrics(b'{"a": "0.9", "b": true, "c": null, "d": [1], "e": Infinity}') == {}
    for garbage in (b"", b"[1, 2]", b"\xff\xfe", b"{not json"):
        assert parse_metrics(garbage) == {}
    many = json.dumps({f"m{i}": i for i in range(500)}).encode()
    assert len(parse_metrics(many)) == 200


def test_a_runs_metrics_are_on_its_outputs_in_show_and_lineage(knit: Knit, tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump({
        "image": "metrics:v1", "entrypoint": [sys.executable, str(SCRIPTS / "write_metrics.py")],
        "inputs": [{"path": "/in/data", "tags": ["project:metrics"]}],
        "outputs": [{"path": f"/out/{name}", "tags": [f"kind:{name}"]} for name in ("flat", "kfp", "linked")],
    }))
    plan_id = json.loads(knit("plan", "apply", str(plan)).stdout)["planId"]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.txt").write_text("x")
    pushed = json.loads(knit("data", "push", "-t", "project:metrics", str(tmp_path / "data")).stdout)
    run = knit.only_run(plan_id)
    assert run["status"] == "done"
    assert run["metrics"] == [{"name": "accuracy", "value": 0.93}, {"name": "loss", "value": 0.21},
                              {"name": "roc-auc", "value": 0.88}, {"name": "accuracy-score", "value": 0.91}]

    by_path = {o["path"]: o["knitId"] for o in run["outputs"]}
    flat = json.loads(knit("data", "show", by_path["/out/flat"]).stdout)
    assert flat["metrics"] == [{"name": "accuracy", "value": 0.93}, {"name": "loss", "value": 0.21}]
    linked = json.loads(knit("data", "show", by_path["/out/linked"]).stdout)
    assert "metrics" not in linked  # a symlink may point anywhere: it is not read

    lineage = json.loads(knit("data", "lineage", "--format", "json", pushed["knitId"]).stdout)
    kfp = next(d for d in lineage["data"] if d["knitId"] == by_path["/out/kfp"])
    assert kfp["metrics"] == [{"name": "roc-auc", "value": 0.88}, {"name": "accuracy-score", "value": 0.91}]
    dot = knit("data", "lineage", pushed["knitId"]).stdout
    assert "<B>roc-auc</B> = 0.88" in dot and "<B>accuracy</B> = 0.93" in dot and "secret" not in dot
