"""The container engine a server can run images with, and what it knows of an image.

Any engine speaking the Docker Engine API counts: ``DOCKER_HOST``, else the Podman service that
``knitgraph up`` manages (:func:`managed_socket`), else Docker's or Podman's usual sockets. The
``docker`` executor runs the containers; this module only finds the engine and reads images, for
the choice of executor and the checks at ``knit plan apply``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import docker
import docker.errors

logger = logging.getLogger("knitgraph.executors.engine")

PING_SECONDS = 3
# The Engine API version asked for, instead of asking the engine (GET /version): Podman takes half a
# second to answer that, on every `knit plan apply`. Docker and Podman both serve 1.41.
API_VERSION = "1.41"
USUAL_SOCKETS = ("/var/run/docker.sock", "/run/podman/podman.sock")


class EngineSettings(Protocol):
    @property
    def home(self) -> Path: ...

    @property
    def docker_host(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class ImageFacts:
    """What an image would run by itself: its ENTRYPOINT, CMD and WORKDIR."""

    entrypoint: list[str]
    cmd: list[str]
    working_dir: str

    @property
    def has_command(self) -> bool:
        return bool(self.entrypoint or self.cmd)


def managed_socket(settings: EngineSettings) -> Path:
    """Where the Podman service of ``knitgraph up`` listens: a private folder of this user in the
    runtime directory, named after the knitgraph home (a socket path must stay under 108 bytes,
    which a home deep in a file system would exceed)."""
    runtime = Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir())
    home = hashlib.sha256(str(settings.home.resolve()).encode()).hexdigest()[:12]
    return runtime / f"knitgraph-{os.getuid()}-{home}" / "podman.sock"


def _answers(url: str) -> bool:
    try:
        client = docker.DockerClient(base_url=url, version=API_VERSION, timeout=PING_SECONDS)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (docker.errors.DockerException, OSError) as exc:
        logger.info("no container engine answers at %s: %s", url, exc)
        return False


def find_engine(settings: EngineSettings) -> str | None:
    """The URL of the first engine that answers, or None. ``DOCKER_HOST``, when set, is the only
    one asked: an administrator who names an engine means that one."""
    if settings.docker_host:
        return settings.docker_host if _answers(settings.docker_host) else None
    for socket in (managed_socket(settings), *map(Path, USUAL_SOCKETS)):
        if socket.is_socket() and _answers(f"unix://{socket}"):
            return f"unix://{socket}"
    return None


def image_facts(engine: str, image: str) -> ImageFacts | None:
    """The image's own command and folder, or None when the engine does not have it."""
    client = docker.DockerClient(base_url=engine, version=API_VERSION, timeout=PING_SECONDS * 3)
    try:
        config = client.images.get(image).attrs.get("Config") or {}
    except docker.errors.ImageNotFound:
        return None
    finally:
        client.close()
    return ImageFacts(list(config.get("Entrypoint") or []), list(config.get("Cmd") or []),
                      str(config.get("WorkingDir") or ""))
