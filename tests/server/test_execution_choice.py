"""Which executor runs a plan's Runs, whether they have network, and what `knit plan apply` says
about it (docs/decisions.md, "Executors"). The choice is a table; the rest runs against a real
container engine (Podman) and the real sandbox."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from knitgraph.graph_schema.errors import InvalidInputError
from knitgraph.graph_schema.plan_spec import parse_annotations
from knitgraph.server.executor_choice import choose
from knitgraph.server.settings import Settings

from ..conftest import BUSYBOX_IMAGE, Knit, app_client, new_token

ENGINE = "unix:///run/engine.sock"


@pytest.mark.parametrize(("executor", "engine", "annotations", "expected"), [
    ("auto", ENGINE, [], "docker"),
    ("auto", None, [], "process"),
    ("auto", ENGINE, ["knitgraph.io/executor=process"], "process"),
    ("auto", None, ["knitgraph.io/executor=container"], "docker"),  # fails at start, and says why at apply
    ("process", ENGINE, ["knitgraph.io/executor=container"], "process"),  # the administrator's setting wins
    ("docker", None, ["knitgraph.io/executor=process"], "docker"),
    ("kubernetes", None, [], "kubernetes"),
])
def test_the_executor_of_a_plan(settings: Settings, executor: str, engine: str | None, annotations: list[str],
                                expected: str) -> None:
    assert choose(settings.model_copy(update={"executor": executor}), engine, annotations).executor == expected


@pytest.mark.parametrize(("policy", "process_network", "executor", "annotations", "expected"), [
    ("plan", False, "docker", [], False),
    ("plan", False, "docker", ["knitgraph.io/network=on"], True),
    ("plan", False, "process", ["knitgraph.io/network=on"], False),  # the host's network: not without the admin
    ("plan", True, "process", ["knitgraph.io/network=on"], True),
    ("plan", True, "process", [], False),
    ("always", False, "docker", [], True),
    ("always", False, "docker", ["knitgraph.io/network=off"], False),
    ("never", True, "docker", ["knitgraph.io/network=on"], False),
    ("never", False, "kubernetes", [], True),  # pods have the cluster's network
])
def test_the_network_of_a_plan(settings: Settings, policy: str, process_network: bool, executor: str,
                               annotations: list[str], expected: bool) -> None:
    chosen = settings.model_copy(update={"executor": executor, "run_network": policy, "process_network": process_network})
    assert choose(chosen, ENGINE, annotations).network is expected


def test_knitgraph_annotations_take_known_values_once() -> None:
    assert parse_annotations(["knitgraph.io/network = on", "owner=me"]) == ["knitgraph.io/network=on", "owner=me"]
    with pytest.raises(InvalidInputError, match=r"knitgraph\.io/network cannot be 'yes'") as bad:
        parse_annotations(["knitgraph.io/network=yes"])
    assert bad.value.advice == "write knitgraph.io/network=on or off"
    with pytest.raises(InvalidInputError, match="given twice"):
        parse_annotations(["knitgraph.io/executor=process", "knitgraph.io/executor=container"])


@pytest.fixture
def auto_knit(clean_graph: Settings, container_engine: str) -> Iterator[Knit]:
    """`knit` against a server with the default executor (auto) and a container engine that answers."""
    settings = clean_graph.model_copy(update={"executor": "auto", "docker_host": container_engine})
    with app_client(settings, new_token(settings)) as test_client:
        yield Knit(test_client)


def apply(knit: Knit, tmp_path: Path, name: str, plan: dict[str, object]) -> tuple[str, str]:
    """The plan's id and what `knit plan apply` said on stderr."""
    file = tmp_path / f"{name}.yaml"
    file.write_text(yaml.safe_dump(plan))
    result = knit("plan", "apply", str(file))
    return str(json.loads(result.stdout)["planId"]), result.stderr


def plan(tag: str, command: str, **extra: object) -> dict[str, object]:
    return {"image": BUSYBOX_IMAGE, "entrypoint": ["sh", "-c", command],
            "inputs": [{"path": "/in/1", "tags": [f"case:{tag}"]}], "log": {"tags": [f"log:{tag}"]}, **extra}


