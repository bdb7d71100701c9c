"""The ``docker`` executor: the Plan's image in a container, through the Docker Engine API.

Any engine speaking that API works: Docker, or Podman's compatible socket (``podman system
service``). Containers are named ``knit-run-<runId>`` and labelled ``knitgraph.run``, so a server
that restarts finds and re-attaches to them. Inputs are bind-mounted read-only, outputs
read-write; ``resources`` become the container's memory, CPU and process limits; a network of its
own (bridge) only when the Run has network (``executor_choice``). The container's output is the Run's log.

Containers are unprivileged: every capability dropped, no new privileges, a read-only root file
system with a ``/tmp`` of the Run's ``ephemeral-storage`` (also ``HOME``), and the user
``KNITGRAPH_DOCKER_USER`` (65534:65534 by default, which owns the outputs; empty keeps the
image's own user, for images that need root).
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import threading
from typing import Any, Protocol

import anyio.to_thread
import docker
import docker.errors
from docker.models.containers import Container

from knitgraph.graph_schema.errors import UnavailableError
from knitgraph.graph_schema.quantities import cpu_nanos, memory_bytes

from .base import LOST_WORKER, RUN_LABEL, ExitStatus, Job, task_name
from .limits import run_limits
from .netns import open_namespace, socket_in

logger = logging.getLogger("knitgraph.executors.docker")
SCRATCH = "/tmp"

logger = logging.getLogger("knitgraph.executors.docker")


class DockerSettings(Protocol):
    """What the docker executor reads of the server's settings."""

    @property
    def docker_host(self) -> str | None: ...

    @property
    def docker_user(self) -> str: ...


def _is_gone(exc: docker.errors.APIError) -> bool:
    """The container no longer exists (Docker answers 404; Podman sometimes a 500 saying so)."""
    return isinstance(exc, docker.errors.NotFound) or "no such container" in str(exc).lower()


