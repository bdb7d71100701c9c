"""Fixtures: a real Neo4j for the whole session, a clean database per test, the app in-process.

Neo4j is the embedded server (started here with free ports, in a temporary home) unless NEO4J_URI
points at another one. If it cannot start, every test that needs it fails: nothing is skipped.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import anyio
import pytest
from click.testing import CliRunner, Result
from starlette.testclient import TestClient

from knitgraph.cli.client import KnitClient
from knitgraph.cli.context import CliContext
from knitgraph.cli.main import cli
from knitgraph.graph_schema.access import Role, create_user
from knitgraph.graph_schema.driver import Graph
from knitgraph.graph_schema.maintenance import wipe
from knitgraph.graph_schema.timefmt import now_ms
from knitgraph.server.app import create_app
from knitgraph.server.embedded_neo4j import EmbeddedNeo4j, connection
from knitgraph.server.services.access import create_token
from knitgraph.server.settings import Settings

from .app_transport import AppTransport
from .leftovers import RUNNING
from .podman import podman_engine

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def neo4j_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """NEO4J_URI/USER/PASSWORD of the session's Neo4j, started here unless NEO4J_URI is set."""
    if os.environ.get("NEO4J_URI"):
        yield {key: os.environ[key] for key in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD") if key in os.environ}
        return
    home = tmp_path_factory.mktemp("neo4j-home")
    settings = Settings(
        KNITGRAPH_HOME=home, KNITGRAPH_NEO4J_BOLT_PORT=free_port(), KNITGRAPH_NEO4J_HTTP_PORT=free_port()
    )
    server = EmbeddedNeo4j(settings)
    server.start(lambda message: None, die_with_caller=True)
    uri, user, password = connection(settings)
    try:
        yield {"NEO4J_URI": uri, "NEO4J_USER": user, "NEO4J_PASSWORD": password}
    finally:
        server.stop(lambda message: None)


RUNS_SCRIPTS = Path(__file__).resolve().parent / "runs_scripts"


@pytest.fixture
def settings(neo4j_env: dict[str, str], tmp_path: Path) -> Settings:
    """The tests' server: its plans' scripts (tests/runs_scripts) shared read-only with Runs."""
    return Settings(KNITGRAPH_HOME=tmp_path / "home", KNITGRAPH_PROCESS_READ_ONLY=str(RUNS_SCRIPTS), **neo4j_env)


def run_on_graph(settings: Settings, work: Callable[[Graph], Awaitable[T]]) -> T:
    """Run one async graph_schema call from a sync test, on a connection of its own."""

    async def main() -> T:
        uri, user, password = connection(settings)
        graph = Graph(uri, user, password, settings.neo4j_database)
        try:
            return await work(graph)
        finally:
            await graph.close()

    return anyio.run(main)


@pytest.fixture
def clean_graph(settings: Settings) -> Settings:
    """An empty knitgraph database (migrated, pseudo plans present)."""
    run_on_graph(settings, wipe)
    return settings


def new_token(settings: Settings, role: Role = Role.ADMIN) -> str:
    """A token of a new user with ``role``, made the way `knitgraph token create` makes it."""
    name = f"{role.value}-{uuid.uuid4().hex[:8]}"

    async def make(graph: Graph) -> str:
        await create_user(graph, name, role, now=now_ms())
        return await create_token(graph, name, "tests")

    return run_on_graph(settings, make)


def app_client(settings: Settings, token: str | None) -> TestClient:
    """starlette's TestClient on the real app, as 127.0.0.1 (the Host the API answers to), with
    ``token`` (None: none)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return TestClient(create_app(settings), base_url="http://127.0.0.1:8080", headers=headers)


@pytest.fixture
def client(clean_graph: Settings) -> Iterator[TestClient]:
    """The real app in-process, lifespan included, over a clean database, with an admin's token."""
    with app_client(clean_graph, new_token(clean_graph)) as test_client:
        yield test_client


class Knit:
    """Runs `knit` commands in-process against the test app."""

    def __init__(self, test_client: TestClient) -> None:
        self.runner = CliRunner()
        self.context = CliContext(_client=KnitClient(AppTransport(test_client)))

    def __call__(self, *args: str, expect: int = 0) -> Result:
        result = self.runner.invoke(cli, list(args), obj=self.context, catch_exceptions=False)
        assert result.exit_code == expect, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        return result

    def only_run(self, plan_id: str, expect: int = 0) -> dict[str, Any]:
        """Wait for the plan's only Run to end (``expect``: the exit of `knit run wait`); return it."""
        (run,) = json.loads(self("run", "find", "-p", plan_id).stdout)
        self("run", "wait", "--timeout", "60", run["runId"], expect=expect)
        return dict(json.loads(self("run", "show", run["runId"]).stdout))


@pytest.fixture
def knit(client: TestClient) -> Knit:
    return Knit(client)


def graphql(test_client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    response = test_client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.fixture(autouse=True)
def isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test runs in its own directory, blind to the user's profiles and knitenv."""
    monkeypatch.chdir(tmp_path)
    for variable in ("KNIT_SERVER", "KNIT_PROFILE", "KNIT_PROFILE_STORE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))


BUSYBOX_IMAGE = "localhost/knit-busybox:test"


@pytest.fixture(scope="session")
def container_engine() -> Iterator[str]:
    """DOCKER_HOST of a real engine: Podman's Docker-compatible socket, started here with a local
    busybox image (no registry needed). Fails, never skips, if Podman cannot start."""
    with podman_engine(BUSYBOX_IMAGE) as engine:
        yield engine.docker_host


@pytest.fixture
def docker_knit(clean_graph: Settings, container_engine: str) -> Iterator[Knit]:
    """`knit` against an app whose executor is `docker` (Podman's socket)."""
    settings = clean_graph.model_copy(update={"executor": "docker", "docker_host": container_engine})
    with app_client(settings, new_token(settings)) as test_client:
        yield Knit(test_client)


@pytest.fixture(autouse=True)
def stop_leftover_servers() -> Iterator[None]:
    """A test that fails half-way may leave its `knitgraph serve` running; it is stopped here, since
    it would otherwise take later tests' Runs from the shared Neo4j and fail them."""
    started_before = set(RUNNING)  # a module's shared server is set up before this and stays
    yield
    for server in list(RUNNING - started_before):
        server.stop()

