"""A Run's limits, read from its resources, and the two every executor shares: the wall-clock
timeout and the size of the outputs, both watched here around any ``Execution``.

The limits are resources of the Plan (``knit plan resource`` changes them), over the server's
defaults (``KNITGRAPH_RUN_*``):

- ``timeout``: wall-clock duration (``90s``, ``30m``, ``2h``, ``1d``), watched here;
- ``memory``: the task's memory, set by each executor (cgroup, container or pod limit);
- ``pids``: the number of processes and threads, set by each executor;
- ``ephemeral-storage``: the scratch (``/tmp``) the task may fill;
- ``output``: the total size of the Run's outputs, measured here while it runs and when it ends.

A Run over a limit is stopped and fails with a message naming the limit.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import anyio
import anyio.to_thread

from knitgraph.graph_schema.quantities import count, duration_seconds, memory_bytes

from .base import Execution, ExitStatus, Job

DEFAULT_LIMITS: Final = {"timeout": "24h", "pids": "1024", "ephemeral-storage": "1Gi", "output": "10Gi"}
"""The server's defaults when its settings name none (``memory`` defaults in the Plan, to 1Gi)."""
LIMIT_KINDS: Final = frozenset({"timeout", "pids", "ephemeral-storage", "output"})
"""Resources that are knitgraph limits rather than Kubernetes resource requests (but for
``ephemeral-storage``, which is both)."""
CHECK_SECONDS = 1.0
TIMEOUT_EXIT = 124  # as coreutils' timeout(1) exits
LIMIT_EXIT = 137  # the task was killed, as a shell reports SIGKILL


@dataclass(frozen=True, slots=True)
class RunLimits:
    timeout: float
    memory: int | None
    pids: int
    scratch: int
    output: int
    texts: dict[str, str]  # as the plan (or the default) wrote them, for messages

    def exceeded(self, kind: str, what: str) -> ExitStatus:
        """The exit of a Run stopped at a limit: the limit, its value, and where it is set."""
        code = TIMEOUT_EXIT if kind == "timeout" else LIMIT_EXIT
        return ExitStatus(code, f"{what} {self.texts[kind]} (resources.{kind})")


def run_limits(resources: dict[str, str]) -> RunLimits:
    """The limits of a Job whose resources already carry the server's defaults; a value the plan
    validation would refuse counts as the default."""
    texts = {**DEFAULT_LIMITS, **{k: v for k, v in resources.items() if k in LIMIT_KINDS or k == "memory"}}
    return RunLimits(
        timeout=duration_seconds(texts["timeout"]) or float(duration_seconds(DEFAULT_LIMITS["timeout"]) or 86400),
        memory=memory_bytes(texts["memory"]) if "memory" in texts else None,
        pids=count(texts["pids"]) or int(DEFAULT_LIMITS["pids"]),
        scratch=memory_bytes(texts["ephemeral-storage"]) or 2**30,
        output=memory_bytes(texts["output"]) or 10 * 2**30,
        texts=texts,
    )


def tree_size(folder: Path) -> int:
    """Bytes of the regular files under a folder (links not followed; vanished files skipped)."""
    total = 0
    stack = [str(folder)]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
            except OSError:
                continue
    return total


class LimitedExecution:
    """An ``Execution`` stopped when it outlives its timeout or its outputs outgrow their limit."""

    def __init__(self, inner: Execution, job: Job) -> None:
        self.inner = inner
        self.limits = run_limits(job.resources)
        self.outputs = [mount.source for mount in job.mounts if mount.writable]
        # A service serves until it is replaced or stopped: no wall-clock limit.
        self.timeout = math.inf if job.service is not None else self.limits.timeout

    def _outputs_size(self) -> int:
        return sum(tree_size(folder) for folder in self.outputs)

    async def _over_output(self) -> bool:
        return await anyio.to_thread.run_sync(self._outputs_size) > self.limits.output

    async def wait(self) -> ExitStatus:
        breach: ExitStatus | None = None
        status: ExitStatus | None = None

        async def wait_inner() -> None:
            nonlocal status
            status = await self.inner.wait()
            scope.cancel()

        async with anyio.create_task_group() as tasks:
            scope = tasks.cancel_scope
            tasks.start_soon(wait_inner)
            deadline = anyio.current_time() + self.timeout
            while True:
                await anyio.sleep(max(0.0, min(CHECK_SECONDS, deadline - anyio.current_time())))
                if anyio.current_time() >= deadline:
                    breach = self.limits.exceeded("timeout", "exceeded its wall-clock timeout of")
                elif await self._over_output():
                    breach = self.limits.exceeded("output", "wrote more than its output limit of")
                if breach is not None:
                    await self.inner.stop()
                    break
        if status is None:
            status = await self.inner.wait()
        if breach is None and await self._over_output():
            breach = self.limits.exceeded("output", "wrote more than its output limit of")
        return breach or status

    async def stop(self) -> None:
        await self.inner.stop()

    async def cleanup(self) -> None:
        await self.inner.cleanup()
