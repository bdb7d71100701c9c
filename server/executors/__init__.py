"""Executors run a Run's task somewhere real; the server picks one by configuration."""

from __future__ import annotations

from knitgraph.graph_schema.errors import InvalidInputError

from ..settings import Settings
from .base import Execution, Executor, Job, Mount
from .docker import DockerExecutor
from .process import ProcessExecutor

__all__ = ["DockerExecutor", "Execution", "Executor", "Job", "Mount", "ProcessExecutor", "create_executor"]


def create_executor(settings: Settings) -> Executor:
    """The executor named by ``KNITGRAPH_EXECUTOR`` (``process`` by default)."""
    executors: dict[str, type[ProcessExecutor] | type[DockerExecutor]] = {
        "process": ProcessExecutor, "docker": DockerExecutor,
    }
    if settings.executor not in executors:
        raise InvalidInputError(
            f"unknown executor '{settings.executor}'", f"set KNITGRAPH_EXECUTOR to one of: {', '.join(executors)}"
        )
    return executors[settings.executor](settings)
