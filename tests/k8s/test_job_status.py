"""Where a Run's Job stands, from API-shaped Job, pod and event dicts (pure: no cluster)."""

from __future__ import annotations

from typing import Any

from knitgraph.executors import ExitStatus
from knitgraph.k8s.job_status import classify, latest, needs_events

JOB = {"metadata": {"name": "knit-run-r1"}, "status": {}}


def job(condition: str | None = None, **extra: str) -> dict[str, Any]:
    if condition is None:
        return JOB
    return {**JOB, "status": {"conditions": [{"type": condition, "status": "True", **extra}]}}


def pod(phase: str, *, node: str | None = "n1", waiting: tuple[str, str] | None = None,
        terminated: tuple[int, str] | None = None) -> dict[str, Any]:
    state: dict[str, Any] = {}
    if waiting:
        state["waiting"] = {"reason": waiting[0], "message": waiting[1]}
    if terminated:
        state["terminated"] = {"exitCode": terminated[0], "reason": terminated[1]}
    return {"metadata": {"name": "knit-run-r1-abcde"}, "spec": {"nodeName": node} if node else {},
            "status": {"phase": phase, "containerStatuses": [{"name": "main", "state": state}] if state else []}}


def test_nothing_scheduled_yet_is_starting() -> None:
    assert classify(job(), []).phase == "starting"
    assert classify(job(), [pod("Pending", node=None)]).phase == "starting"


def test_a_running_pod_means_running() -> None:
    assert classify(job(), [pod("Running")]).phase == "running"


def test_complete_job_ends_with_zero() -> None:
    state = classify(job("Complete"), [pod("Succeeded", terminated=(0, "Completed"))])
    assert (state.phase, state.exit) == ("ended", ExitStatus(0, ""))


def test_failed_job_ends_with_the_containers_exit_code() -> None:
    state = classify(job("Failed", reason="BackoffLimitExceeded"), [pod("Failed", terminated=(3, "Error"))])
    assert state.exit == ExitStatus(3, "(container main) Error")


def test_failed_job_without_a_container_exit_says_why() -> None:
    state = classify(job("Failed", reason="DeadlineExceeded", message="Job was active longer than specified"), [])
    assert state.exit == ExitStatus(255, "(job knit-run-r1) [DeadlineExceeded] Job was active longer than specified")


def test_an_image_that_cannot_be_pulled_ends_the_run_readably() -> None:
    stuck = pod("Pending", waiting=("ErrImagePull", 'failed to pull image "nope:1": not found'))
    state = classify(job(), [stuck])
    assert state.exit == ExitStatus(255, '(pod knit-run-r1-abcde) [ErrImagePull] failed to pull image "nope:1": not found')


def test_a_scheduled_pending_pod_whose_latest_event_is_a_warning_ends() -> None:
    pending = pod("Pending")
    assert needs_events(pending) and not needs_events(pod("Pending", node=None))
    events = [{"type": "Warning", "reason": "FailedMount", "message": "volume is gone", "lastTimestamp": "2026-01-01T00:00:01Z"},
              {"type": "Normal", "reason": "Scheduled", "message": "ok", "lastTimestamp": "2026-01-01T00:00:00Z"}]
    event = latest(events)
    assert event is not None and event["reason"] == "FailedMount"
    state = classify(job(), [pending], {"knit-run-r1-abcde": event})
    assert state.exit == ExitStatus(255, "(pod knit-run-r1-abcde) [FailedMount] volume is gone")
    assert classify(job(), [pending], {"knit-run-r1-abcde": events[1]}).phase == "starting"
