"""Runs really execute (process executor, bubblewrap) and follow Knitfab's lifecycle (§4)."""

from __future__ import annotations

import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from knitgraph.graph_schema.errors import ConflictError
from knitgraph.graph_schema.lifecycle import ALLOWED, check_transition
from knitgraph.graph_schema.records import RunStatus

from ..conftest import Knit
from ..trees import describe

SCRIPTS = Path(__file__).resolve().parents[1] / "runs_scripts"

# Knitfab's table (reference §4.2), written out independently of graph_schema.lifecycle.
KNITFAB_TABLE = {
    "deactivated": {"deactivated", "waiting", "aborting"},
    "waiting": {"waiting", "deactivated", "ready", "aborting"},
    "ready": {"ready", "starting", "running", "completing", "aborting"},
    "starting": {"starting", "running", "completing", "aborting"},
    "running": {"running", "completing", "aborting"},
    "completing": {"completing", "done"},
    "aborting": {"aborting", "failed"},
    "done": set(), "failed": set(), "invalidated": set(),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(KNITFAB_TABLE, repeat=2)),
                         ids=lambda status: status)
def test_transition_table_is_knitfabs(current: str, target: str) -> None:
    if target in KNITFAB_TABLE[current]:
        check_transition(RunStatus(current), RunStatus(target))
    else:
        with pytest.raises(ConflictError, match=f"cannot change run state: {current} -> {target}"):
            check_transition(RunStatus(current), RunStatus(target))
    assert {s.value for s in ALLOWED[RunStatus(current)]} == KNITFAB_TABLE[current]


def write_plan(tmp_path: Path, name: str, **plan: Any) -> Path:
    file = tmp_path / f"{name}.yaml"
    file.write_text(yaml.safe_dump(plan))
    return file


def python(script: str) -> list[str]:
    return [sys.executable, str(SCRIPTS / script)]


def dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "dataset"
    folder.mkdir()
    rows = [f"{x},{x * 2},{'big' if x > 5 else 'small'}" for x in range(10)]
    (folder / "data.csv").write_text("\n".join(rows) + "\n")
    return folder


def runs_of(knit: Knit, plan_id: str) -> list[dict[str, Any]]:
    return list(json.loads(knit("run", "find", "-p", plan_id).stdout))


def apply(knit: Knit, file: Path) -> str:
    return str(json.loads(knit("plan", "apply", str(file)).stdout)["planId"])


def test_train_then_validate_runs_end_to_end(knit: Knit, tmp_path: Path) -> None:
    train = apply(knit, write_plan(
        tmp_path, "train", image="train:v1", entrypoint=python("train.py"),
        inputs=[{"path": "/in/dataset", "tags": ["type:dataset", "project:e2e"]}],
        outputs=[{"path": "/out/model", "tags": ["type:model", "project:e2e"]}],
        log={"tags": ["type:log", "project:e2e"]}))
    validate = apply(knit, write_plan(
        tmp_path, "validate", image="validate:v1", entrypoint=python("validate.py"),
        inputs=[{"path": "/in/dataset", "tags": ["type:dataset", "project:e2e"]},
                {"path": "/in/model", "tags": ["type:model", "project:e2e"]}],
        outputs=[{"path": "/out/metrics", "tags": ["type:metrics", "project:e2e"]}],
        log={"tags": ["type:log", "project:e2e", "step:validate"]}))
    source = json.loads(knit("data", "push", "-t", "type:dataset", "-t", "project:e2e", str(dataset(tmp_path))).stdout)

    (train_run,) = runs_of(knit, train)
    finished = json.loads(knit("run", "wait", "--timeout", "60", train_run["runId"]).stdout)
    assert finished["status"] == "done" and finished["exit"] == {"code": 0, "message": ""}
    assert finished["executor"] == "process"  # honest lineage: a host process ran it, not the image
    assert knit("run", "show", "--log", train_run["runId"]).stdout == "trained on 10 rows, 2 classes\n"

    (validate_run,) = runs_of(knit, validate)
    knit("run", "wait", "--timeout", "60", validate_run["runId"])
    validated = json.loads(knit("run", "show", validate_run["runId"]).stdout)
    assert {i["knitId"] for i in validated["inputs"]} == {source["knitId"], finished["outputs"][0]["knitId"]}

    metrics_id = validated["outputs"][0]["knitId"]
    knit("data", "pull", "-x", metrics_id, str(tmp_path / "pulled"))
    assert json.loads((tmp_path / "pulled" / metrics_id / "metrics.json").read_text()) == {"accuracy": 0.9}
    metrics = json.loads(knit("data", "show", metrics_id).stdout)
    assert any(t.startswith("knit#timestamp:") for t in metrics["tags"])
    assert not any(t.startswith("knit#transient") for t in metrics["tags"])
    log_id = validated["log"]["knitId"]
    knit("data", "pull", "-x", log_id, str(tmp_path / "pulled"))
    assert describe(tmp_path / "pulled" / log_id).keys() == {"log"}
    assert (tmp_path / "pulled" / log_id / "log").read_text() == "accuracy 0.900\n"


