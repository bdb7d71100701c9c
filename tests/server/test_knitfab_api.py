"""Knitfab's REST API under /api (reference §7.2), driven as Knitfab's CLI and REST scripts drive it:
JSON shapes, status codes, the tar.gz round trip, and the token a Knitfab profile carries in its path."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from knitgraph.graph_schema.access import Role
from knitgraph.server.app import create_app
from knitgraph.server.settings import Settings

from ..conftest import Knit, app_client, new_token

ECHO = ["sh", "-c", "echo hello from the run; cp /in/data/a /out/copy"]


def _tar_gz(**files: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def _files(tar_gz: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(tar_gz), mode="r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]


def _spec(**overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "image": "example.com/echo:v1", "entrypoint": ECHO,
        "inputs": [{"path": "/in/data", "tags": ["kind:raw"]}],
        "outputs": [{"path": "/out", "tags": ["kind:copy"]}],
        "log": {"tags": ["kind:log"]},
    }
    return {**spec, **overrides}


def _push(client: TestClient, tags: list[str], **files: bytes) -> dict[str, Any]:
    """What Knitfab's `knit data push` sends: POST the tar.gz, then PUT the tags."""
    uploaded = client.post("/api/data/", content=_tar_gz(**files), headers={"Content-Type": "application/tar+gzip"})
    assert uploaded.status_code == 200, uploaded.text
    tagged = client.put(f"/api/data/{uploaded.json()['knitId']}", json={"add": tags})
    assert tagged.status_code == 200, tagged.text
    return dict(tagged.json())


