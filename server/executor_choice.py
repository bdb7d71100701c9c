"""Which executor runs a plan's Runs, and whether they have network.

``KNITGRAPH_EXECUTOR`` names one executor for every Run (``process``, ``docker``, ``kubernetes``),
or ``auto`` (the default): a plan's image runs in the server's container engine when one answers,
its command as a sandboxed host process otherwise, or when the plan says so with the annotation
``knitgraph.io/executor=process``. The rules are :func:`choose`'s; docs/decisions.md says why.

Each executor is made (and imported) only when a Run needs it: a server without a cluster never
loads the Kubernetes client.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from knitgraph.executors import Executor
from knitgraph.graph_schema.plan_spec import EXECUTOR_ANNOTATION, NETWORK_ANNOTATION, annotation_value

from .settings import Settings

EXECUTORS: Final = {
    "process": ("knitgraph.executors.process", "ProcessExecutor"),
    "docker": ("knitgraph.executors.docker", "DockerExecutor"),
    "kubernetes": ("knitgraph.k8s.executor", "KubernetesExecutor"),
}
NO_ENGINE_ADVICE: Final = (
    "install Podman (`knitgraph up` then runs it) or Docker, or set DOCKER_HOST to an engine's socket, "
    "and restart the server"
)


@dataclass(frozen=True, slots=True)
class Choice:
    """How a plan's Runs execute on this server, and the reason, in words a user can act on."""

    executor: str
    network: bool
    why: str


def choose(settings: Settings, engine: str | None, annotations: Iterable[str]) -> Choice:
    """The executor and network of a plan's Runs, given the container engine the server found."""
    annotations = list(annotations)
    pinned = annotation_value(annotations, EXECUTOR_ANNOTATION)
    if settings.executor != "auto":
        executor, why = settings.executor, f"this server's KNITGRAPH_EXECUTOR={settings.executor}"
    elif pinned == "process":
        executor, why = "process", f"the plan's annotation {EXECUTOR_ANNOTATION}=process"
    elif engine is not None:
        executor, why = "docker", f"the container engine at {engine}"
    elif pinned == "container":
        executor, why = "docker", f"the plan's annotation {EXECUTOR_ANNOTATION}=container, but no container engine answers"
    else:
        executor, why = "process", "no container engine answers"
    return Choice(executor, _network(settings, executor, annotation_value(annotations, NETWORK_ANNOTATION)), why)


def _network(settings: Settings, executor: str, asked: str | None) -> bool:
    """Pods always have the cluster's network. Elsewhere KNITGRAPH_RUN_NETWORK and the plan's
    annotation decide; a process Run's network would be the host's, which the administrator
    allows on top (KNITGRAPH_PROCESS_NETWORK)."""
    if executor == "kubernetes":
        return True
    wanted = asked != "off" and (settings.run_network == "always" or (settings.run_network == "plan" and asked == "on"))
    return wanted and (executor != "process" or settings.process_network)


class Runners:
    """The executors of one server, made when first needed; ``docker`` talks to the found engine."""

    def __init__(self, settings: Settings, engine: str | None) -> None:
        self.settings = settings
        self.engine = engine
        self._made: dict[str, Executor] = {}

    def choose(self, annotations: Iterable[str]) -> Choice:
        return choose(self.settings, self.engine, annotations)

    def can_run(self, name: str) -> bool:
        """Is ``name`` one of this server's executors (a Run recorded by another may not be)?"""
        return self.settings.executor == name or (self.settings.executor == "auto" and name in ("process", "docker"))

    def executor(self, name: str) -> Executor:
        if name not in self._made:
            module, class_name = EXECUTORS[name]
            settings = self.settings
            if name == "docker" and self.engine is not None:
                settings = settings.model_copy(update={"docker_host": self.engine})
            self._made[name] = getattr(importlib.import_module(module), class_name)(settings)
        return self._made[name]
