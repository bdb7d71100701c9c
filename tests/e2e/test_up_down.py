"""`knitgraph up` / `down` with the embedded Neo4j: the data survive, and knit finds the server."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from knitgraph.server.admin.podman import ManagedPodman
from knitgraph.server.settings import Settings

from ..conftest import free_port
from ..trees import describe, make_varied_tree
from .processes import BIN, knit, knit_json


def knitgraph(*args: str, env: dict[str, str], expect: int = 0) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(BIN / "knitgraph"), *args], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == expect, f"knitgraph {' '.join(args)} -> {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.e2e
def test_data_survive_down_and_up(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("NEO4J_", "KNIT_"))}
    env.update(
        KNITGRAPH_HOME=str(tmp_path / "home"),
        KNITGRAPH_PORT=str(free_port()),
        KNITGRAPH_NEO4J_BOLT_PORT=str(free_port()),
        KNITGRAPH_NEO4J_HTTP_PORT=str(free_port()),
        KNITGRAPH_PODMAN_STORAGE=str(tmp_path / "podman"),
    )
    env.pop("DOCKER_HOST", None)
    tree = make_varied_tree(tmp_path / "dataset")
    podman = ManagedPodman(Settings(KNITGRAPH_HOME=tmp_path / "home", KNITGRAPH_PODMAN_STORAGE=tmp_path / "podman"))
    said = knitgraph("up", env=env).stderr
    assert f"container engine: Podman at unix://{podman.socket}" in said, said  # for plans' images
    assert f"console: http://127.0.0.1:{env['KNITGRAPH_PORT']}/  (sign in: knitgraph console)" in said, said
    try:
        assert f"container engine: unix://{podman.socket}" in knitgraph("status", env=env).stdout
        password_file = tmp_path / "home" / "neo4j" / "password"
        assert oct(password_file.stat().st_mode & 0o777) == "0o600"
        assert oct((tmp_path / "home" / "knitprofile").stat().st_mode & 0o777) == "0o600"
        assert "api server: up" in knitgraph("status", env=env).stdout
        pushed = knit_json("data", "push", "-t", "survives:restart", str(tree), env=env, cwd=tmp_path)
        knitgraph("down", env=env)
        assert "api server: down" in knitgraph("status", env=env, expect=1).stdout
        knitgraph("up", env=env)
        found = knit_json("data", "find", "-t", "survives:restart", env=env, cwd=tmp_path)
        assert [d["knitId"] for d in found] == [pushed["knitId"]]
        knit("data", "pull", "-x", pushed["knitId"], "out", env=env, cwd=tmp_path)
        assert describe(tmp_path / "out" / pushed["knitId"]) == describe(tree)
    finally:
        knitgraph("down", env=env)
        # Podman keeps its storage's overlay folder mounted; reset unmounts it, or pytest cannot delete it.
        subprocess.run([*podman.command(), "system", "reset", "--force"], env=podman.env(), capture_output=True, check=False)
    status = knitgraph("status", env=env, expect=1).stdout
    assert "neo4j: down" in status and "container engine: none answers" in status
    assert podman.pid() is None and not podman.socket.exists()
