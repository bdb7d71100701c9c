from __future__ import annotations

from pathlib import Path

import pytest

from knitgraph.server.settings import Settings

from ..conftest import RUNS_SCRIPTS

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/kubeflow-pipeline"


@pytest.fixture
def settings(neo4j_env: dict[str, str], tmp_path: Path) -> Settings:
    """The tests' server, with the kubeflow-pipeline example's scripts shared read-only with Runs."""
    return Settings(KNITGRAPH_HOME=tmp_path / "home",
                    KNITGRAPH_PROCESS_READ_ONLY=f"{RUNS_SCRIPTS}:{EXAMPLE / 'scripts'}", **neo4j_env)
