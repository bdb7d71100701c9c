"""Automatic retries (``retry: {max, backoff}``) and per-plan concurrency, with real Runs."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from ..conftest import Knit
from .test_run_execution import apply, dataset, python, runs_of, wait_for_status, write_plan


def flaky_plan(knit: Knit, tmp_path: Path, succeeds_at: int, retry: dict[str, Any] | None, sleep: float = 0,
               **extra: Any) -> str:
    plan: dict[str, Any] = {
        "image": "flaky:v1", "entrypoint": [*python("flaky.py"), str(succeeds_at), str(sleep)],
        "inputs": [{"path": "/in/1", "tags": ["kind:flaky"]}], "outputs": [{"path": "/out/1", "tags": ["kind:flaked"]}],
        "log": {"tags": ["kind:flakylog"]}, **extra}
    if retry is not None:
        plan["retry"] = retry
    return apply(knit, write_plan(tmp_path, "flaky", **plan))


def consumer_plan(knit: Knit, tmp_path: Path) -> str:
    return apply(knit, write_plan(
        tmp_path, "consumer", image="consumer:v1", entrypoint=["sh", "-c", "cp /in/1/attempt /out/1/seen"],
        inputs=[{"path": "/in/1", "tags": ["kind:flaked"]}], outputs=[{"path": "/out/1", "tags": ["kind:consumed"]}]))


def pulled_files(knit: Knit, knit_id: str) -> dict[str, str]:
    knit("data", "pull", "-x", knit_id, "pulled")
    folder = Path("pulled") / knit_id
    return {file.name: file.read_text() for file in folder.iterdir()}


def test_a_failed_run_runs_again_in_place_and_its_downstream_starts_once(knit: Knit, tmp_path: Path) -> None:
    flaky = flaky_plan(knit, tmp_path, succeeds_at=3, retry={"max": 3, "backoff": "0s"})
    consumer = consumer_plan(knit, tmp_path)
    knit("data", "push", "-t", "kind:flaky", str(dataset(tmp_path)))

    run = knit.only_run(flaky)
    assert run["status"] == "done"
    assert [(a["number"], a["exit"]["code"], a["logFile"]) for a in run["attempts"]] == [
        (1, 3, "attempt-1.log"), (2, 3, "attempt-2.log")]
    assert knit("run", "show", "--log", run["runId"]).stdout == "attempt 3\n"
    logs = pulled_files(knit, run["log"]["knitId"])
    assert (logs["attempt-1.log"], logs["attempt-2.log"], logs["log"]) == ("attempt 1\n", "attempt 2\n", "attempt 3\n")
    assert pulled_files(knit, run["outputs"][0]["knitId"]) == {"attempt": "3"}  # only the last attempt's

    consumed = knit.only_run(consumer)  # exactly one downstream Run, from the attempt that succeeded
    assert consumed["status"] == "done"
    assert pulled_files(knit, consumed["outputs"][0]["knitId"]) == {"seen": "3"}


def test_a_run_that_keeps_failing_fails_after_its_last_attempt(knit: Knit, tmp_path: Path) -> None:
    flaky = flaky_plan(knit, tmp_path, succeeds_at=9, retry={"max": 1, "backoff": 0})
    knit("data", "push", "-t", "kind:flaky", str(dataset(tmp_path)))
    run = knit.only_run(flaky, expect=1)
    assert run["status"] == "failed"
    assert run["exit"]["code"] == 3
    assert [a["number"] for a in run["attempts"]] == [1]
    assert "knit#transient:failed" in json.loads(knit("data", "show", run["outputs"][0]["knitId"]).stdout)["tags"]


def test_without_retry_a_failed_run_fails_at_once(knit: Knit, tmp_path: Path) -> None:
    flaky = flaky_plan(knit, tmp_path, succeeds_at=2, retry=None)
    knit("data", "push", "-t", "kind:flaky", str(dataset(tmp_path)))
    run = knit.only_run(flaky, expect=1)
    assert run["status"] == "failed"
    assert "attempts" not in run


def test_a_retry_waits_for_its_backoff(knit: Knit, tmp_path: Path) -> None:
    flaky = flaky_plan(knit, tmp_path, succeeds_at=2, retry={"max": 1, "backoff": "1m"})
    knit("data", "push", "-t", "kind:flaky", str(dataset(tmp_path)))
    (run,) = runs_of(knit, flaky)
    deadline = time.monotonic() + 60
    while not (shown := json.loads(knit("run", "show", run["runId"]).stdout)).get("attempts"):
        assert time.monotonic() < deadline, "the first attempt never ended"
        time.sleep(0.1)
    assert shown["status"] == "waiting"
    assert shown["notBefore"] > shown["attempts"][0]["finishedAt"]  # one minute later, in the same format
    time.sleep(2)
    assert json.loads(knit("run", "show", run["runId"]).stdout)["status"] == "waiting"  # not claimed early


def test_a_run_aborted_by_its_user_is_not_retried(knit: Knit, tmp_path: Path) -> None:
    plan = flaky_plan(knit, tmp_path, succeeds_at=1, retry={"max": 2, "backoff": "0s"}, sleep=60)
    knit("data", "push", "-t", "kind:flaky", str(dataset(tmp_path)))
    (run,) = runs_of(knit, plan)
    wait_for_status(knit, run["runId"], "running")
    knit("run", "stop", "--fail", run["runId"])
    stopped = knit.only_run(plan, expect=1)
    assert stopped["exit"] == {"code": 253, "message": "aborted by user"}
    assert "attempts" not in stopped


def test_concurrency_limits_how_many_runs_of_a_plan_execute_at_once(knit: Knit, tmp_path: Path) -> None:
    plan = apply(knit, write_plan(
        tmp_path, "slow", image="slow:v1", entrypoint=[*python("flaky.py"), "1", "0.5"],
        inputs=[{"path": "/in/1", "tags": ["kind:slow"]}], outputs=[{"path": "/out/1", "tags": ["kind:slowed"]}],
        concurrency=1))
    for n in range(3):
        folder = tmp_path / f"d{n}"
        folder.mkdir()
        (folder / "n").write_text(str(n))
        knit("data", "push", "-t", "kind:slow", str(folder))
    executing_at_once = set()
    deadline = time.monotonic() + 90
    while (statuses := [r["status"] for r in runs_of(knit, plan)]).count("done") < 3:
        assert time.monotonic() < deadline, statuses
        executing_at_once.add(sum(s in ("ready", "starting", "running") for s in statuses))
        time.sleep(0.05)
    assert max(executing_at_once) == 1


@pytest.mark.parametrize(("plan_extra", "problem", "advice"), [
    ({"retry": {"max": 0}}, "annotation knitgraph.io/retry-max cannot be '0'", "(1 to 10)"),
    ({"retry": {"max": 11}}, "annotation knitgraph.io/retry-max cannot be '11'", "(1 to 10)"),
    ({"retry": {"max": 2, "backoff": "soon"}}, "annotation knitgraph.io/retry-backoff cannot be 'soon'", "0s to 1h"),
    ({"retry": {"max": 2, "backoff": "2h"}}, "annotation knitgraph.io/retry-backoff cannot be '2h'", "0s to 1h"),
    ({"annotations": ["knitgraph.io/retry-backoff=5s"]}, "is given without knitgraph.io/retry-max",
     "add knitgraph.io/retry-max=N"),
    ({"concurrency": 0}, "annotation knitgraph.io/concurrency cannot be '0'", "(1 to 1000)"),
    ({"concurrency": 2, "service": {"name": "model"}}, "cannot limit a service plan", "remove knitgraph.io/concurrency"),
])
def test_bad_retry_or_concurrency_is_refused_with_advice(
    knit: Knit, tmp_path: Path, plan_extra: dict[str, Any], problem: str, advice: str
) -> None:
    file = write_plan(tmp_path, "bad", image="bad:v1", inputs=[{"path": "/in/1", "tags": ["kind:bad"]}], **plan_extra)
    result = knit("plan", "apply", str(file), expect=1)
    assert problem in result.stderr
    assert advice in result.stderr
    assert [p for p in json.loads(knit("plan", "find").stdout) if "image" in p] == []  # nothing was applied