def push(knit: Knit, tmp_path: Path, tag: str) -> None:
    folder = tmp_path / f"data-{tag}"
    folder.mkdir()
    (folder / "f").write_text("x")
    knit("data", "push", "-t", f"case:{tag}", str(folder))


def test_auto_runs_the_image_unless_the_plan_asks_for_a_process(auto_knit: Knit, tmp_path: Path) -> None:
    knit = auto_knit
    image_plan, said = apply(knit, tmp_path, "image", plan("image", "cat /proc/1/cmdline; echo; echo in-container"))
    assert "Runs execute its image in a container (docker executor: the container engine at unix://" in said
    assert "[WARN]" not in said
    process_plan, said = apply(knit, tmp_path, "process", plan(
        "process", "echo on-host", annotations=["knitgraph.io/executor=process"]))
    assert "Runs execute its command as a sandboxed process" in said
    assert f"[NOTE] the image {BUSYBOX_IMAGE} is not used" in said and "[WARN]" not in said
    push(knit, tmp_path, "image")
    push(knit, tmp_path, "process")

    in_container = knit.only_run(image_plan)
    assert in_container["status"] == "done" and in_container["executor"] == "docker"
    assert knit("run", "show", "--log", in_container["runId"]).stdout.endswith("in-container\n")
    on_host = knit.only_run(process_plan)
    assert on_host["status"] == "done" and on_host["executor"] == "process"
    assert knit("run", "show", "--log", on_host["runId"]).stdout == "on-host\n"


def test_apply_warns_of_what_would_fail_every_run(auto_knit: Knit, tmp_path: Path) -> None:
    knit = auto_knit
    _, said = apply(knit, tmp_path, "absent", {**plan("absent", "true"), "image": "localhost/nowhere:v9"})
    assert "[WARN] the image localhost/nowhere:v9 is not in the container engine at unix://" in said
    assert "advice: build or load it there: `podman --url unix://" in said
    no_command = {key: value for key, value in plan("nocommand", "true").items() if key != "entrypoint"}
    _, said = apply(knit, tmp_path, "nocommand", no_command)  # busybox, imported bare, has no CMD either
    assert f"[WARN] neither the plan nor the image {BUSYBOX_IMAGE} names a command" in said


def test_a_container_has_network_only_when_its_plan_asks(auto_knit: Knit, tmp_path: Path) -> None:
    knit = auto_knit
    interfaces = "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"
    online, said = apply(knit, tmp_path, "online", plan("online", interfaces, annotations=["knitgraph.io/network=on"]))
    assert "[NOTE] Runs of this plan have a network of their own" in said
    offline, said = apply(knit, tmp_path, "offline", plan("offline", interfaces))
    assert "[NOTE] Runs of this plan have no network" in said
    assert "advice: add the annotation knitgraph.io/network=on" in said
    push(knit, tmp_path, "online")
    push(knit, tmp_path, "offline")
    online_run, offline_run = knit.only_run(online), knit.only_run(offline)
    assert knit("run", "show", "--log", offline_run["runId"]).stdout.split() == ["lo"]
    assert set(knit("run", "show", "--log", online_run["runId"]).stdout.split()) - {"lo"}, "no interface but lo"
    said = knit("plan", "annotate", "--add", "knitgraph.io/network=off", online).stderr
    assert "[NOTE] Runs of this plan have no network" in said  # the annotation replaced, not added
    assert knit("plan", "show", online).stdout.count("knitgraph.io/network=") == 1


def test_without_an_engine_apply_says_the_image_is_not_used(clean_graph: Settings, tmp_path: Path) -> None:
    settings = clean_graph.model_copy(update={"executor": "auto", "docker_host": f"unix://{tmp_path}/none.sock"})
    with app_client(settings, new_token(settings)) as test_client:
        knit = Knit(test_client)
        plan_id, said = apply(knit, tmp_path, "host", plan("host", "echo fallback"))
        assert f"[WARN] the image {BUSYBOX_IMAGE} is not used: Runs execute `sh -c 'echo fallback'`" in said
        assert "no container engine answers" in said and "advice: install Podman" in said
        push(knit, tmp_path, "host")
        ran = knit.only_run(plan_id)
        assert ran["executor"] == "process" and knit("run", "show", "--log", ran["runId"]).stdout == "fallback\n"
