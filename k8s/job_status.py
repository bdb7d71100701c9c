"""Where a Run's Job stands, from the Job, its pods and their latest events (pure: API-shaped dicts).

Knitfab's rules (reference §4.3, run management): a Complete Job ended with ``{0, ""}``; a Failed
Job with the highest exit code of its containers and ``(container <name>) <reason>``; a pod that
cannot start (its image cannot be pulled, its container cannot be created) or a scheduled pod
still Pending whose latest event is a Warning ended with ``{255, "(pod <p>) [<reason>] <message>"}``;
a pod running or finished means running; anything else is still starting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from knitgraph.executors import ExitStatus

Manifest = Mapping[str, Any]

CANNOT_START = 255
# Container waiting reasons that will not resolve by waiting (the kubelet retries them forever).
STUCK_REASONS = frozenset({
    "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "RegistryUnavailable",
    "CreateContainerConfigError", "CreateContainerError", "RunContainerError",
})


@dataclass(frozen=True, slots=True)
class JobState:
    phase: Literal["starting", "running", "ended"]
    exit: ExitStatus | None = None


STARTING = JobState("starting")
RUNNING = JobState("running")


def _condition(job: Manifest, kind: str) -> Manifest | None:
    conditions: list[Manifest] = (job.get("status") or {}).get("conditions") or []
    for condition in conditions:
        if condition.get("type") == kind and condition.get("status") == "True":
            return condition
    return None


def _container_statuses(pod: Manifest) -> list[Manifest]:
    status = pod.get("status") or {}
    return [*(status.get("initContainerStatuses") or ()), *(status.get("containerStatuses") or ())]


def _is_scheduled(pod: Manifest) -> bool:
    if (pod.get("spec") or {}).get("nodeName"):
        return True
    return any(c.get("type") == "PodScheduled" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or ())


def _failed_exit(job: Manifest, pods: Sequence[Manifest]) -> ExitStatus:
    terminated = [(status.get("name", "?"), status["state"]["terminated"])
                  for pod in pods for status in _container_statuses(pod)
                  if (status.get("state") or {}).get("terminated")]
    failing = [(name, state) for name, state in terminated if state.get("exitCode", 0) != 0]
    if failing:
        name, state = max(failing, key=lambda item: int(item[1].get("exitCode", 0)))
        reason = state.get("reason") or "Error"
        message = f"(container {name}) {reason}"
        if state.get("message"):
            message += f": {state['message']}"
        return ExitStatus(int(state["exitCode"]), message)
    for pod in pods:
        if stuck := _stuck(pod, None):
            return stuck
    condition = _condition(job, "Failed") or {}
    name = (job.get("metadata") or {}).get("name", "?")
    return ExitStatus(CANNOT_START, f"(job {name}) [{condition.get('reason', 'Failed')}] "
                                    f"{condition.get('message', 'the job failed')}".rstrip())


def _stuck(pod: Manifest, latest_event: Manifest | None) -> ExitStatus | None:
    name = (pod.get("metadata") or {}).get("name", "?")
    for status in _container_statuses(pod):
        waiting = (status.get("state") or {}).get("waiting") or {}
        if waiting.get("reason") in STUCK_REASONS:
            return ExitStatus(CANNOT_START, f"(pod {name}) [{waiting['reason']}] {waiting.get('message', '')}".rstrip())
    if latest_event is not None and latest_event.get("type") == "Warning" and _is_scheduled(pod):
        note = latest_event.get("message") or latest_event.get("note") or ""
        return ExitStatus(CANNOT_START, f"(pod {name}) [{latest_event.get('reason', '')}] {note}".rstrip())
    return None


def classify(job: Manifest, pods: Sequence[Manifest], latest_events: Mapping[str, Manifest] | None = None) -> JobState:
    """The Job's state; ``latest_events`` maps a pod's name to its latest event (needed only for
    Pending pods)."""
    if _condition(job, "Complete") is not None or _condition(job, "SuccessCriteriaMet") is not None:
        return JobState("ended", ExitStatus(0))
    if _condition(job, "Failed") is not None or _condition(job, "FailureTarget") is not None:
        return JobState("ended", _failed_exit(job, pods))
    started = False
    for pod in pods:
        phase = (pod.get("status") or {}).get("phase")
        if phase == "Pending":
            name = (pod.get("metadata") or {}).get("name", "")
            if stuck := _stuck(pod, (latest_events or {}).get(name)):
                return JobState("ended", stuck)
        elif phase in ("Running", "Succeeded", "Failed"):
            started = True
    return RUNNING if started else STARTING


def needs_events(pod: Manifest) -> bool:
    """Whether the pod's latest event can decide its fate: it is scheduled and still Pending."""
    return (pod.get("status") or {}).get("phase") == "Pending" and _is_scheduled(pod)


def latest(events: list[Manifest]) -> Manifest | None:
    """The most recent of a pod's events."""
    def when(event: Manifest) -> str:
        return str(event.get("lastTimestamp") or event.get("eventTime")
                   or (event.get("metadata") or {}).get("creationTimestamp") or "")
    return max(events, key=when, default=None)