def test_failing_task_fails_the_run_and_its_outputs(knit: Knit, tmp_path: Path) -> None:
    plan = apply(knit, write_plan(
        tmp_path, "broken", image="broken:v1", entrypoint=["sh", "-c", "echo oops >&2; exit 3"],
        inputs=[{"path": "/in/1", "tags": ["kind:broken"]}], outputs=[{"path": "/out/1", "tags": ["kind:nothing"]}],
        log={"tags": ["kind:brokenlog"]}))
    downstream = apply(knit, write_plan(
        tmp_path, "after-broken", image="after:v1", entrypoint=["true"],
        inputs=[{"path": "/in/1", "tags": ["kind:nothing"]}], outputs=[]))
    knit("data", "push", "-t", "kind:broken", str(dataset(tmp_path)))
    (run,) = runs_of(knit, plan)
    assert "ended failed" in knit("run", "wait", "--timeout", "60", run["runId"], expect=1).stderr
    failed = json.loads(knit("run", "show", run["runId"]).stdout)
    assert failed["exit"] == {"code": 3, "message": "exit status 3"}
    output = json.loads(knit("data", "show", failed["outputs"][0]["knitId"]).stdout)
    assert "knit#transient:failed" in output["tags"]
    assert knit("run", "show", "--log", run["runId"]).stdout == "oops\n"
    assert runs_of(knit, downstream) == []  # failed outputs feed nothing


def test_sandbox_keeps_inputs_read_only_and_hides_the_network(knit: Knit, tmp_path: Path) -> None:
    probe = ("touch /in/1/x 2>/dev/null && echo input-writable || echo input-read-only; "
             "touch /usr/x 2>/dev/null && echo host-writable || echo host-read-only; "
             "tail -n +3 /proc/net/dev | cut -d: -f1; echo done > /out/1/result")
    plan = apply(knit, write_plan(
        tmp_path, "probe", image="probe:v1", entrypoint=["sh", "-c", probe],
        inputs=[{"path": "/in/1", "tags": ["kind:probe"]}], outputs=[{"path": "/out/1", "tags": ["kind:probed"]}],
        log={"tags": ["kind:probelog"]}))
    knit("data", "push", "-t", "kind:probe", str(dataset(tmp_path)))
    (run,) = runs_of(knit, plan)
    knit("run", "wait", "--timeout", "60", run["runId"])
    assert knit("run", "show", "--log", run["runId"]).stdout.split() == ["input-read-only", "host-read-only", "lo"]


def sleeping_plan(knit: Knit, tmp_path: Path, **extra: Any) -> str:
    return apply(knit, write_plan(
        tmp_path, "sleep", image="sleep:v1", entrypoint=python("sleep.py"),
        inputs=[{"path": "/in/1", "tags": ["kind:sleep"]}], outputs=[{"path": "/out/1", "tags": ["kind:slept"]}],
        log={"tags": ["kind:sleeplog"]}, **extra))


def wait_for_status(knit: Knit, run_id: str, status: str) -> None:
    for _ in range(600):
        if json.loads(knit("run", "show", run_id).stdout)["status"] == status:
            return
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} never became {status}")


def test_stop_completes_a_running_run_and_keeps_its_outputs(knit: Knit, tmp_path: Path) -> None:
    plan = sleeping_plan(knit, tmp_path)
    knit("data", "push", "-t", "kind:sleep", str(dataset(tmp_path)))
    (run,) = runs_of(knit, plan)
    wait_for_status(knit, run["runId"], "running")
    assert "is stopping" in knit("run", "stop", run["runId"]).stderr
    stopped = json.loads(knit("run", "wait", "--timeout", "60", run["runId"]).stdout)
    assert stopped["exit"] == {"code": 0, "message": "stopped by user"}
    knit("data", "pull", "-x", stopped["outputs"][0]["knitId"], str(tmp_path / "out"))
    assert (tmp_path / "out" / stopped["outputs"][0]["knitId"] / "started").read_text() == "yes"


def test_stop_preconditions(knit: Knit, tmp_path: Path) -> None:
    plan = sleeping_plan(knit, tmp_path, active=False)
    knit("data", "push", "-t", "kind:sleep", str(dataset(tmp_path)))
    (run,) = runs_of(knit, plan)
    assert run["status"] == "deactivated"
    assert "prohibited operation" in knit("run", "stop", run["runId"], expect=1).stderr
    knit("run", "stop", "--fail", run["runId"])
    aborted = json.loads(knit("run", "show", run["runId"]).stdout)
    assert aborted["status"] == "failed" and aborted["exit"] == {"code": 253, "message": "aborted by user"}
    assert "prohibited operation" in knit("run", "stop", "--fail", run["runId"], expect=1).stderr
    assert "not found" in knit("run", "stop", "no-such-run", expect=1).stderr


