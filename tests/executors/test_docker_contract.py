"""The docker executor keeps the executor contract, against a real engine (Podman's Docker API)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import ClassVar

import anyio.to_thread
import docker
import docker.errors
import pytest

from knitgraph.executors import LOST_WORKER, Execution, ExitStatus, Job, task_name
from knitgraph.executors.docker import DockerExecutor
from knitgraph.server.settings import Settings

from ..conftest import BUSYBOX_IMAGE
from .contract import ExecutorContract


class TestDockerContract(ExecutorContract):
    __test__ = True

    survives_server = True  # containers outlive the server and are found again by name
    runs_commands = True
    ended_outside: ClassVar[ExitStatus] = LOST_WORKER  # a removed container
    image = BUSYBOX_IMAGE

    @pytest.fixture
    def executor(self, container_engine: str, tmp_path: Path) -> Iterator[DockerExecutor]:
        self.engine = container_engine
        executor = DockerExecutor(Settings(KNITGRAPH_HOME=tmp_path / "home", DOCKER_HOST=container_engine))
        yield executor
        executor.client().close()

    async def end_outside(self, job: Job, execution: Execution) -> None:
        def remove() -> None:
            with closing(docker.DockerClient(base_url=self.engine)) as engine:
                engine.containers.get(task_name(job.run_id)).remove(force=True)

        await anyio.to_thread.run_sync(remove)

    async def task_runs(self, job: Job) -> bool:
        def running() -> bool:
            with closing(docker.DockerClient(base_url=self.engine)) as engine:
                try:
                    return engine.containers.get(task_name(job.run_id)).status == "running"
                except docker.errors.NotFound:
                    return False

        return await anyio.to_thread.run_sync(running)
