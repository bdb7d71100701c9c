"""Run an example's run.sh as a user would: its own `knitgraph up` (API server on a free port,
over the session's Neo4j, wiped first), `knit` as separate processes, graphviz for the SVGs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
import pytest

from knitgraph.server.settings import Settings

from ..conftest import free_port
from ..e2e.processes import BIN, knit_json

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# Read now, with the real HOME (tests run with HOME in their temporary folder): the base image's
# root file system is built once per machine and cached there.
IMAGE_CACHE = os.environ.get("KNITGRAPH_IMAGE_CACHE") or str(Path(platformdirs.user_cache_dir("knitgraph")) / "images")


@dataclass
class Example:
    """One run of an example's run.sh; its server stays up until the test ends."""

    work: Path
    env: dict[str, str]
    output: str

    def knit(self, *args: str) -> Any:
        return knit_json(*args, env=self.env, cwd=self.work)


@pytest.fixture
def run_example(clean_graph: Settings, neo4j_env: dict[str, str], tmp_path: Path) -> Iterator[Any]:
    started: list[dict[str, str]] = []

    def run(script: str, **extra: str) -> Example:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("NEO4J_", "KNIT_", "KNITGRAPH_"))}
        env.update(neo4j_env)
        env.update(KNITGRAPH_HOME=str(tmp_path / "home"), KNITGRAPH_PORT=str(free_port()),
                   KNITGRAPH_IMAGE_CACHE=IMAGE_CACHE, WORK=str(tmp_path / "work"),
                   PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", **extra)
        started.append(env)
        done = subprocess.run(["bash", str(EXAMPLES / script)], env=env, cwd=tmp_path, capture_output=True,
                              text=True, timeout=1200, check=False)
        assert done.returncode == 0, f"{script} exited {done.returncode}\n{done.stdout}\n{done.stderr[-20000:]}"
        return Example(tmp_path / "work", env, done.stdout + done.stderr)

    try:
        yield run
    finally:
        for env in started:
            subprocess.run([str(BIN / "knitgraph"), "down"], env=env, capture_output=True, check=False)


@pytest.fixture(scope="session")
def example_images(container_engine: str) -> str:
    """The examples' images, built in the test engine (the base image's tarball comes from the
    machine's cache, or is built with mmdebstrap once). Returns DOCKER_HOST."""
    env = {**os.environ, "DOCKER_HOST": container_engine, "KNITGRAPH_IMAGE_CACHE": IMAGE_CACHE}
    done = subprocess.run([sys.executable, str(EXAMPLES / "images" / "build.py")], env=env,
                          capture_output=True, text=True, timeout=1200, check=False)
    assert done.returncode == 0, f"building the examples' images failed:\n{done.stdout}\n{done.stderr}"
    return container_engine
