"""A real `knitgraph serve` for commands typed on a terminal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from knitgraph.server.settings import Settings

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
