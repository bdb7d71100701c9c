"""Which executor runs this server's Runs: ``KNITGRAPH_EXECUTOR`` looked up in a table.

Each executor is imported only when chosen, so a server that runs processes never loads the
Docker or Kubernetes clients.
"""

from __future__ import annotations

import importlib
from typing import Final

from knitgraph.executors import Executor
from knitgraph.graph_schema.errors import InvalidInputError

from .settings import Settings

EXECUTORS: Final = {
    "process": ("knitgraph.executors.process", "ProcessExecutor"),
    "docker": ("knitgraph.executors.docker", "DockerExecutor"),
    "kubernetes": ("knitgraph.k8s.executor", "KubernetesExecutor"),
}


def create_executor(settings: Settings) -> Executor:
    """The executor named by ``KNITGRAPH_EXECUTOR`` (``process`` by default)."""
    if settings.executor not in EXECUTORS:
        raise InvalidInputError(
            f"unknown executor '{settings.executor}'", f"set KNITGRAPH_EXECUTOR to one of: {', '.join(EXECUTORS)}"
        )
    module, name = EXECUTORS[settings.executor]
    executor: Executor = getattr(importlib.import_module(module), name)(settings)
    return executor
