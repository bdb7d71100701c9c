"""A real `knitgraph serve` for commands typed on a terminal: one per test, or one per module."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from knitgraph.graph_schema.maintenance import wipe
from knitgraph.server.settings import Settings

from ..conftest import run_on_graph
from ..e2e.processes import ServerProcess


@pytest.fixture
def served(clean_graph: Settings, neo4j_env: dict[str, str], tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a user whose `knit` talks to a freshly served knitgraph."""
    server = ServerProcess(tmp_path / "server-home", neo4j_env)
    server.start()
    try:
        yield {"KNIT_SERVER": server.url, "KNIT_TOKEN": server.env["KNIT_TOKEN"], "HOME": str(tmp_path),
               "LANG": "C.UTF-8"}
    finally:
        server.stop()


@dataclass(frozen=True)
class Served:
    """One `knitgraph serve` shared by a module's tests: the user's `knit` environment, the admin's
    `knitgraph` environment (same KNITGRAPH_HOME and Neo4j), and a working directory."""

    knit_env: dict[str, str]
    admin_env: dict[str, str]
    cwd: Path


@pytest.fixture(scope="module")
def served_module(neo4j_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Isolated as ``served`` is: the database is wiped first, and no other test runs meanwhile."""
    root = tmp_path_factory.mktemp("served")
    home = root / "server-home"
    run_on_graph(Settings(KNITGRAPH_HOME=home, **neo4j_env), wipe)
    server = ServerProcess(home, neo4j_env)
    server.start()
    try:
        knit_env = {"KNIT_SERVER": server.url, "KNIT_TOKEN": server.env["KNIT_TOKEN"], "HOME": str(root),
                    "LANG": "C.UTF-8"}
        yield Served(knit_env, {**server.env, "HOME": str(root), "LANG": "C.UTF-8"}, root)
    finally:
        server.stop()
