"""knit plan explain: whether a Data is an input of a Plan, and why no Run came of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from ..conftest import Knit


def apply(knit: Knit, tmp_path: Path, name: str, **plan: Any) -> str:
    file = tmp_path / f"{name}.yaml"
    file.write_text(yaml.safe_dump({"image": f"{name}:v1", "entrypoint": ["true"], **plan}))
    return str(json.loads(knit("plan", "apply", str(file)).stdout)["planId"])


def push(knit: Knit, tmp_path: Path, name: str, *tags: str) -> str:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "x").write_text(name)
    return str(json.loads(knit("data", "push", *(a for t in tags for a in ("-t", t)), str(folder)).stdout)["knitId"])


def explained(knit: Knit, plan_id: str, knit_id: str) -> dict[str, Any]:
    return dict(json.loads(knit("plan", "explain", "--format", "json", plan_id, knit_id).stdout))


def test_a_data_missing_tags_is_told_which(knit: Knit, tmp_path: Path) -> None:
    plan = apply(knit, tmp_path, "train", active=False, inputs=[
        {"path": "/in/data", "tags": ["type:dataset", "project:x"]}, {"path": "/in/config", "tags": ["type:config"]}])
    lacking = push(knit, tmp_path, "lacking", "type:dataset")
    found = explained(knit, plan, lacking)
    assert found["summary"] == f"knit#id:{lacking} is not an input of plan {plan}: it matches none of its inputs" \
        "; the plan is inactive: its Runs wait (deactivated) until `knit plan active yes`"
    by_path = {i["path"]: i for i in found["inputs"]}
    assert by_path["/in/data"]["missingTags"] == ["project:x"]
    assert by_path["/in/data"]["reasons"] == ["it lacks the tag project:x"]
    assert by_path["/in/config"]["reasons"] == ["it lacks the tag type:config"]

    text = knit("plan", "explain", plan, lacking).stdout
    assert "  /in/data: no: it lacks the tag project:x\n      requires project:x, type:dataset" in text

    matching = push(knit, tmp_path, "matching", "type:dataset", "project:x")
    found = explained(knit, plan, matching)
    assert found["summary"].startswith(f"knit#id:{matching} is an input of plan {plan} at /in/data, but no Run "
                                       "reads it: no Data matches the input /in/config yet")

    push(knit, tmp_path, "config", "type:config")
    found = explained(knit, plan, matching)
    (run,) = found["runs"]
    assert run["status"] == "deactivated"
    assert f"it ran as Run {run['runId']} (deactivated)" in found["summary"]


def test_pins_and_same_origin_are_explained(knit: Knit, tmp_path: Path) -> None:
    origin_a = push(knit, tmp_path, "a", "origin:x", "part:1", "part:2")
    origin_b = push(knit, tmp_path, "b", "origin:x", "part:2")
    pinned = apply(knit, tmp_path, "pinned", inputs=[{"path": "/in/1", "tags": ["part:1", f"knit#id:{origin_b}"]}])
    found = explained(knit, pinned, origin_a)
    assert found["inputs"][0]["reasons"] == [f"the input is pinned to knit#id:{origin_b}"]

    # Both Data match both inputs, but each descends only from itself: same-origin pairs them with themselves.
    joined = apply(knit, tmp_path, "joined", annotations=["knitgraph.io/same-origin=origin:x"],
                   inputs=[{"path": "/in/1", "tags": ["part:2"]}, {"path": "/in/2", "tags": ["origin:x"]}])
    runs = json.loads(knit("run", "find", "-p", joined).stdout)
    assert sorted(tuple(sorted(i["knitId"] for i in r["inputs"])) for r in runs) == sorted(
        [(origin_a, origin_a), (origin_b, origin_b)])
    found = explained(knit, joined, origin_a)
    assert len(found["runs"]) == 1 and found["summary"].count("ran as Run") == 1

    alone = apply(knit, tmp_path, "alone", annotations=["knitgraph.io/same-origin=origin:x"],
                  inputs=[{"path": "/in/1", "tags": ["part:1"]}, {"path": "/in/2", "tags": ["origin:x", "part:2"]}])
    found = explained(knit, alone, origin_a)
    assert len(found["runs"]) == 1  # (a, a): b is of another origin
    assert "no Data of the other inputs descends from the same origin:x Data as this one" in knit(
        "plan", "explain", alone, origin_b).stdout


def test_unknown_plan_or_data_is_a_clear_error(knit: Knit, tmp_path: Path) -> None:
    plan = apply(knit, tmp_path, "p", inputs=[{"path": "/in/1", "tags": ["a:b"]}])
    assert "planId:nope is not found" in knit("plan", "explain", "nope", "x", expect=1).stderr
    assert "data knit#id:nope is not found" in knit("plan", "explain", plan, "nope", expect=1).stderr
