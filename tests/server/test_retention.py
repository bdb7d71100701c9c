"""Retention: `knit data gc [--dry-run]` purges what plans' policies let go, keeps lineage, never
touches what is upstream of a keep:true Data; a purged Data feeds nothing new."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from knitgraph.server.settings import Settings

from ..conftest import Knit
from .test_run_execution import apply, runs_of, write_plan


def push(knit: Knit, tmp_path: Path, text: str, tag: str = "kind:raw") -> str:
    folder = tmp_path / f"in-{text}"
    folder.mkdir()
    (folder / "x").write_text(text)
    return str(json.loads(knit("data", "push", "-t", tag, str(folder)).stdout)["knitId"])


def copying_plan(knit: Knit, tmp_path: Path, name: str, source: str, target: str, annotations: list[str]) -> str:
    return apply(knit, write_plan(
        tmp_path, name, image=f"{name}:v1", entrypoint=["sh", "-c", "cp /in/1/x /out/1/x; echo copied"],
        inputs=[{"path": "/in/1", "tags": [source]}], outputs=[{"path": "/out/1", "tags": [target]}],
        log={"tags": [f"log:{name}"]}, annotations=annotations))


def finished_runs(knit: Knit, plan: str, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 90
    while True:
        runs = runs_of(knit, plan)
        if len(runs) == count and all(r["status"] in ("done", "failed") for r in runs):
            return runs
        assert time.monotonic() < deadline, [r["status"] for r in runs]
        time.sleep(0.1)


def test_keep_last_purges_older_outputs_and_keeps_their_lineage(knit: Knit, tmp_path: Path) -> None:
    plan = copying_plan(knit, tmp_path, "copy", "kind:raw", "kind:copy", ["knitgraph.io/keep-last=2"])
    for n in range(4):
        push(knit, tmp_path, f"data-{n}")
        finished_runs(knit, plan, n + 1)
    runs = sorted(runs_of(knit, plan), key=lambda r: r["updatedAt"])
    old_outputs = [r["outputs"][0]["knitId"] for r in runs[:2]]

    dry = knit("data", "gc", "--dry-run")
    planned = json.loads(dry.stdout)
    assert planned["dryRun"] is True
    assert sorted(d["knitId"] for d in planned["data"]) == sorted(old_outputs)
    assert {d["rule"] for d in planned["data"]} == {"keep-last"}
    assert planned["freedBytes"] == 12  # two files of "data-N"
    assert "would free 12.0B in 2 Data" in dry.stderr
    knit("data", "pull", "-x", old_outputs[0], "before")  # a dry run changes nothing

    done = json.loads(knit("data", "gc").stdout)
    assert sorted(d["knitId"] for d in done["data"]) == sorted(old_outputs)
    purged = json.loads(knit("data", "show", old_outputs[0]).stdout)
    assert "knit#transient:purged" in purged["tags"]
    assert purged["upstream"]["run"]["runId"] == runs[0]["runId"]  # its lineage stays
    refused = knit("data", "pull", "-x", old_outputs[0], "after", expect=1)
    assert "was purged by retention" in refused.stderr
    assert "knit run rerun" in refused.stderr
    knit("data", "pull", "-x", runs[0]["log"]["knitId"], "logs")  # logs are kept
    assert json.loads(knit("data", "gc").stdout)["data"] == []  # nothing twice

    reader = apply(knit, write_plan(
        tmp_path, "reader", image="reader:v1", entrypoint=["true"], inputs=[{"path": "/in/1", "tags": ["kind:copy"]}]))
    read = {r["inputs"][0]["knitId"] for r in runs_of(knit, reader)}
    assert read == {r["outputs"][0]["knitId"] for r in runs[2:]}  # a purged Data feeds nothing new


def test_what_is_upstream_of_a_keep_true_data_is_never_purged(knit: Knit, tmp_path: Path) -> None:
    first = copying_plan(knit, tmp_path, "first", "kind:raw", "kind:mid", ["knitgraph.io/keep-last=1"])
    second = copying_plan(knit, tmp_path, "second", "kind:mid", "kind:final", [])
    push(knit, tmp_path, "a")
    finished_runs(knit, second, 1)
    push(knit, tmp_path, "b")
    finished_runs(knit, second, 2)
    oldest_final = sorted(runs_of(knit, second), key=lambda r: r["updatedAt"])[0]["outputs"][0]["knitId"]
    assert len(json.loads(knit("data", "gc", "--dry-run").stdout)["data"]) == 1
    knit("data", "tag", "--add", "keep:true", oldest_final)
    assert json.loads(knit("data", "gc").stdout)["data"] == []
    assert all("knit#transient:purged" not in json.loads(knit("data", "show", r["outputs"][0]["knitId"]).stdout)["tags"]
               for r in runs_of(knit, first))


def test_purge_failed_after_lets_failed_outputs_go(knit: Knit, tmp_path: Path) -> None:
    plan = apply(knit, write_plan(
        tmp_path, "failing", image="failing:v1", entrypoint=["sh", "-c", "echo partial > /out/1/x; exit 2"],
        inputs=[{"path": "/in/1", "tags": ["kind:raw"]}], outputs=[{"path": "/out/1", "tags": ["kind:never"]}],
        log={"tags": ["log:failing"]}, annotations=["knitgraph.io/purge-failed-after=1s"]))
    push(knit, tmp_path, "x")
    (run,) = finished_runs(knit, plan, 1)
    time.sleep(1.5)
    done = json.loads(knit("data", "gc").stdout)
    assert [(d["knitId"], d["rule"]) for d in done["data"]] == [(run["outputs"][0]["knitId"], "purge-failed-after")]
    assert "knit#transient:purged" in json.loads(knit("data", "show", run["outputs"][0]["knitId"]).stdout)["tags"]


@pytest.mark.parametrize(("annotation", "advice"), [
    ("knitgraph.io/keep-last=0", "(1 to 100000)"),
    ("knitgraph.io/purge-failed-after=soon", "how long a failed Run's outputs are kept (for example 7d)"),
])
def test_a_bad_retention_policy_is_refused_with_advice(knit: Knit, tmp_path: Path, annotation: str, advice: str) -> None:
    file = write_plan(tmp_path, "bad", image="bad:v1", inputs=[{"path": "/in/1", "tags": ["kind:bad"]}],
                      annotations=[annotation])
    result = knit("plan", "apply", str(file), expect=1)
    assert f"annotation {annotation.split('=')[0]} cannot be" in result.stderr
    assert advice in result.stderr


def test_a_bad_server_default_stops_the_server_with_the_reason(neo4j_env: dict[str, str], tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="'forever' is not a duration"):
        Settings(KNITGRAPH_HOME=tmp_path, KNITGRAPH_PURGE_FAILED_AFTER="forever", **neo4j_env)
