"""Two server processes on one Neo4j, pushing at the same time: every combination runs once."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import yaml

from knitgraph.server.settings import Settings

from .processes import ServerProcess, knit, knit_json


@pytest.mark.e2e
def test_racing_servers_never_duplicate_runs(clean_graph: Settings, neo4j_env: dict[str, str], tmp_path: Path) -> None:
    home = tmp_path / "home"  # one content store, as two replicas behind one volume would share
    first, second = ServerProcess(home, neo4j_env), ServerProcess(home, neo4j_env)
    first.start()
    second.start()
    try:
        env_first = {**first.env, "KNIT_SERVER": first.url}
        env_second = {**second.env, "KNIT_SERVER": second.url}
        plan_file = tmp_path / "plan.yaml"
        plan_file.write_text(yaml.safe_dump({
            "image": "race:v1", "active": False,
            "inputs": [{"path": "/in/a", "tags": ["race:a"]}, {"path": "/in/b", "tags": ["race:b"]}],
        }))
        plan = knit_json("plan", "apply", str(plan_file), env=env_first, cwd=tmp_path)

        def push_many(tag: str, env: dict[str, str]) -> None:
            for index in range(5):
                folder = tmp_path / f"{tag}-{index}"
                folder.mkdir()
                (folder / "f").write_text(folder.name)
                knit("data", "push", "-t", f"race:{tag}", str(folder), env=env, cwd=tmp_path)

        pushers = [threading.Thread(target=push_many, args=("a", env_first)),
                   threading.Thread(target=push_many, args=("b", env_second))]
        for pusher in pushers:
            pusher.start()
        for pusher in pushers:
            pusher.join()
        found = knit_json("run", "find", "-p", plan["planId"], env=env_second, cwd=tmp_path)
        combinations = [json.dumps(sorted((i["path"], i["knitId"]) for i in run["inputs"])) for run in found]
        assert len(combinations) == len(set(combinations)) == 25
    finally:
        first.stop()
        second.stop()
