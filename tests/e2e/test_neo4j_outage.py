"""Neo4j is SIGKILLed for a minute while pushes, tag changes and Runs are in flight. Meanwhile the
API answers UNAVAILABLE with advice; after Neo4j is back every loop resumes by itself, every Run
ends, every Data a client was told about is there, and none it was refused is."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from knitgraph.server.embedded_neo4j import EmbeddedNeo4j, connection
from knitgraph.server.settings import Settings

from ..conftest import free_port
from .processes import BIN, ServerProcess, knit, knit_json, wait_until

pytestmark = pytest.mark.e2e
OUTAGE_SECONDS = 60
USER_HOME = os.environ.get("HOME", "/root")  # read before the tests' isolation moves HOME: Neo4j's jars are cached there
TASK_SECONDS = 15


@pytest.fixture
def own_neo4j(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[EmbeddedNeo4j, dict[str, str]]]:
    """A Neo4j of this test's own, since the test kills it."""
    monkeypatch.setenv("HOME", USER_HOME)
    settings = Settings(KNITGRAPH_HOME=tmp_path / "neo4j-home", KNITGRAPH_NEO4J_BOLT_PORT=free_port(),
                        KNITGRAPH_NEO4J_HTTP_PORT=free_port())
    server = EmbeddedNeo4j(settings)
    server.start(lambda message: None, die_with_caller=True)
    uri, user, password = connection(settings)
    try:
        yield server, {"NEO4J_URI": uri, "NEO4J_USER": user, "NEO4J_PASSWORD": password}
    finally:
        server.stop(lambda message: None)


def _plan(tmp_path: Path) -> Path:
    file = tmp_path / "copy.plan.yaml"
    file.write_text(yaml.safe_dump({
        "image": "copy:v1", "entrypoint": ["sh", "-c", f"sleep {TASK_SECONDS}; cp /in/1/x /out/1/x"],
        "inputs": [{"path": "/in/1", "tags": ["kind:outage"]}],
        "outputs": [{"path": "/out/1", "tags": ["kind:copied"]}], "log": {"tags": ["kind:outage-log"]},
    }))
    return file


def _push(env: dict[str, str], cwd: Path, name: str) -> tuple[int, str]:
    folder = cwd / name
    folder.mkdir(exist_ok=True)
    (folder / "x").write_text(name)
    done = knit("data", "push", "-t", "kind:outage", "-t", f"name:{name}", str(folder), env=env, cwd=cwd,
                expect=None)
    return done.returncode, done.stdout + done.stderr


def _graphql_code(server: ServerProcess) -> str:
    """The code a GraphQL client gets: from the GraphQL errors, or from the refusal before GraphQL
    (the token cannot be checked while Neo4j is away)."""
    body = httpx.post(f"{server.url}/graphql", json={"query": "{ findData(tags: [\"kind:outage\"]) { knitId } }"},
                      timeout=90, headers=server.headers).json()
    if "message" in body:
        return str(body["message"]["code"])
    return str(body["errors"][0]["extensions"]["code"]) if body.get("errors") else "OK"


def test_neo4j_killed_for_a_minute_loses_nothing_and_everything_resumes(
    own_neo4j: tuple[EmbeddedNeo4j, dict[str, str]], tmp_path: Path
) -> None:
    neo4j, neo4j_env = own_neo4j
    server = ServerProcess(tmp_path / "home", neo4j_env)
    env = {**server.env, "KNIT_SERVER": server.url}
    server.start()
    try:
        knit("plan", "apply", str(_plan(tmp_path), ), env=env, cwd=tmp_path)
        accepted = [name for name in ("before-1", "before-2") if _push(env, tmp_path, name)[0] == 0]
        wait_until(lambda: len(knit_json("run", "find", "-s", "running", env=env, cwd=tmp_path)) == 2,
                   "two Runs to be running")

        pid = neo4j.pid()
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        refused: list[str] = []
        while time.monotonic() - killed_at < OUTAGE_SECONDS:
            name = f"during-{len(refused)}"
            status, said = _push(env, tmp_path, name)
            assert status == 1 and "Neo4j" in said and "advice" in said, said
            refused.append(name)
            assert _graphql_code(server) == "UNAVAILABLE"
            assert httpx.get(f"{server.url}/healthz", timeout=90).status_code == 503
            tagged = knit("data", "tag", "--add", "x:y", "00000000-0000-0000-0000-000000000000", env=env,
                          cwd=tmp_path, expect=1)
            assert "Neo4j" in tagged.stderr, tagged.stderr
            time.sleep(5)
        status = subprocess.run([str(BIN / "knitgraph"), "status"], env=server.env, capture_output=True, text=True,
                                check=False)
        assert status.returncode == 1 and "neo4j: DOWN: Neo4j at" in status.stdout, status.stdout + status.stderr

        neo4j.start(lambda message: None, die_with_caller=True)
        wait_until(lambda: httpx.get(f"{server.url}/healthz", timeout=90).status_code == 200, "the API to serve",
                   timeout=120)
        # The two Runs' tasks ended during the outage: their outcomes are recorded now, not lost.
        wait_until(lambda: [r["status"] for r in knit_json("run", "find", env=env, cwd=tmp_path)
                            if r["plan"].get("image") == "copy:v1"] == ["done", "done"],
                   "the in-flight Runs to be done", timeout=120)
        # Every loop works again: a push after the outage starts a Run that a worker takes and ends.
        assert _push(env, tmp_path, "after")[0] == 0
        accepted.append("after")
        wait_until(lambda: sorted(r["status"] for r in knit_json("run", "find", env=env, cwd=tmp_path)
                                  if r["plan"].get("image") == "copy:v1") == ["done"] * 3,
                   "the Run of the new push to be done", timeout=120)
        assert json.loads(httpx.get(f"{server.url}/healthz", timeout=90).text)["failingLoops"] == {}
        status = subprocess.run([str(BIN / "knitgraph"), "status"], env=server.env, capture_output=True, text=True,
                                check=False)
        assert status.returncode == 0 and "neo4j: up" in status.stdout, status.stdout + status.stderr

        names = sorted(tag.split(":", 1)[1] for data in knit_json("data", "find", "-t", "kind:outage", env=env,
                                                                  cwd=tmp_path)
                       for tag in data["tags"] if tag.startswith("name:"))
        assert names == sorted(accepted)  # no refused push became a Data, no accepted one is missing
        copies = knit_json("data", "find", "-t", "kind:copied", env=env, cwd=tmp_path)
        assert len(copies) == 3
        for copy in copies:
            knit("data", "pull", "-x", copy["knitId"], "pulled", env=env, cwd=tmp_path)
        assert sorted((tmp_path / "pulled" / c["knitId"] / "x").read_text() for c in copies) == sorted(accepted)
        assert refused, "the outage saw no request"
    except AssertionError as failure:
        raise AssertionError(f"{failure}\n--- server log ---\n{server.log_tail()}") from None
    finally:
        server.stop()



