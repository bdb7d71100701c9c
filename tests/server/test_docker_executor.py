"""The docker executor against a real engine (Podman's Docker-compatible API)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from ..conftest import BUSYBOX_IMAGE, Knit


def apply(knit: Knit, tmp_path: Path, name: str, plan: dict[str, object]) -> str:
    file = tmp_path / f"{name}.yaml"
    file.write_text(yaml.safe_dump(plan))
    return str(json.loads(knit("plan", "apply", str(file)).stdout)["planId"])


def test_train_then_validate_in_containers(docker_knit: Knit, tmp_path: Path) -> None:
    knit = docker_knit
    train = apply(knit, tmp_path, "train", {
        "image": BUSYBOX_IMAGE, "entrypoint": ["sh", "-c"],
        "args": ["awk -F, '{s+=$1} END {print s/NR}' /in/dataset/data.csv > /out/model/mean; echo trained"],
        "inputs": [{"path": "/in/dataset", "tags": ["type:dataset", "via:docker"]}],
        "outputs": [{"path": "/out/model", "tags": ["type:model", "via:docker"]}],
        "log": {"tags": ["type:log", "via:docker"]}, "resources": {"cpu": "500m", "memory": "64Mi"},
    })
    validate = apply(knit, tmp_path, "validate", {
        "image": BUSYBOX_IMAGE, "entrypoint": ["sh", "-c"],
        "args": ["echo \"mean=$(cat /in/model/mean) rows=$(wc -l < /in/dataset/data.csv)\" > /out/metrics/report"],
        "inputs": [{"path": "/in/dataset", "tags": ["type:dataset", "via:docker"]},
                   {"path": "/in/model", "tags": ["type:model", "via:docker"]}],
        "outputs": [{"path": "/out/metrics", "tags": ["type:metrics", "via:docker"]}],
    })
    (tmp_path / "dataset").mkdir()
    (tmp_path / "dataset" / "data.csv").write_text("1,a\n2,b\n3,c\n6,d\n")
    knit("data", "push", "-t", "type:dataset", "-t", "via:docker", str(tmp_path / "dataset"))

    (train_run,) = json.loads(knit("run", "find", "-p", train).stdout)
    trained = json.loads(knit("run", "wait", "--timeout", "120", train_run["runId"]).stdout)
    assert trained["exit"] == {"code": 0, "message": ""} and trained["executor"] == "docker"
    assert knit("run", "show", "--log", train_run["runId"]).stdout == "trained\n"
    (validate_run,) = json.loads(knit("run", "find", "-p", validate).stdout)
    validated = json.loads(knit("run", "wait", "--timeout", "120", validate_run["runId"]).stdout)
    report = validated["outputs"][0]["knitId"]
    knit("data", "pull", "-x", report, str(tmp_path / "out"))
    assert (tmp_path / "out" / report / "report").read_text() == "mean=3 rows=4\n"


def test_missing_image_fails_the_run_readably(docker_knit: Knit, tmp_path: Path) -> None:
    knit = docker_knit
    plan = apply(knit, tmp_path, "missing", {
        "image": "localhost/not-there:v1", "inputs": [{"path": "/in/1", "tags": ["kind:noimage"]}],
    })
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_text("x")
    knit("data", "push", "-t", "kind:noimage", str(tmp_path / "d"))
    (run,) = json.loads(knit("run", "find", "-p", plan).stdout)
    knit("run", "wait", "--timeout", "120", run["runId"], expect=1)
    failed = json.loads(knit("run", "show", run["runId"]).stdout)
    assert failed["exit"]["code"] == 255
    assert "localhost/not-there:v1 is not in the container engine" in failed["exit"]["message"]
