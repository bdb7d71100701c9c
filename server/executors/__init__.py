"""Executors run a Run's task somewhere real; the server picks one by configuration."""

from __future__ import annotations

from knitgraph.graph_schema.errors import InvalidInputError

from ..settings import Settings
from .base import Execution, Executor, ExitStatus, Job, Mount
from .docker import DockerExecutor
from .process import ProcessExecutor

__all__ = ["DockerExecutor", "Execution", "Executor", "ExitStatus", "Job", "Mount", "ProcessExecutor",
           "create_executor"]

EXECUTORS = ("process", "docker", "kubernetes")


def create_executor(settings: Settings) -> Executor:
    """The executor named by ``KNITGRAPH_EXECUTOR`` (``process`` by default)."""
    if settings.executor == "process":
        return ProcessExecutor(settings)
    if settings.executor == "docker":
        return DockerExecutor(settings)
    if settings.executor == "kubernetes":
        from knitgraph.k8s.executor import KubernetesExecutor  # the kubernetes client loads only when used

        return KubernetesExecutor(settings)
    raise InvalidInputError(
        f"unknown executor '{settings.executor}'", f"set KNITGRAPH_EXECUTOR to one of: {', '.join(EXECUTORS)}"
    )
