"""What every executor implements (start a Job, wait for its exit status, stop it, clean up), and the
names and codes that every executor shares."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from knitgraph.graph_schema.plan_spec import ServiceSpec

RUN_LABEL = "knitgraph.run"
"""The label (Docker) or Kubernetes label that carries a task's runId."""


def task_name(run_id: str) -> str:
    """``knit-run-<runId>``: the container's or the Job's name, so a restarted server finds it again."""
    return f"knit-run-{run_id}"


@dataclass(frozen=True, slots=True)
class Mount:
    source: Path
    target: str
    writable: bool


@dataclass(frozen=True, slots=True)
class Job:
    """One Run's task: the plan's image and command, its mounts, where its log goes."""

    run_id: str
    image: str
    entrypoint: list[str] | None
    args: list[str] | None
    mounts: list[Mount]
    log_file: Path | None
    resources: dict[str, str] = field(default_factory=dict)
    on_node: dict[str, tuple[str, ...]] = field(default_factory=dict)  # may/prefer/must -> "key=value"s
    service_account: str | None = None
    network: bool = False  # a network of its own (a container's, a pod's), or the host's for a process
    service: ServiceSpec | None = None  # a service plan's: the task serves HTTP until it is replaced
    env: dict[str, str] = field(default_factory=dict)  # set for the task, over the executor's own

    @property
    def command(self) -> list[str]:
        """Entrypoint then args: what runs where there is no image to supply either."""
        return [*(self.entrypoint or ()), *(self.args or ())]


@dataclass(frozen=True, slots=True)
class ExitStatus:
    """How a task ended: its exit code, and a message when the code alone would not say why
    (an image that cannot be pulled, a pod that cannot start); empty means ``exit status <code>``."""

    code: int
    message: str = ""


LOST_WORKER = ExitStatus(254, "worker for the run is not found")
"""Knitfab's exit for a Run whose task vanished: its server died, or its Job or container is gone."""


class Execution(Protocol):
    async def wait(self) -> ExitStatus:
        """The task's exit status, once it has ended."""

    async def stop(self) -> None:
        """End the task (politely, then by force)."""

    async def cleanup(self) -> None:
        """Remove what is left of the ended task; called once its outcome is recorded."""


class Serving(Protocol):
    """An ``Execution`` of a service plan's Run: how the server reaches the task's port."""

    def service_socket(self) -> tuple[socket.socket, tuple[str, int]]:
        """A new TCP socket (non-blocking, not connected) that reaches the service, and the address
        to connect it to."""


class Executor(Protocol):
    name: str
    survives_server: bool  # do tasks keep running when the server process ends?

    async def start(self, job: Job) -> Execution:
        """Start the task; raises a ``KnitError`` if it cannot be started at all."""

    async def reattach(self, job: Job) -> Execution | None:
        """The task of a Run whose server died, if it still exists (running or exited)."""
