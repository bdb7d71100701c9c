"""Executors run a Run's task somewhere real: a sandboxed process, a container, a Kubernetes Job.

The server picks one by configuration (``knitgraph.server.executor_choice``); the ``kubernetes``
executor lives in ``knitgraph.k8s`` beside everything else Kubernetes, and implements the same
protocol.
"""

from __future__ import annotations

from .base import LOST_WORKER, RUN_LABEL, Execution, Executor, ExitStatus, Job, Mount, Serving, task_name

__all__ = ["LOST_WORKER", "RUN_LABEL", "Execution", "Executor", "ExitStatus", "Job", "Mount", "Serving", "task_name"]
