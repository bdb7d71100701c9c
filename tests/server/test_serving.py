"""Service plans, with the process and the docker executor: a Run serves its model behind
/serve/<name>/, a newer model's Run takes over once healthy, and one that never gets healthy fails
while the old one serves on."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from starlette.testclient import TestClient

from knitgraph.server.settings import Settings

from ..conftest import Knit, app_client, new_token
from ..examples.conftest import example_images  # noqa: F401 - the docker variant's image

PYTHON_IMAGE = "localhost/knitgraph-python:bookworm"  # examples/images/build.py's base

SERVER_SCRIPT = (Path(__file__).resolve().parents[1] / "runs_scripts" / "serve_model.py").read_text()
SERVICE = ["knitgraph.io/service=predict", "knitgraph.io/service-port=8080", "knitgraph.io/service-health=/healthz"]


@dataclass(frozen=True)
class Executor:
    settings: dict[str, Any]
    image: str
    python: str
    annotation: str


@pytest.fixture(params=["process", "docker"])
def executor(request: pytest.FixtureRequest) -> Executor:
    if request.param == "process":
        return Executor({}, "serve:v1", sys.executable, "knitgraph.io/executor=process")
    engine = request.getfixturevalue("example_images")
    return Executor({"executor": "docker", "docker_host": engine}, PYTHON_IMAGE, "python3",
                    "knitgraph.io/executor=container")


@pytest.fixture
def serving_client(clean_graph: Settings, executor: Executor) -> Iterator[TestClient]:
    settings = clean_graph.model_copy(update={"service_health_seconds": 4.0, **executor.settings})
    with app_client(settings, new_token(settings)) as test_client:
        yield test_client


def push_model(knit: Knit, tmp_path: Path, weight: str) -> str:
    folder = tmp_path / f"model-{weight}"
    folder.mkdir()
    (folder / "weight").write_text(weight)
    return str(json.loads(knit("data", "push", "-t", "type:model", "-t", "project:serving", str(folder)).stdout)["knitId"])


def apply_service(knit: Knit, tmp_path: Path, executor: Executor) -> str:
    plan = {"image": executor.image, "entrypoint": [executor.python, "-c", SERVER_SCRIPT],
            "inputs": [{"path": "/in/model", "tags": ["type:model", "project:serving"]}],
            "log": {"tags": ["type:log", "project:serving"]}, "annotations": [*SERVICE, executor.annotation]}
    file = tmp_path / "serve.yaml"
    file.write_text(yaml.safe_dump(plan))
    return str(json.loads(knit("plan", "apply", str(file)).stdout)["planId"])


def run_of(knit: Knit, plan_id: str, knit_id: str) -> dict[str, Any]:
    runs = json.loads(knit("run", "find", "-p", plan_id, "-i", knit_id).stdout)
    assert len(runs) == 1, runs
    return dict(runs[0])


def predict_until(client: TestClient, run_id: str, seconds: float = 30.0) -> httpx.Response:
    """GET /serve/predict/predict?x=3 until the given Run answers it."""
    deadline = time.monotonic() + seconds
    while True:
        answer = client.get("/serve/predict/predict", params={"x": 3})
        if answer.status_code == 200 and answer.headers["X-Knitgraph-Run"] == run_id:
            return answer
        assert time.monotonic() < deadline, f"run {run_id} never answered: {answer.status_code} {answer.text}"
        time.sleep(0.2)


def status_of(knit: Knit, run_id: str) -> dict[str, Any]:
    return dict(json.loads(knit("run", "show", run_id).stdout))


def wait_status(knit: Knit, run_id: str, wanted: str, seconds: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while (run := status_of(knit, run_id))["status"] != wanted:
        assert time.monotonic() < deadline, f"run {run_id} is {run['status']}, not {wanted}"
        time.sleep(0.2)
    return run


def test_a_service_serves_rolls_forward_to_a_newer_model_and_keeps_serving_past_a_broken_one(
    serving_client: TestClient, executor: Executor, tmp_path: Path,
) -> None:
    knit = Knit(serving_client)
    missing = serving_client.get("/serve/predict/predict", params={"x": 3})
    assert missing.status_code == 404
    assert "no Run serves 'predict' now" in missing.json()["message"]["reason"]

    first_model = push_model(knit, tmp_path, "2")
    plan_id = apply_service(knit, tmp_path, executor)
    first = run_of(knit, plan_id, first_model)["runId"]
    answer = predict_until(serving_client, first)
    assert answer.json() == {"y": 6.0, "authorization": None}  # the caller's knitgraph token stays with knitgraph
    assert answer.headers["Content-Security-Policy"] == "sandbox"  # a page it serves cannot act as the console
    assert status_of(knit, first)["status"] == "running"  # a service's Run runs while it serves

    second_model = push_model(knit, tmp_path, "5")
    second = run_of(knit, plan_id, second_model)["runId"]
    assert predict_until(serving_client, second).json()["y"] == 15.0
    replaced = wait_status(knit, first, "done")
    assert replaced["exit"]["message"] == f"replaced by run {second} serving 'predict'"

    # Which Run served which model, from when to when, and how many requests each answered.
    (listed,) = json.loads(knit("service", "list", "--json", "predict").stdout)
    assert listed["serving"]["runId"] == second and listed["serving"]["inputs"] == [second_model]
    assert listed["serving"]["until"] is None and listed["requestsNow"] >= 1
    earlier = listed["periods"][1]
    assert earlier["runId"] == first and earlier["inputs"] == [first_model]
    assert earlier["until"] is not None and earlier["requests"] >= 1
    table = knit("service", "list").stdout
    assert "predict" in table and second in table

    # Back to the previous model: its Run runs again and takes the traffic once healthy.
    knit("service", "rollback", "predict")
    assert predict_until(serving_client, first).json()["y"] == 6.0
    assert wait_status(knit, second, "done")["exit"]["message"] == f"replaced by run {first} serving 'predict'"

    broken_model = push_model(knit, tmp_path, "broken")
    broken = run_of(knit, plan_id, broken_model)["runId"]
    failed = wait_status(knit, broken, "failed")
    assert "not healthy after 4 s: GET /healthz answered 500" in failed["exit"]["message"]
    log = knit("run", "show", "--log", broken).stdout
    assert "serving model broken" in log
    assert "knitgraph: service 'predict' not healthy after 4 s" in log
    still = serving_client.get("/serve/predict/predict", params={"x": 3})
    assert still.status_code == 200 and still.headers["X-Knitgraph-Run"] == first
    assert status_of(knit, first)["status"] == "running"

    lineage = json.loads(knit("data", "lineage", "-d", "--format", "json", first_model).stdout)
    assert first in {run["run"]["runId"] for run in lineage["runs"]}  # the serving Run is downstream of its model

    knit("run", "stop", first)
    wait_status(knit, first, "done")
    gone = serving_client.get("/serve/predict/predict", params={"x": 3})
    assert gone.status_code == 404
    deadline = time.monotonic() + 15
    while True:  # the period is closed, with its requests, as the Run's task ends
        (ended,) = json.loads(knit("service", "list", "--json", "predict").stdout)
        if ended["periods"][0]["requests"] >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert ended["serving"] is None and [p["runId"] for p in ended["periods"]] == [first, second, first]
    assert ended["periods"][0]["requests"] >= 2, ended  # counted when it stopped serving


def test_a_process_service_with_the_hosts_network_is_refused_as_a_port_clash(clean_graph: Settings, tmp_path: Path) -> None:
    settings = clean_graph.model_copy(update={"process_network": True})
    with app_client(settings, new_token(settings)) as test_client:
        knit = Knit(test_client)
        model = push_model(knit, tmp_path, "2")
        plan = {"image": "serve:v1", "entrypoint": [sys.executable, "-c", SERVER_SCRIPT],
                "inputs": [{"path": "/in/model", "tags": ["type:model", "project:serving"]}],
                "annotations": [*SERVICE, "knitgraph.io/executor=process", "knitgraph.io/network=on"]}
        file = tmp_path / "serve.yaml"
        file.write_text(yaml.safe_dump(plan))
        plan_id = str(json.loads(knit("plan", "apply", str(file)).stdout)["planId"])
        run_id = run_of(knit, plan_id, model)["runId"]
        failed = wait_status(knit, run_id, "failed")
        assert failed["exit"]["message"] == ("service 'predict' would clash on the host's port 8080: a process Run with "
                                             "network shares the host's, and the Run it replaces holds that port")
