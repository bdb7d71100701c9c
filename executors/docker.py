"""The ``docker`` executor: the Plan's image in a container, through the Docker Engine API.

Any engine speaking that API works: Docker, or Podman's compatible socket (``podman system
service``). Containers are named ``knit-run-<runId>`` and labelled ``knitgraph.run``, so a server
that restarts finds and re-attaches to them. Inputs are bind-mounted read-only, outputs
read-write; ``resources`` become the container's memory and CPU limits; no network unless
``KNITGRAPH_PROCESS_NETWORK`` allows it. The container's output is the Run's log.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

import anyio.to_thread
import docker
import docker.errors
from docker.models.containers import Container

from knitgraph.graph_schema.errors import UnavailableError
from knitgraph.graph_schema.quantities import cpu_nanos, memory_bytes

from .base import RUN_LABEL, ExitStatus, Job, task_name

logger = logging.getLogger("knitgraph.executors.docker")


class DockerSettings(Protocol):
    """What the docker executor reads of the server's settings."""

    @property
    def docker_host(self) -> str | None: ...

    @property
    def process_network(self) -> bool: ...


class DockerExecution:
    def __init__(self, container: Container, job: Job, log_mode: str) -> None:
        self.container = container
        self.log_thread = threading.Thread(target=self._copy_log, args=(job, log_mode), daemon=True)
        self.log_thread.start()

    def _copy_log(self, job: Job, mode: str) -> None:
        if job.log_file is None:
            return
        with open(job.log_file, mode) as log:
            for chunk in self.container.logs(stream=True, follow=True, stdout=True, stderr=True):
                log.write(chunk)
                log.flush()

    def _wait(self) -> ExitStatus:
        result = self.container.wait()
        self.log_thread.join(timeout=30)
        return ExitStatus(int(result.get("StatusCode", 255)))

    async def wait(self) -> ExitStatus:
        return await anyio.to_thread.run_sync(self._wait)

    def _remove(self) -> None:
        try:
            self.container.remove()
        except docker.errors.APIError:
            pass  # already gone, or the engine keeps it: either way the Run has its result

    async def cleanup(self) -> None:
        await anyio.to_thread.run_sync(self._remove)

    async def stop(self) -> None:
        try:
            await anyio.to_thread.run_sync(lambda: self.container.stop(timeout=10))
        except docker.errors.NotFound:
            pass  # it ended by itself meanwhile
        except docker.errors.APIError as exc:
            if "no such container" not in str(exc).lower():  # Podman says so with a 500, not a 404
                raise


class DockerExecutor:
    name = "docker"
    survives_server = True

    def __init__(self, settings: DockerSettings) -> None:
        self.settings = settings
        self._client: docker.DockerClient | None = None

    def client(self) -> docker.DockerClient:
        if self._client is None:
            try:
                self._client = docker.DockerClient(base_url=self.settings.docker_host) if self.settings.docker_host \
                    else docker.from_env()
                self._client.ping()
            except docker.errors.DockerException as exc:
                self._client = None
                logger.warning("no container engine answers at %s: %s", self.settings.docker_host or "DOCKER_HOST", exc)
                raise UnavailableError(
                    "no container engine answers (the server log has the details)",
                    "start Docker, or Podman's socket (`podman system service`), and set DOCKER_HOST to it",
                ) from exc
        return self._client

    def _options(self, job: Job) -> dict[str, Any]:
        options: dict[str, Any] = {
            "name": task_name(job.run_id),
            "labels": {RUN_LABEL: job.run_id},
            "volumes": {str(m.source): {"bind": m.target, "mode": "rw" if m.writable else "ro"} for m in job.mounts},
            "detach": True,
            "network_mode": "bridge" if self.settings.process_network else "none",
        }
        if job.entrypoint is not None:
            options["entrypoint"] = job.entrypoint
        if job.args is not None:
            options["command"] = job.args
        if "memory" in job.resources and (limit := memory_bytes(job.resources["memory"])):
            options["mem_limit"] = limit
        if "cpu" in job.resources and (cpus := cpu_nanos(job.resources["cpu"])):
            options["nano_cpus"] = cpus
        return options

    def _start(self, job: Job) -> DockerExecution:
        client = self.client()
        try:
            container = client.containers.run(job.image, **self._options(job))
        except docker.errors.ImageNotFound as exc:
            raise UnavailableError(
                f"image {job.image} is not in the container engine",
                "build or load it there first (`docker build`/`docker load`, or the podman equivalents)",
            ) from exc
        except docker.errors.APIError as exc:
            if exc.status_code == 409:  # created before a crash: use it
                container = client.containers.get(task_name(job.run_id))
                if container.status == "created":
                    container.start()
                return DockerExecution(container, job, "wb")
            raise UnavailableError(f"the container engine refused run {job.run_id}: {exc.explanation}",
                                   "check the image and the engine's log") from exc
        return DockerExecution(container, job, "ab")

    async def start(self, job: Job) -> DockerExecution:
        return await anyio.to_thread.run_sync(self._start, job)

    def _reattach(self, job: Job) -> DockerExecution | None:
        try:
            container = self.client().containers.get(task_name(job.run_id))
        except docker.errors.NotFound:
            return None
        return DockerExecution(container, job, "wb")

    async def reattach(self, job: Job) -> DockerExecution | None:
        return await anyio.to_thread.run_sync(self._reattach, job)
