"""The server is SIGKILLed while a Run runs, or while one is finishing; after a restart every Run
reaches a terminal state and its Data are intact."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import yaml

from knitgraph.graph_schema import lifecycle
from knitgraph.graph_schema.records import RunStatus
from knitgraph.graph_schema.timefmt import now_ms
from knitgraph.server.settings import Settings

from ..conftest import run_on_graph
from .processes import ServerProcess, knit, knit_json, wait_until

SCRIPTS = Path(__file__).resolve().parents[1] / "runs_scripts"


def _plan(tmp_path: Path, name: str, command: list[str], tag: str) -> Path:
    file = tmp_path / f"{name}.yaml"
    file.write_text(yaml.safe_dump({
        "image": f"{name}:v1", "entrypoint": command,
        "inputs": [{"path": "/in/1", "tags": [f"kind:{tag}"]}],
        "outputs": [{"path": "/out/1", "tags": [f"kind:{tag}-out"]}], "log": {"tags": [f"kind:{tag}-log"]},
    }))
    return file


def _status(run_id: str, env: dict[str, str], cwd: Path) -> str:
    return str(knit_json("run", "show", run_id, env=env, cwd=cwd)["status"])


def _pids_running(script: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if script.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return [pid for pid in found if pid != os.getpid()]


@pytest.mark.e2e
def test_sigkill_while_running_fails_the_run_as_lost_and_keeps_its_data(
    clean_graph: Settings, neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    server = ServerProcess(tmp_path / "home", {**neo4j_env, "KNITGRAPH_RUN_LEASE_SECONDS": "1",
                                                "KNITGRAPH_PROCESS_READ_ONLY": str(SCRIPTS)})
    env = {**server.env, "KNIT_SERVER": server.url}
    server.start()
    try:
        sleeper = str(SCRIPTS / "sleep.py")
        knit("plan", "apply", str(_plan(tmp_path, "sleeper", [sys.executable, sleeper], "crash")), env=env, cwd=tmp_path)
        (tmp_path / "data").mkdir()
        (tmp_path / "data" / "x").write_text("x")
        knit("data", "push", "-t", "kind:crash", str(tmp_path / "data"), env=env, cwd=tmp_path)
        (run,) = knit_json("run", "find", "-s", "waiting", "-s", "ready", "-s", "starting", "-s", "running",
                           env=env, cwd=tmp_path)
        wait_until(lambda: _status(run["runId"], env, tmp_path) == "running", "the run to be running")
        wait_until(lambda: bool(_pids_running(sleeper)), "the task to start")
        server.kill()
        wait_until(lambda: not _pids_running(sleeper), "the task to die with the server", timeout=20)

        server.start()
        wait_until(lambda: _status(run["runId"], env, tmp_path) == "failed", "the lost run to fail", timeout=60)
        lost = knit_json("run", "show", run["runId"], env=env, cwd=tmp_path)
        assert lost["exit"] == {"code": 254, "message": "worker for the run is not found"}
        output = lost["outputs"][0]["knitId"]
        assert "knit#transient:failed" in knit_json("data", "show", output, env=env, cwd=tmp_path)["tags"]
        knit("data", "pull", "-x", output, "pulled", env=env, cwd=tmp_path)
        assert (tmp_path / "pulled" / output / "started").read_text() == "yes"
        assert len(knit_json("data", "find", "-t", "kind:crash", env=env, cwd=tmp_path)) == 1
    finally:
        server.stop()


@pytest.mark.e2e
def test_run_left_finishing_by_a_dead_server_is_finished_on_restart(
    clean_graph: Settings, neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    server = ServerProcess(tmp_path / "home", {**neo4j_env, "KNITGRAPH_RUN_LEASE_SECONDS": "1",
                                                "KNITGRAPH_PROCESS_READ_ONLY": str(SCRIPTS)})
    env = {**server.env, "KNIT_SERVER": server.url}
    server.start()
    try:
        plan = knit_json("plan", "apply", str(_plan(tmp_path, "parked", ["true"], "finishing")), env=env, cwd=tmp_path)
        knit("plan", "active", "no", plan["planId"], env=env, cwd=tmp_path)
        (tmp_path / "data").mkdir()
        (tmp_path / "data" / "x").write_text("x")
        knit("data", "push", "-t", "kind:finishing", str(tmp_path / "data"), env=env, cwd=tmp_path)
        (run,) = knit_json("run", "find", "-p", plan["planId"], env=env, cwd=tmp_path)
        server.kill()

        # What a server killed right after its task exited leaves behind: completing, owned, lease over.
        run_id = run["runId"]
        for target in (RunStatus.WAITING, RunStatus.READY, RunStatus.STARTING, RunStatus.RUNNING, RunStatus.COMPLETING):
            run_on_graph(clean_graph, lambda graph, target=target: lifecycle.change_status(  # type: ignore[misc]
                graph, run_id, target, now=now_ms(), owner="dead-server", lease_until=now_ms() - 1, exit_code=0,
                exit_message=""))
        server.start()
        wait_until(lambda: _status(run_id, env, tmp_path) == "done", "the run to be finished", timeout=60)
        output = knit_json("run", "show", run_id, env=env, cwd=tmp_path)["outputs"][0]["knitId"]
        knit("data", "pull", "-x", output, "pulled", env=env, cwd=tmp_path)
        assert (tmp_path / "pulled" / output).is_dir()
    finally:
        server.stop()