def test_retry_and_rm_preconditions(knit: Knit, tmp_path: Path) -> None:
    first = apply(knit, write_plan(
        tmp_path, "first", image="first:v1", entrypoint=["sh", "-c", "echo 1 > /out/1/v"],
        inputs=[{"path": "/in/1", "tags": ["kind:root"]}], outputs=[{"path": "/out/1", "tags": ["kind:mid"]}]))
    second = apply(knit, write_plan(
        tmp_path, "second", image="second:v1", entrypoint=["sh", "-c", "cat /in/1/v > /out/1/w"],
        inputs=[{"path": "/in/1", "tags": ["kind:mid"]}], outputs=[{"path": "/out/1", "tags": ["kind:leaf"]}]))
    upload = json.loads(knit("data", "push", "-t", "kind:root", str(dataset(tmp_path))).stdout)
    (up_run,) = runs_of(knit, first)
    done = json.loads(knit("run", "wait", "--timeout", "60", up_run["runId"]).stdout)
    (leaf,) = runs_of(knit, second)
    knit("run", "wait", "--timeout", "60", leaf["runId"])

    in_use = knit("run", "retry", up_run["runId"], expect=1).stderr
    assert f"output of the run is in use by run {leaf['runId']}" in in_use, in_use
    assert f"`knit run rm {leaf['runId']}`" in in_use, in_use
    assert f"then retry it (`knit run retry {up_run['runId']}`)" in in_use, in_use
    blocked = knit("run", "rm", up_run["runId"], expect=1).stderr
    assert f"in use by run {leaf['runId']}" in blocked, blocked
    assert f"then remove this one (`knit run rm {up_run['runId']}`)" in blocked, blocked
    upload_run = upload["upstream"]["run"]["runId"]
    assert "in use" in knit("run", "retry", upload_run, expect=1).stderr

    knit("run", "rm", leaf["runId"])
    tomb = json.loads(knit("run", "show", leaf["runId"]).stdout)
    assert tomb["status"] == "invalidated" and tomb["outputs"] == []
    gone = f"run {leaf['runId']} was removed (it is invalidated): its outputs and its log were deleted"
    for removed in (knit("run", "show", "--log", leaf["runId"], expect=1),
                    knit("run", "wait", leaf["runId"], expect=1)):
        assert gone in removed.stderr, removed.stderr
        assert "log:" not in removed.stderr and "read its log" not in removed.stderr, removed.stderr
    assert "not found" in knit("run", "rm", leaf["runId"], expect=1).stderr
    assert "not found" in knit("data", "pull", leaf["outputs"][0]["knitId"], str(tmp_path), expect=1).stderr

    knit("run", "retry", up_run["runId"])
    retried = json.loads(knit("run", "wait", "--timeout", "60", up_run["runId"]).stdout)
    assert retried["outputs"][0]["knitId"] != done["outputs"][0]["knitId"]
    (again,) = [r for r in runs_of(knit, second) if r["status"] != "invalidated"]
    assert again["inputs"][0]["knitId"] == retried["outputs"][0]["knitId"]
    knit("run", "wait", "--timeout", "60", again["runId"])
    knit("run", "rm", again["runId"])
    knit("run", "rm", up_run["runId"])
    assert len(runs_of(knit, first)) == 1  # the tombstone blocks the combination forever

    root_cannot_retry = knit("run", "retry", upload_run, expect=1).stderr
    assert "Root run cannot be retried" in root_cannot_retry
    knit("run", "rm", upload_run)
    assert "not found" in knit("run", "show", upload_run, expect=1).stderr


def test_log_of_a_waiting_run_is_not_there_yet(knit: Knit, tmp_path: Path) -> None:
    plan = sleeping_plan(knit, tmp_path, active=False)
    knit("data", "push", "-t", "kind:sleep", str(dataset(tmp_path)))
    (run,) = runs_of(knit, plan)
    assert "retry later" in knit("run", "show", "--log", run["runId"], expect=1).stderr


def test_log_follow_streams_until_the_run_ends(knit: Knit, tmp_path: Path) -> None:
    plan = apply(knit, write_plan(
        tmp_path, "chatty", image="chatty:v1", entrypoint=["sh", "-c", "echo first; sleep 1; echo second"],
        inputs=[{"path": "/in/1", "tags": ["kind:chatty"]}], outputs=[], log={"tags": ["kind:chattylog"]}))
    knit("data", "push", "-t", "kind:chatty", str(dataset(tmp_path)))
    (run,) = runs_of(knit, plan)
    wait_for_status(knit, run["runId"], "running")
    assert knit("run", "show", "--log", "--follow", run["runId"]).stdout == "first\nsecond\n"
    assert json.loads(knit("run", "show", run["runId"]).stdout)["status"] in ("completing", "done")