def _register(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/plans", json=_spec(**overrides))
    assert response.status_code == 200, response.text
    return dict(response.json())


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    message = response.json()["message"]
    assert message["reason"]
    return dict(message)


# --- authentication: the token in the profile's apiRoot path ---


def test_requests_without_a_token_are_refused(clean_graph: Settings) -> None:
    with app_client(clean_graph, None) as anonymous:
        assert _error(anonymous.get("/api/data"), 401)
        assert _error(anonymous.get("/api/t/kg_0123_wrong/data"), 401)


def test_a_token_in_the_path_is_served_and_logged_without_it(clean_graph: Settings) -> None:
    token = new_token(clean_graph, Role.VIEWER)
    seen: list[Scope] = []

    def recording(app: ASGIApp) -> ASGIApp:
        async def outer(scope: Scope, receive: Receive, send: Send) -> None:
            seen.append(scope)  # the dict a server logs the path of once the response starts
            await app(scope, receive, send)
        return outer

    test_client = TestClient(recording(create_app(clean_graph)), base_url="http://127.0.0.1:8080")
    with test_client:
        assert test_client.get(f"/api/t/{token}/plans/").status_code == 200
        refused = test_client.get(f"/api/t/{token}x/plans")
        assert refused.status_code == 401 and token not in refused.text
        assert test_client.get(f"/api/t/{token}/healthz").status_code == 404
    paths = [(s["path"], s["raw_path"]) for s in seen if s["type"] == "http"]
    assert paths[0] == ("/api/plans", b"/api/plans"), paths
    assert not any(token in path or token.encode() in raw for path, raw in paths)


def test_viewers_may_read_but_not_change(client: TestClient, clean_graph: Settings) -> None:
    data = _push(client, ["a:1"], a=b"1")
    with app_client(clean_graph, None) as plain:
        viewer = f"/api/t/{new_token(clean_graph, Role.VIEWER)}"
        assert plain.get(f"{viewer}/data/{data['knitId']}").status_code == 200
        assert _error(plain.put(f"{viewer}/data/{data['knitId']}", json={"add": ["b:2"]}), 403)
        assert _error(plain.post(f"{viewer}/data", content=_tar_gz(a=b"1")), 403)
        assert _error(plain.post(f"{viewer}/plans", json=_spec()), 403)


# --- data ---


def test_upload_tag_and_download_round_trip(client: TestClient, knit: Knit, tmp_path: Path) -> None:
    data = _push(client, ["project:x"], a=b"first", **{"sub/b": b"second"})
    knit_id = data["knitId"]
    assert set(data) == {"knitId", "tags", "upstream", "downstreams", "nomination"}
    assert "project:x" in data["tags"] and f"knit#id:{knit_id}" in data["tags"]
    assert any(t.startswith("knit#timestamp:") for t in data["tags"])
    assert data["upstream"]["mountpoint"] == {"path": "/upload", "tags": []}
    assert data["upstream"]["run"]["plan"] == {"planId": data["upstream"]["run"]["plan"]["planId"],
                                               "name": "knit#uploaded"}
    assert data["upstream"]["run"]["status"] == "done"

    download = client.get(f"/api/data/{knit_id}/")
    assert download.status_code == 200 and download.headers["content-type"] == "application/tar+gzip"
    assert _files(download.content) == {"a": b"first", "sub/b": b"second"}

    knit("data", "pull", "-x", knit_id, str(tmp_path / "pulled"))
    assert (tmp_path / "pulled" / knit_id / "sub" / "b").read_bytes() == b"second"
    assert client.get(f"/api/data/{knit_id}/content").status_code == 200  # knit's own endpoint stays


def test_a_pushed_directory_of_knit_downloads_via_rest(client: TestClient, knit: Knit, tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "f").write_bytes(b"by knit")
    pushed = json.loads(knit("data", "push", "-t", "by:knit", str(tmp_path / "dir")).stdout)
    assert _files(client.get(f"/api/data/{pushed['knitId']}").content) == {"f": b"by knit"}


def test_find_data_by_tags_and_time(client: TestClient) -> None:
    first = _push(client, ["set:a", "n:1"], a=b"1")
    _push(client, ["set:a", "n:2"], a=b"2")
    assert [d["knitId"] for d in client.get("/api/data", params={"tag": ["set:a", "n:1"]}).json()] == [first["knitId"]]
    assert len(client.get("/api/data/", params={"tag": "set:a"}).json()) == 2
    window = {"since": "2000-01-01T00:00:00Z", "duration": "1h"}
    assert client.get("/api/data", params={"tag": "set:a", **window}).json() == []
    assert len(client.get("/api/data", params={"tag": "set:a", "since": "2000-01-01T00:00:00+00:00"}).json()) == 2
    assert _error(client.get("/api/data", params={"tag": "nocolon"}), 400)
    assert _error(client.get("/api/data", params={"duration": "1h"}), 400)


@pytest.mark.parametrize(("body", "status"), [
    ({"add": ["knit#id:x"]}, 400),
    ({"remove_key": ["knit#id"]}, 400),
    ({"add": ["a:1"], "unknown": []}, 400),
    ({"add": [{"key": "a"}]}, 400),
    ("not json", 400),
], ids=["system-tag", "system-key", "unknown-field", "half-object", "not-json"])
def test_tag_change_refusals(client: TestClient, body: Any, status: int) -> None:
    data = _push(client, ["a:1"], a=b"1")
    content = body if isinstance(body, str) else json.dumps(body)
    assert _error(client.put(f"/api/data/{data['knitId']}", content=content), status)


def test_tag_change_objects_removals_and_unknown_data(client: TestClient) -> None:
    data = _push(client, ["a:1", "b:2", "c:3"], a=b"1")
    changed = client.put(f"/api/data/{data['knitId']}", json={
        "add": [{"key": "d", "value": "4"}], "remove": ["a:1"], "remove_key": ["b"]}).json()
    assert {t for t in changed["tags"] if not t.startswith("knit#")} == {"c:3", "d:4"}
    assert _error(client.put("/api/data/no-such-id", json={"add": ["a:1"]}), 404)
    assert _error(client.get("/api/data/no-such-id"), 404)
    assert _error(client.post("/api/data", content=b"not gzip"), 400)


def test_a_tag_change_starts_runs(client: TestClient) -> None:
    plan = _register(client, active=False)
    data = _push(client, ["other:tag"], a=b"1")
    assert client.get("/api/runs", params={"plan": plan["planId"]}).json() == []
    tagged = client.put(f"/api/data/{data['knitId']}", json={"add": ["kind:raw"]}).json()
    (run,) = client.get("/api/runs", params={"plan": plan["planId"]}).json()
    assert run["inputs"] == [{"path": "/in/data", "tags": ["kind:raw"], "knitId": data["knitId"]}]
    assert tagged["downstreams"][0]["run"]["runId"] == run["runId"]


# --- plans ---


def test_register_plan_shape_and_duplicate(client: TestClient) -> None:
    plan = _register(client, annotations=["name=echo"], resources={"cpu": "500m"}, on_node={"may": ["gpu=yes"]})
    assert plan["image"] == "example.com/echo:v1" and plan["entrypoint"] == ECHO and plan["active"] is True
    assert plan["inputs"] == [{"path": "/in/data", "tags": ["kind:raw"], "upstreams": []}]
    assert plan["outputs"] == [{"path": "/out", "tags": ["kind:copy"], "downstreams": []}]
    assert plan["log"] == {"tags": ["kind:log"], "downstreams": []}
    assert plan["resources"] == {"cpu": "500m", "memory": "1Gi"} and plan["on_node"]["may"] == ["gpu=yes"]
    assert plan["annotations"] == ["name=echo"] and "args" not in plan and "service_account" not in plan
    same = _spec(active=False, on_node={"may": ["gpu=yes"]})  # activeness and resources do not count
    duplicate = _error(client.post("/api/plans/", json=same), 409)
    assert duplicate["see"] == plan["planId"]
    assert client.get(f"/api/plans/{plan['planId']}").json() == plan


@pytest.mark.parametrize(("spec", "headers"), [
    ({"inputs": []}, {}),
    ({"image": "nameless"}, {}),
    ({"inputs": [{"path": "/in", "tags": ["knit#transient:failed"]}]}, {}),
    ({}, {"Content-Type": "text/yaml"}),
], ids=["no-inputs", "no-tag", "transient-input", "content-type"])
def test_register_plan_refusals(client: TestClient, spec: dict[str, Any], headers: dict[str, str]) -> None:
    assert _error(client.post("/api/plans", content=json.dumps(_spec(**spec)),
                              headers={"Content-Type": "application/json", **headers}), 400)


def test_a_plan_that_feeds_itself_is_a_conflict(client: TestClient) -> None:
    assert _error(client.post("/api/plans", json=_spec(outputs=[{"path": "/out", "tags": ["kind:raw"]}])), 409)


def test_find_plans_and_change_them(client: TestClient) -> None:
    plan = _register(client)
    plan_id = plan["planId"]
    assert [p["planId"] for p in client.get("/api/plans", params={"in_tag": "kind:raw"}).json()] == [plan_id]
    assert client.get("/api/plans", params={"active": "false", "image": "example.com/echo"}).json() == []
    assert _error(client.get("/api/plans", params={"active": "maybe"}), 400)
    assert client.delete(f"/api/plans/{plan_id}/active").json()["active"] is False
    assert client.put(f"/api/plans/{plan_id}/active/").json()["active"] is True
    resources = client.put(f"/api/plans/{plan_id}/resources", json={"set": {"cpu": "2"}, "unset": ["memory"]})
    assert resources.json()["resources"] == {"cpu": "2"}
    client.put(f"/api/plans/{plan_id}/annotations", json={"add": ["a=1", "b=2", "c=3"]})
    annotated = client.put(f"/api/plans/{plan_id}/annotations", json={"remove": ["c=3"], "remove_key": ["b"]})
    assert annotated.json()["annotations"] == ["a=1"]
    assert client.put(f"/api/plans/{plan_id}/serviceaccount", json={"service_account": "sa"}).json()[
        "service_account"] == "sa"
    assert "service_account" not in client.delete(f"/api/plans/{plan_id}/serviceaccount").json()
    assert _error(client.put(f"/api/plans/{plan_id}/resources", json={"set": {"cpu": "lots"}}), 400)
    assert _error(client.put(f"/api/plans/{plan_id}/serviceaccount", json={}), 400)
    for method, path in [("GET", ""), ("PUT", "/active"), ("PUT", "/annotations"), ("DELETE", "/serviceaccount")]:
        assert _error(client.request(method, f"/api/plans/no-such-plan{path}", json={}), 404)


# --- runs ---


@pytest.fixture
def parked_run(client: TestClient) -> Iterator[dict[str, Any]]:
    """A deactivated Run (its plan is inactive), which no executor touches."""
    plan = _register(client, active=False)
    _push(client, ["kind:raw"], a=b"1")
    (run,) = client.get("/api/runs", params={"plan": plan["planId"]}).json()
    yield dict(run)


def test_run_find_show_stop_and_delete(client: TestClient, parked_run: dict[str, Any]) -> None:
    run_id = parked_run["runId"]
    assert parked_run["status"] == "deactivated" and "exit" not in parked_run
    assert set(parked_run) == {"runId", "status", "updatedAt", "plan", "inputs", "outputs", "log"}
    assert parked_run["log"]["tags"] == ["kind:log"]
    assert client.get(f"/api/runs/{run_id}/").json() == parked_run
    assert len(client.get("/api/runs", params={"status": "done,failed"}).json()) == 1  # the upload's Run
    assert client.get("/api/runs", params={"status": "failed,waiting"}).json() == []
    assert _error(client.get("/api/runs", params={"status": "invalidated"}), 400)
    assert _error(client.put(f"/api/runs/{run_id}/tearoff"), 409)
    aborted = client.put(f"/api/runs/{run_id}/abort").json()
    assert aborted["status"] == "failed" and aborted["exit"] == {"code": 253, "message": "aborted by user"}
    assert _error(client.put(f"/api/runs/{run_id}/abort"), 409)
    deleted = client.delete(f"/api/runs/{run_id}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert _error(client.delete(f"/api/runs/{run_id}"), 404)
    for method, path in [("GET", ""), ("PUT", "/abort"), ("PUT", "/tearoff"), ("PUT", "/retry"), ("GET", "/log")]:
        assert _error(client.request(method, f"/api/runs/no-such-run{path}"), 404)


def test_a_run_executes_and_its_log_and_retry_are_served(client: TestClient, knit: Knit) -> None:
    plan = _register(client)
    _push(client, ["kind:raw"], a=b"payload")
    run = knit.only_run(plan["planId"])
    assert run["status"] == "done", run
    log = client.get(f"/api/runs/{run['runId']}/log")
    assert log.status_code == 200 and log.text == "hello from the run\n"
    (output,) = run["outputs"]
    assert _files(client.get(f"/api/data/{output['knitId']}").content) == {"copy": b"payload"}
    retried = client.put(f"/api/runs/{run['runId']}/retry")
    assert retried.status_code == 200 and retried.content == b""
    assert client.get(f"/api/runs/{run['runId']}").json()["outputs"][0]["knitId"] != output["knitId"]
