"""Who did what is recorded with the change and shown by `knit data show` and `knit run show`."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from ..conftest import Knit


def test_push_tag_and_stop_are_recorded_with_their_user(knit: Knit, tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x").write_text("x")
    knit_id = json.loads(knit("data", "push", "-t", "a:b", str(tmp_path / "d")).stdout)["knitId"]
    knit("data", "tag", "--add", "c:d", knit_id)
    history = json.loads(knit("data", "show", knit_id).stdout)["history"]
    assert [entry["action"] for entry in history] == ["pushed", "tagged"]
    user = history[0]["by"]
    assert user.startswith("admin-") and all(entry["by"] == user for entry in history)

    plan = tmp_path / "p.yaml"
    plan.write_text(yaml.safe_dump({"image": "never:v1", "entrypoint": ["true"], "active": False,
                                    "inputs": [{"path": "/in/1", "tags": ["a:b"]}]}))
    plan_id = json.loads(knit("plan", "apply", str(plan)).stdout)["planId"]
    (run,) = json.loads(knit("run", "find", "-p", plan_id).stdout)
    assert "history" not in run  # searches keep Knitfab's shape
    knit("run", "stop", "--fail", run["runId"])
    shown = json.loads(knit("run", "show", run["runId"]).stdout)
    assert [(entry["action"], entry["by"]) for entry in shown["history"]] == [("aborted", user)]
