"""The server is SIGKILLed while a failed Run waits for its retry's backoff: after a restart it
runs its next attempt once, and its downstream Run starts once."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from knitgraph.server.settings import Settings

from .processes import ServerProcess, knit, knit_json, wait_until

SCRIPTS = Path(__file__).resolve().parents[1] / "runs_scripts"


def _apply(tmp_path: Path, env: dict[str, str], name: str, **plan: Any) -> str:
    file = tmp_path / f"{name}.yaml"
    file.write_text(yaml.safe_dump(plan))
    return str(knit_json("plan", "apply", str(file), env=env, cwd=tmp_path)["planId"])


@pytest.mark.e2e
def test_sigkill_during_a_retry_backoff_loses_and_doubles_nothing(
    clean_graph: Settings, neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    server = ServerProcess(tmp_path / "home", {**neo4j_env, "KNITGRAPH_RUN_LEASE_SECONDS": "1",
                                                "KNITGRAPH_PROCESS_READ_ONLY": str(SCRIPTS)})
    env = {**server.env, "KNIT_SERVER": server.url}
    server.start()
    try:
        flaky = _apply(tmp_path, env, "flaky", image="flaky:v1",
                       entrypoint=[sys.executable, str(SCRIPTS / "flaky.py"), "2"],
                       inputs=[{"path": "/in/1", "tags": ["kind:retried"]}],
                       outputs=[{"path": "/out/1", "tags": ["kind:retried-out"]}], log={"tags": ["kind:retried-log"]},
                       retry={"max": 2, "backoff": "4s"})
        consumer = _apply(tmp_path, env, "consumer", image="consumer:v1", entrypoint=["cp", "/in/1/attempt", "/out/1/"],
                          inputs=[{"path": "/in/1", "tags": ["kind:retried-out"]}],
                          outputs=[{"path": "/out/1", "tags": ["kind:consumed"]}])
        (tmp_path / "data").mkdir()
        (tmp_path / "data" / "x").write_text("x")
        knit("data", "push", "-t", "kind:retried", str(tmp_path / "data"), env=env, cwd=tmp_path)
        (run,) = knit_json("run", "find", "-p", flaky, env=env, cwd=tmp_path)

        def shown() -> dict[str, Any]:
            return dict(knit_json("run", "show", run["runId"], env=env, cwd=tmp_path))

        wait_until(lambda: bool(shown().get("attempts")), "the first attempt to fail")
        assert shown()["status"] == "waiting"  # in its 4 s backoff
        server.kill()
        server.start()

        wait_until(lambda: shown()["status"] == "done", "the second attempt to succeed", timeout=90)
        done = shown()
        assert [a["number"] for a in done["attempts"]] == [1]  # one failed attempt: not lost, not doubled
        assert knit("run", "show", "--log", run["runId"], env=env, cwd=tmp_path).stdout == "attempt 2\n"
        (downstream,) = knit_json("run", "find", "-p", consumer, env=env, cwd=tmp_path)
        knit("run", "wait", "--timeout", "60", downstream["runId"], env=env, cwd=tmp_path)
        knit("data", "pull", "-x", downstream["outputs"][0]["knitId"], "pulled", env=env, cwd=tmp_path)
        assert (tmp_path / "pulled" / downstream["outputs"][0]["knitId"] / "attempt").read_text() == "2"
        assert len(knit_json("run", "find", "-p", flaky, env=env, cwd=tmp_path)) == 1
    finally:
        server.stop()
