"""Plans and projection against the real Neo4j (Knitfab reference §2, §3; scenarios 6-15)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
import yaml
from starlette.testclient import TestClient

from knitgraph.graph_schema.data import create_uploaded_data
from knitgraph.graph_schema.driver import Graph
from knitgraph.graph_schema.plan_spec import PlanSpec
from knitgraph.graph_schema.plans import register_plan
from knitgraph.graph_schema.projection import find_plans_to_project
from knitgraph.graph_schema.tags import Tag
from knitgraph.graph_schema.timefmt import now_ms
from knitgraph.server.embedded_neo4j import connection
from knitgraph.server.loops.projection import catch_up
from knitgraph.server.settings import Settings

from ..conftest import Knit, app_client, new_token, run_on_graph


@pytest.fixture
def client(clean_graph: Settings) -> Iterator[TestClient]:
    """An API-only server (KNITGRAPH_EXECUTE_RUNS=false): Runs stay as projection made them."""
    with app_client(clean_graph.model_copy(update={"execute_runs": False}), new_token(clean_graph)) as test_client:
        yield test_client


def apply(knit: Knit, tmp_path: Path, expect: int = 0, **plan: Any) -> dict[str, Any]:
    spec = {"image": "train:v1", "inputs": [{"path": "/in/1", "tags": ["t:a"]}],
            "outputs": [{"path": "/out/1", "tags": ["type:model"]}], **plan}
    file = tmp_path / f"plan-{len(list(tmp_path.glob('plan-*')))}.yaml"
    file.write_text(yaml.safe_dump(spec))
    result = knit("plan", "apply", str(file), expect=expect)
    return json.loads(result.stdout) if expect == 0 else {"stderr": result.stderr}


def push(knit: Knit, tmp_path: Path, *tags: str) -> str:
    folder = tmp_path / f"data-{len(list(tmp_path.glob('data-*')))}"
    folder.mkdir()
    (folder / "file").write_text(folder.name)
    args = [arg for tag in tags for arg in ("-t", tag)]
    return str(json.loads(knit("data", "push", *args, str(folder)).stdout)["knitId"])


def runs(knit: Knit, plan_id: str, *status: str) -> list[dict[str, Any]]:
    args = [arg for s in status for arg in ("-s", s)]
    return list(json.loads(knit("run", "find", "-p", plan_id, *args).stdout))


def assignment(run: dict[str, Any]) -> tuple[str, ...]:
    return tuple(f"{i['path']}={i['knitId']}" for i in run["inputs"])


TWO_INPUTS = {"inputs": [{"path": "/in/1", "tags": ["t:a"]}, {"path": "/in/2", "tags": ["t:b"]}]}


def test_every_combination_runs_once(knit: Knit, tmp_path: Path, clean_graph: Settings) -> None:
    plan_id = apply(knit, tmp_path, **TWO_INPUTS)["planId"]
    first = [push(knit, tmp_path, "t:a") for _ in range(2)]
    second = [push(knit, tmp_path, "t:b") for _ in range(3)]
    found = runs(knit, plan_id)
    assert sorted(assignment(r) for r in found) == sorted(
        (f"/in/1={a}", f"/in/2={b}") for a in first for b in second
    )
    assert {r["status"] for r in found} == {"waiting"}
    assert run_on_graph(clean_graph, catch_up) == 0
    assert len(runs(knit, plan_id)) == 6


def test_no_run_until_every_input_has_data(knit: Knit, tmp_path: Path) -> None:
    plan_id = apply(knit, tmp_path, **TWO_INPUTS)["planId"]
    for _ in range(2):
        push(knit, tmp_path, "t:a")
    assert runs(knit, plan_id) == []
    push(knit, tmp_path, "t:b")
    assert len(runs(knit, plan_id)) == 2


def test_run_has_outputs_and_log_tagged_from_the_plan(knit: Knit, tmp_path: Path) -> None:
    plan_id = apply(knit, tmp_path, log={"tags": ["type:log"]})["planId"]
    knit_id = push(knit, tmp_path, "t:a", "extra:tag")
    (run,) = runs(knit, plan_id)
    assert run["inputs"] == [{"path": "/in/1", "tags": ["t:a"], "knitId": knit_id}]
    assert [(o["path"], o["tags"]) for o in run["outputs"]] == [("/out/1", ["type:model"])]
    assert run["log"]["tags"] == ["type:log"]
    output = json.loads(knit("data", "show", run["outputs"][0]["knitId"]).stdout)
    assert "knit#transient:processing" in output["tags"]
    assert output["upstream"]["mountpoint"] == {"path": "/out/1", "tags": ["type:model"]}
    assert output["upstream"]["run"]["runId"] == run["runId"]
    source = json.loads(knit("data", "show", knit_id).stdout)
    assert [d["run"]["runId"] for d in source["downstreams"]] == [run["runId"]]


def test_inactive_plans_park_runs_and_activation_moves_them(knit: Knit, tmp_path: Path) -> None:
    plan_id = apply(knit, tmp_path, active=False)["planId"]
    push(knit, tmp_path, "t:a")
    assert [r["status"] for r in runs(knit, plan_id)] == ["deactivated"]
    assert json.loads(knit("plan", "active", "yes", plan_id).stdout)["active"] is True
    assert [r["status"] for r in runs(knit, plan_id)] == ["waiting"]
    knit("plan", "active", "no", plan_id)
    assert [r["status"] for r in runs(knit, plan_id)] == ["deactivated"]


def test_removing_and_readding_a_tag_never_reruns(knit: Knit, tmp_path: Path) -> None:
    plan_id = apply(knit, tmp_path)["planId"]
    knit_id = push(knit, tmp_path, "t:a")
    knit("data", "tag", "--remove", "t:a", knit_id)
    knit("data", "tag", "--add", "t:a", knit_id)
    knit("data", "tag", "--remove", "t:a", "--add", "t:a", knit_id)
    assert len(runs(knit, plan_id)) == 1


def test_tagging_data_later_starts_its_run_at_once(knit: Knit, tmp_path: Path) -> None:
    plan_id = apply(knit, tmp_path)["planId"]
    knit_id = push(knit, tmp_path, "t:other")
    assert runs(knit, plan_id) == []
    knit("data", "tag", "--add", "t:a", knit_id)
    assert [assignment(r) for r in runs(knit, plan_id)] == [(f"/in/1={knit_id}",)]


def test_registration_backfills_existing_data(knit: Knit, tmp_path: Path) -> None:
    knit_ids = {push(knit, tmp_path, "t:a") for _ in range(3)}
    plan = apply(knit, tmp_path)
    assert {r["inputs"][0]["knitId"] for r in runs(knit, plan["planId"])} == knit_ids


def test_pinned_input_takes_only_that_data(knit: Knit, tmp_path: Path) -> None:
    chosen = push(knit, tmp_path, "t:a")
    push(knit, tmp_path, "t:a")
    plan_id = apply(knit, tmp_path, inputs=[{"path": "/in/1", "tags": ["t:a", f"knit#id:{chosen}"]}])["planId"]
    assert [r["inputs"][0]["knitId"] for r in runs(knit, plan_id)] == [chosen]


def test_outputs_of_unfinished_runs_feed_nothing(knit: Knit, tmp_path: Path) -> None:
    upstream = apply(knit, tmp_path, outputs=[{"path": "/out/1", "tags": ["type:model"]}])["planId"]
    downstream = apply(knit, tmp_path, image="validate:v1",
                       inputs=[{"path": "/in/model", "tags": ["type:model"]}], outputs=[])
    push(knit, tmp_path, "t:a")
    assert len(runs(knit, upstream)) == 1
    assert runs(knit, downstream["planId"]) == []
    assert [u["plan"]["planId"] for u in downstream["inputs"][0]["upstreams"]] == [upstream]


def test_equivalent_plan_is_refused_naming_the_existing_one(knit: Knit, tmp_path: Path) -> None:
    first = apply(knit, tmp_path, **TWO_INPUTS)["planId"]
    reordered = {"inputs": list(reversed(TWO_INPUTS["inputs"])), "annotations": ["x=y"], "active": False,
                 "resources": {"cpu": "2"}}
    refused = apply(knit, tmp_path, expect=1, **reordered)
    assert "equivalent plan" in refused["stderr"] and f"see: {first}" in refused["stderr"]
    apply(knit, tmp_path, outputs=[{"path": "/out/1", "tags": ["type:other"]}], **TWO_INPUTS)


def test_cycles_are_refused_and_pins_break_them(knit: Knit, tmp_path: Path) -> None:
    selfloop = apply(knit, tmp_path, expect=1, inputs=[{"path": "/in", "tags": ["a:1"]}],
                     outputs=[{"path": "/out", "tags": ["a:1"]}])
    assert "cycle" in selfloop["stderr"]
    apply(knit, tmp_path, image="a:v1", inputs=[{"path": "/in", "tags": ["a:1"]}], outputs=[],
          log={"tags": ["log:x", "x:y"]})
    apply(knit, tmp_path, image="b:v1", inputs=[{"path": "/in", "tags": ["log:x"]}],
          outputs=[{"path": "/out", "tags": ["r:1"]}])
    closing = apply(knit, tmp_path, expect=1, image="c:v1", inputs=[{"path": "/in", "tags": ["r:1"]}],
                    outputs=[{"path": "/out", "tags": ["a:1"]}])
    assert "c:v1" in closing["stderr"] and "a:v1" in closing["stderr"] and "b:v1" in closing["stderr"]
    apply(knit, tmp_path, image="c:v1", inputs=[{"path": "/in", "tags": ["r:1", "knit#id:pinned"]}],
          outputs=[{"path": "/out", "tags": ["a:1"]}])


def test_plan_apply_reports_field_and_line_and_warns_on_unknown_keys(knit: Knit, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("image: train:v1\ninputs:\n  - tags: [a:b]\n")
    assert "bad.yaml:3: inputs[0].path" in knit("plan", "apply", str(bad), expect=1).stderr
    odd = tmp_path / "odd.yaml"
    odd.write_text("image: train:v1\ninputs:\n  - path: /in\n    tags: [a:b]\nresource:\n  cpu: 1\n")
    assert "odd.yaml:5: unknown key 'resource' is ignored (did you mean 'resources'?)" in (
        knit("plan", "apply", str(odd)).stderr
    )
    assert "plan spec is invalid" in knit("plan", "apply", str(_file(tmp_path, {"image": "x"})), expect=1).stderr


def _file(tmp_path: Path, content: dict[str, Any]) -> Path:
    file = tmp_path / "custom.yaml"
    file.write_text(yaml.safe_dump({"inputs": [{"path": "/in", "tags": ["a:b"]}], **content}))
    return file


def test_plan_find_show_and_mutable_fields(knit: Knit, tmp_path: Path) -> None:
    plan_id = apply(knit, tmp_path, image="repo.local:5000/train:v2")["planId"]
    other = apply(knit, tmp_path, image="other:v1", active=False)["planId"]

    def ids(*args: str) -> list[str]:
        return [p["planId"] for p in json.loads(knit("plan", "find", *args).stdout)]

    assert ids("--image", "repo.local:5000/train") == [plan_id]
    assert ids("--image", "repo.local:5000/train:v1") == []
    assert ids("--active", "no") == [other]
    assert set(ids("-i", "t:a")) == {plan_id, other}
    assert ids("-i", "t:a", "-i", "nosuch:tag") == []
    assert set(ids("-o", "type:model")) == {plan_id, other}
    changed = json.loads(knit("plan", "resource", "-s", "cpu=2", "-s", "gpu=1", "-u", "memory", plan_id).stdout)
    assert changed["resources"] == {"cpu": "2", "gpu": "1"}
    annotated = json.loads(knit("plan", "annotate", "--add", "owner=me", "--add", "team=ml", plan_id).stdout)
    assert annotated["annotations"] == ["owner=me", "team=ml"]
    annotated = json.loads(knit("plan", "annotate", "--remove-key", "owner", plan_id).stdout)
    assert annotated["annotations"] == ["team=ml"]
    assert json.loads(knit("plan", "serviceaccount", "--set", "trainer", plan_id).stdout)["service_account"] == "trainer"
    assert "service_account" not in json.loads(knit("plan", "serviceaccount", "--unset", plan_id).stdout)
    assert json.loads(knit("plan", "show", plan_id).stdout)["image"] == "repo.local:5000/train:v2"
    assert "not found" in knit("plan", "show", "missing", expect=1).stderr


def test_pseudo_plans_cannot_be_deactivated(knit: Knit) -> None:
    uploaded = next(p for p in json.loads(knit("plan", "find").stdout) if p.get("name") == "knit#uploaded")
    assert uploaded["outputs"][0]["path"] == "/upload"
    assert "not found" in knit("plan", "active", "no", uploaded["planId"], expect=1).stderr


def test_concurrent_pushes_and_catch_ups_create_each_run_once(
    knit: Knit, tmp_path: Path, clean_graph: Settings
) -> None:
    for _ in range(4):
        push(knit, tmp_path, "t:a")
    spec = PlanSpec.build(image="race:v1", inputs=[("/in/1", ["t:a"]), ("/in/2", ["t:b"])])
    run_on_graph(clean_graph, lambda graph: register_plan(
        graph, spec, plan_id="race-plan", now=now_ms(), creation=uuid.uuid4().hex))

    async def race() -> list[str]:
        uri, user, password = connection(clean_graph)
        graphs = [Graph(uri, user, password) for _ in range(2)]
        created: list[list[str]] = [[], []]

        async def one(index: int) -> None:
            for _ in range(2):
                created[index] += await create_uploaded_data(
                    graphs[index], knit_id=str(uuid.uuid4()), run_id=str(uuid.uuid4()), tags=[Tag.parse("t:b")],
                    digest="sha256:0", now=now_ms(), creation=uuid.uuid4().hex)
                await catch_up(graphs[index])

        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(one, 0)
                tasks.start_soon(one, 1)
        finally:
            for graph in graphs:
                await graph.close()
        return created[0] + created[1]

    created = anyio.run(race)
    assert len(created) == len(set(created)) == 16
    assert len(runs(knit, "race-plan")) == 16
    assert run_on_graph(clean_graph, find_plans_to_project) == []