class DockerExecution:
    def __init__(self, container: Container, job: Job, log_mode: str) -> None:
        self.container = container
        self.limits = run_limits(job.resources)
        self.service_port = job.service.port if job.service else None
        self.namespace: int | None = None  # the container's network namespace, once a service is reached
        self.namespace_lock = threading.Lock()
        self.log_thread = threading.Thread(target=self._copy_log, args=(job, log_mode), daemon=True)
        self.log_thread.start()

    def _copy_log(self, job: Job, mode: str) -> None:
        if job.log_file is None:
            return
        with open(job.log_file, mode) as log:
            try:
                for chunk in self.container.logs(stream=True, follow=True, stdout=True, stderr=True):
                    log.write(chunk)
                    log.flush()
            except docker.errors.APIError as exc:
                # Removed meanwhile (Podman may say so with a 500): wait() tells the Run it is lost.
                if not _is_gone(exc):
                    logger.warning("run %s: copying the container's log stopped: %s", job.run_id, exc)

    def _wait(self) -> ExitStatus:
        try:
            result = self.container.wait()
        except docker.errors.APIError as exc:
            if _is_gone(exc):
                return LOST_WORKER  # removed before we waited
            raise
        self.log_thread.join(timeout=30)
        if (error := result.get("Error")) and error.get("Message"):
            return LOST_WORKER  # removed while we waited (Podman then answers 0 with an error)
        try:
            self.container.reload()
        except docker.errors.APIError as exc:
            if _is_gone(exc):
                return LOST_WORKER
            raise
        if self.container.attrs.get("State", {}).get("OOMKilled"):
            return self.limits.exceeded("memory", "ran out of its memory limit of")
        return ExitStatus(int(result.get("StatusCode", 255)))

    async def wait(self) -> ExitStatus:
        return await anyio.to_thread.run_sync(self._wait)

    def service_socket(self) -> tuple[socket.socket, tuple[str, int]]:
        """A service container listens in its own network namespace (none other than its loopback
        unless its plan has network): the server, on the engine's host, makes its socket there."""
        if self.service_port is None:
            raise UnavailableError("this Run serves nothing", "only a service plan's Runs are reachable")
        with self.namespace_lock:  # connections are made from several threads at once
            if self.namespace is None:
                self.namespace = self._container_namespace()
            return socket_in(self.namespace), ("127.0.0.1", self.service_port)

    def _container_namespace(self) -> int:
        """The container's network namespace, held from the first connection on; its process is
        checked to be the container's (the engine's pids are this machine's only for a local engine)."""
        try:
            self.container.reload()
        except docker.errors.APIError as exc:
            raise OSError(errno.ESRCH, f"its container is gone ({exc.explanation})") from None
        pid = int(self.container.attrs.get("State", {}).get("Pid") or 0)
        if pid <= 0:
            raise OSError(errno.ESRCH, "its container is not running")
        namespace = open_namespace(pid)
        try:
            with open(f"/proc/{pid}/cgroup") as cgroup:
                ours = self.container.id in cgroup.read()
        except OSError:
            ours = False
        if not ours:
            os.close(namespace)
            raise OSError(errno.EHOSTUNREACH, "its container's process is not on this machine: a service needs the "
                                              "container engine on the server's host")
        return namespace

    def _remove(self) -> None:
        try:
            self.container.remove()
        except docker.errors.APIError:
            pass  # already gone, or the engine keeps it: either way the Run has its result

    async def cleanup(self) -> None:
        if self.namespace is not None:
            os.close(self.namespace)
            self.namespace = None
        await anyio.to_thread.run_sync(self._remove)

    async def stop(self) -> None:
        try:
            await anyio.to_thread.run_sync(lambda: self.container.stop(timeout=10))
        except docker.errors.APIError as exc:
            if not _is_gone(exc):  # else it is gone already: nothing left to stop
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
        limits = run_limits(job.resources)
        options: dict[str, Any] = {
            "name": task_name(job.run_id),
            "labels": {RUN_LABEL: job.run_id},
            "volumes": {str(m.source): {"bind": m.target, "mode": "rw" if m.writable else "ro"} for m in job.mounts},
            "detach": True,
            "network_mode": "bridge" if job.network else "none",
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges"],
            "pids_limit": limits.pids,
            "read_only": True,
            "tmpfs": {SCRATCH: f"rw,nosuid,nodev,size={limits.scratch},mode=1777"},
            "environment": {"HOME": SCRATCH, "TMPDIR": SCRATCH, "KNIT_RUN_ID": job.run_id, **job.env},
        }
        if self.settings.docker_user:
            options["user"] = self.settings.docker_user
        if job.entrypoint is not None:
            options["entrypoint"] = job.entrypoint
        if job.args is not None:
            options["command"] = job.args
        if "memory" in job.resources and (limit := memory_bytes(job.resources["memory"])):
            options["mem_limit"] = limit
        if "cpu" in job.resources and (cpus := cpu_nanos(job.resources["cpu"])):
            options["nano_cpus"] = cpus
        return options

    def _prepare_outputs(self, job: Job) -> None:
        """Outputs belong to the container's user (when the server is root and sets one)."""
        uid, _, gid = self.settings.docker_user.partition(":")
        if os.geteuid() != 0 or not uid.isdigit():
            return
        for mount in job.mounts:
            if mount.writable:
                os.chown(mount.source, int(uid), int(gid) if gid.isdigit() else -1)

    def _start(self, job: Job) -> DockerExecution:
        self._prepare_outputs(job)
        client = self.client()
        try:
            container = client.containers.run(job.image, **self._options(job))
        except docker.errors.ImageNotFound as exc:
            raise UnavailableError(
                f"image {job.image} is not in the container engine",
                "build or load it there first (`docker build`/`docker load`, or the podman equivalents)",
            ) from exc
        except docker.errors.APIError as exc:
            if exc.status_code == 409 or "already in use" in str(exc):  # created before a crash: use it
                container = client.containers.get(task_name(job.run_id))
                if container.status == "created":
                    container.start()
                return DockerExecution(container, job, "wb")
            self._remove_unstarted(client, job)
            raise UnavailableError(f"the container engine refused run {job.run_id}: {exc.explanation}",
                                   "check the image and the engine's log") from exc
        return DockerExecution(container, job, "ab")

    def _remove_unstarted(self, client: docker.DockerClient, job: Job) -> None:
        """A container created but refused at start (Podman keeps it) would block the Run's retry."""
        try:
            client.containers.get(task_name(job.run_id)).remove(force=True)
        except docker.errors.APIError:
            pass  # never created, or already gone

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
