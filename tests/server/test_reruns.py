"""Re-running what was wrong: `knit run rerun [--downstream] [--dry-run]` and `knit data invalidate`,
with real Runs. Old Runs stay in lineage; superseded Data feed nothing new; a combination never
runs twice on its own."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from ..conftest import Knit
from .test_run_execution import apply, runs_of, write_plan


def two_steps(knit: Knit, tmp_path: Path) -> tuple[str, str]:
    prepare = apply(knit, write_plan(
        tmp_path, "prepare", image="prepare:v1", entrypoint=["sh", "-c", "cat /in/1/x /in/1/x > /out/1/x"],
        inputs=[{"path": "/in/1", "tags": ["kind:raw"]}], outputs=[{"path": "/out/1", "tags": ["kind:mid"]}]))
    train = apply(knit, write_plan(
        tmp_path, "train", image="train:v1", entrypoint=["sh", "-c", "wc -c < /in/1/x > /out/1/size"],
        inputs=[{"path": "/in/1", "tags": ["kind:mid"]}], outputs=[{"path": "/out/1", "tags": ["kind:final"]}]))
    return prepare, train


def push(knit: Knit, tmp_path: Path, text: str) -> str:
    folder = tmp_path / f"raw-{text}"
    folder.mkdir()
    (folder / "x").write_text(text)
    return str(json.loads(knit("data", "push", "-t", "kind:raw", str(folder)).stdout)["knitId"])


def settled(knit: Knit, *plans: str, count: int) -> list[list[dict[str, Any]]]:
    """Wait until the plans have ``count`` Runs in all and none is waiting or executing."""
    deadline = time.monotonic() + 90
    while True:
        found = [runs_of(knit, plan) for plan in plans]
        statuses = [r["status"] for runs in found for r in runs]
        if len(statuses) == count and all(s in ("done", "failed") for s in statuses):
            return found
        assert time.monotonic() < deadline, statuses
        time.sleep(0.1)


def test_rerun_with_downstream_supersedes_the_old_runs_and_runs_everything_again(knit: Knit, tmp_path: Path) -> None:
    prepare, train = two_steps(knit, tmp_path)
    push(knit, tmp_path, "abc")
    [(old_prepare,), (old_train,)] = settled(knit, prepare, train, count=2)

    refused = knit("run", "rerun", old_prepare["runId"], expect=1)
    assert f"the outputs of run {old_prepare['runId']} feed 1 run(s) ({old_train['runId']})" in refused.stderr
    assert "add --downstream" in refused.stderr

    dry = knit("run", "rerun", "--downstream", "--dry-run", old_prepare["runId"])
    planned = json.loads(dry.stdout)
    assert planned["dryRun"] is True and planned["newRunId"] is None
    assert [(a["runId"], a["step"], a["action"]) for a in planned["affected"]] == [
        (old_prepare["runId"], 0, "rerun"), (old_train["runId"], 1, "superseded")]
    assert "[dry run] run" in dry.stderr and "would run again" in dry.stderr
    assert len(runs_of(knit, prepare)) == 1  # a dry run changes nothing

    done = json.loads(knit("run", "rerun", "--downstream", old_prepare["runId"]).stdout)
    new_prepare = done["newRunId"]
    [prepares, trains] = settled(knit, prepare, train, count=4)
    assert {r["runId"] for r in prepares} == {old_prepare["runId"], new_prepare}
    shown_old = json.loads(knit("run", "show", old_prepare["runId"]).stdout)
    assert shown_old["status"] == "done" and shown_old["supersededBy"] == new_prepare
    shown_new = json.loads(knit("run", "show", new_prepare).stdout)
    assert shown_new["supersedes"] == old_prepare["runId"]
    assert shown_new["inputs"] == shown_old["inputs"]  # the same combination, run again
    new_train = next(r for r in trains if r["runId"] != old_train["runId"])
    assert new_train["inputs"][0]["knitId"] == shown_new["outputs"][0]["knitId"]
    assert "supersededAt" in json.loads(knit("run", "show", old_train["runId"]).stdout)

    # The old Runs stay in lineage, beside the new ones.
    graph = json.loads(knit("data", "lineage", "-n", "all", "--format", "json", shown_old["inputs"][0]["knitId"]).stdout)
    assert {old_prepare["runId"], new_prepare, old_train["runId"], new_train["runId"]} <= {
        r["run"]["runId"] for r in graph["runs"]}

    # Superseded Data feed nothing new: a new plan reading kind:mid gets the new output only.
    reader = apply(knit, write_plan(
        tmp_path, "reader", image="reader:v1", entrypoint=["true"], inputs=[{"path": "/in/1", "tags": ["kind:mid"]}]))
    (read,) = runs_of(knit, reader)
    assert read["inputs"][0]["knitId"] == shown_new["outputs"][0]["knitId"]
    assert "it is superseded" in knit("plan", "explain", reader, shown_old["outputs"][0]["knitId"]).stdout
    time.sleep(1)
    assert len(runs_of(knit, prepare)) == 2  # and no combination ran again on its own


def test_rerun_of_a_failed_leaf_needs_no_flag(knit: Knit, tmp_path: Path) -> None:
    flaky = apply(knit, write_plan(
        tmp_path, "once", image="once:v1", entrypoint=["sh", "-c", "exit 1"],
        inputs=[{"path": "/in/1", "tags": ["kind:raw"]}], outputs=[{"path": "/out/1", "tags": ["kind:never"]}]))
    push(knit, tmp_path, "x")
    [(failed,)] = settled(knit, flaky, count=1)
    assert failed["status"] == "failed"
    new_run = json.loads(knit("run", "rerun", failed["runId"]).stdout)["newRunId"]
    [runs] = settled(knit, flaky, count=2)
    assert {r["runId"] for r in runs} == {failed["runId"], new_run}


def test_invalidating_an_upload_supersedes_what_derives_from_it_and_a_corrected_push_runs(
    knit: Knit, tmp_path: Path
) -> None:
    prepare, train = two_steps(knit, tmp_path)
    bad = push(knit, tmp_path, "bad")
    [(old_prepare,), (old_train,)] = settled(knit, prepare, train, count=2)

    planned = json.loads(knit("data", "invalidate", "--dry-run", bad).stdout)
    assert [(a["runId"], a["action"]) for a in planned["affected"]] == [
        (old_prepare["runId"], "superseded"), (old_train["runId"], "superseded")]
    done = knit("data", "invalidate", bad)
    assert json.loads(done.stdout)["newRunId"] is None
    assert "feeds no new Run from now on; push the corrected Data" in done.stderr

    push(knit, tmp_path, "good")
    [prepares, trains] = settled(knit, prepare, train, count=4)
    assert len(prepares) == 2 and len(trains) == 2
    reader = apply(knit, write_plan(
        tmp_path, "reader", image="reader:v1", entrypoint=["true"], inputs=[{"path": "/in/1", "tags": ["kind:raw"]}]))
    (read,) = runs_of(knit, reader)  # not the invalidated upload
    assert read["inputs"][0]["knitId"] != bad


def test_invalidating_a_runs_output_runs_its_producer_and_downstream_again(knit: Knit, tmp_path: Path) -> None:
    prepare, train = two_steps(knit, tmp_path)
    push(knit, tmp_path, "abc")
    [(old_prepare,), _] = settled(knit, prepare, train, count=2)
    done = json.loads(knit("data", "invalidate", old_prepare["outputs"][0]["knitId"]).stdout)
    assert done["affected"][0] == {"runId": old_prepare["runId"], "planId": prepare, "plan": "prepare:v1", "step": 0,
                                   "action": "rerun"}
    settled(knit, prepare, train, count=4)


@pytest.mark.parametrize("case", ["superseded", "upload", "unknown"])
def test_what_cannot_run_again_is_refused_with_advice(knit: Knit, tmp_path: Path, case: str) -> None:
    prepare, train = two_steps(knit, tmp_path)
    raw = push(knit, tmp_path, "abc")
    [(old_prepare,), _] = settled(knit, prepare, train, count=2)
    if case == "superseded":
        new = json.loads(knit("run", "rerun", "--downstream", old_prepare["runId"]).stdout)["newRunId"]
        refused = knit("run", "rerun", "--downstream", old_prepare["runId"], expect=1)
        assert f"is superseded already, by run {new}" in refused.stderr
        assert f"knit run rerun {new}" in refused.stderr
        assert f"knit run rerun {new}" in knit("run", "retry", old_prepare["runId"], expect=1).stderr
    elif case == "upload":
        upload_run = json.loads(knit("data", "show", raw).stdout)["upstream"]["run"]["runId"]
        refused = knit("run", "rerun", "--downstream", upload_run, expect=1)
        assert "is an upload: there is nothing to run again" in refused.stderr
    else:
        assert "runId:nosuch is not found" in knit("run", "rerun", "nosuch", expect=1).stderr
        assert "data knit#id:nosuch is not found" in knit("data", "invalidate", "nosuch", expect=1).stderr
