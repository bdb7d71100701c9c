"""Every door needs a key: no token, a bad or revoked token, the wrong role, or a foreign Host or
Origin is refused with a status and advice; the right token gets in."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from knitgraph.cli.client import KnitClient
from knitgraph.cli.context import CliContext
from knitgraph.cli.main import cli
from knitgraph.graph_schema.access import Role
from knitgraph.server.admin.main import main as knitgraph
from knitgraph.server.auth import gatekeeper
from knitgraph.server.settings import Settings

from ..app_transport import AppTransport
from ..conftest import app_client, new_token

FIND = {"query": "{ findData(tags: []) { knitId } }"}
APPLY = {"query": 'mutation { applyPlan(spec: {image: "x:1", inputs: [{path: "/in", tags: ["a:b"]}]}) { planId } }'}


def _tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("x")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    return buffer.getvalue()


def _refused(response: Any, status: int, code: str) -> dict[str, str]:
    assert response.status_code == status, response.text
    message = dict(response.json()["message"])
    assert message["code"] == code and message["advice"], message
    return message


@pytest.fixture
def anonymous(clean_graph: Settings) -> Any:
    with app_client(clean_graph, None) as test_client:
        yield test_client


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/graphql", FIND), ("GET", "/graphql?query=%7BfindData%7BknitId%7D%7D", None),
    ("POST", "/api/uploads", None), ("GET", "/api/data/x/content", None), ("GET", "/api/runs/x/log", None),
], ids=["graphql", "graphql-get", "upload", "download", "log"])
def test_requests_without_a_token_get_401_with_advice(anonymous: TestClient, method: str, path: str,
                                                     body: dict[str, str] | None) -> None:
    response = anonymous.request(method, path, json=body)
    message = _refused(response, 401, "UNAUTHENTICATED")
    assert "knitgraph token create" in message["advice"]
    assert response.headers["www-authenticate"] == "Bearer"


def test_health_and_the_graphiql_page_need_no_token(anonymous: TestClient) -> None:
    assert anonymous.get("/healthz").status_code == 200
    assert anonymous.get("/graphql", headers={"Accept": "text/html"}).status_code == 200


@pytest.mark.parametrize("token", ["nonsense", "kg_nope_nope", "kg_" + "a" * 300], ids=["malformed", "unknown", "long"])
def test_bad_tokens_get_401(clean_graph: Settings, token: str) -> None:
    with app_client(clean_graph, token) as test_client:
        _refused(test_client.post("/graphql", json=FIND), 401, "UNAUTHENTICATED")


def test_a_revoked_token_stops_working(clean_graph: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gatekeeper, "CACHE_SECONDS", 0.0)
    token = new_token(clean_graph, Role.VIEWER)
    with app_client(clean_graph, token) as test_client:
        assert test_client.post("/graphql", json=FIND).json() == {"data": {"findData": []}}
        token_id = token.split("_")[1]
        done = CliRunner().invoke(knitgraph, ["token", "revoke", token_id], env=_env(clean_graph))
        assert done.exit_code == 0, done.output
        _refused(test_client.post("/graphql", json=FIND), 401, "UNAUTHENTICATED")


def test_a_viewer_reads_but_cannot_apply_or_push(clean_graph: Settings) -> None:
    with app_client(clean_graph, new_token(clean_graph, Role.VIEWER)) as viewer:
        assert viewer.post("/graphql", json=FIND).json() == {"data": {"findData": []}}
        answer = viewer.post("/graphql", json=APPLY).json()
        error = answer["errors"][0]["extensions"]
        assert error["code"] == "FORBIDDEN" and "editor" in error["advice"], answer
        _refused(viewer.post("/api/uploads", content=_tar()), 403, "FORBIDDEN")


def test_an_editor_pushes_and_applies(clean_graph: Settings) -> None:
    with app_client(clean_graph, new_token(clean_graph, Role.EDITOR)) as editor:
        assert editor.post("/api/uploads", content=_tar()).status_code == 200
        assert "planId" in editor.post("/graphql", json=APPLY).json()["data"]["applyPlan"]


@pytest.mark.parametrize("headers", [
    {"Host": "attacker.example"}, {"Host": "attacker.example:8080"},
    {"Origin": "http://attacker.example"}, {"Origin": "https://127.0.0.1.attacker.example"},
], ids=["host", "host-port", "origin", "origin-lookalike"])
def test_foreign_hosts_and_origins_are_refused(client: TestClient, headers: dict[str, str]) -> None:
    message = _refused(client.post("/graphql", json=FIND, headers=headers), 403, "FORBIDDEN")
    assert "KNITGRAPH_ALLOWED_HOSTS" in message["advice"]


def test_same_origin_requests_are_served(client: TestClient) -> None:
    response = client.post("/graphql", json=FIND, headers={"Origin": "http://127.0.0.1:8080"})
    assert response.json() == {"data": {"findData": []}}


def _env(settings: Settings) -> dict[str, str]:
    return {"KNITGRAPH_HOME": str(settings.home), "NEO4J_URI": str(settings.neo4j_uri),
            "NEO4J_USER": settings.neo4j_user, "NEO4J_PASSWORD": str(settings.neo4j_password)}


def test_admin_commands_make_users_and_tokens_that_knit_uses(clean_graph: Settings, tmp_path: Path) -> None:
    runner = CliRunner()
    env = _env(clean_graph)
    added = runner.invoke(knitgraph, ["user", "add", "--role", "viewer", "ana"], env=env)
    assert added.exit_code == 0, added.output
    again = runner.invoke(knitgraph, ["user", "add", "ana"], env=env)
    assert again.exit_code == 1 and "exists already" in again.output
    created = runner.invoke(knitgraph, ["token", "create", "--label", "laptop", "ana"], env=env)
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    assert token.startswith("kg_")
    listed = runner.invoke(knitgraph, ["token", "list"], env=env).stdout
    assert "ana\tviewer\tactive\tlaptop" in listed and token.split("_", 2)[2] not in listed
    assert "ana\tviewer\t1 token(s)" in runner.invoke(knitgraph, ["user", "list"], env=env).stdout

    with app_client(clean_graph, None) as test_client:
        knit = CliRunner()
        anonymous = knit.invoke(cli, ["data", "find"], obj=CliContext(_client=_client(test_client, None)))
        assert anonymous.exit_code == 1 and "KNIT_TOKEN" in anonymous.stderr, anonymous.stderr
        found = knit.invoke(cli, ["data", "find"], obj=CliContext(_client=_client(test_client, token)))
        assert found.exit_code == 0 and found.stdout.strip() == "[]", found.stderr
        refused = knit.invoke(cli, ["plan", "active", "no", "x"], obj=CliContext(_client=_client(test_client, token)))
        assert refused.exit_code == 1 and "may not change" in refused.stderr, refused.stderr


def _client(test_client: TestClient, token: str | None) -> KnitClient:
    test_client.headers.pop("Authorization", None)
    if token:
        test_client.headers["Authorization"] = f"Bearer {token}"
    return KnitClient(AppTransport(test_client))


def _push(test_client: TestClient, size: int) -> dict[str, Any]:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("blob")
        info.size = size
        tar.addfile(info, io.BytesIO(b"x" * size))
    receipt = test_client.post("/api/uploads", content=buffer.getvalue()).json()
    mutation = "mutation($u: ID!, $d: String!) { pushData(uploadId: $u, digest: $d, tags: [\"q:1\"]) { knitId } }"
    return dict(test_client.post("/graphql", json={"query": mutation, "variables": {
        "u": receipt["uploadId"], "d": receipt["digest"]}}).json())


def test_a_users_pushes_stop_at_their_quota_and_others_are_not_charged(clean_graph: Settings) -> None:
    settings = clean_graph.model_copy(update={"user_quota_bytes": 1500})
    with app_client(settings, new_token(settings, Role.EDITOR)) as ana:
        assert "knitId" in _push(ana, 1000)["data"]["pushData"]
        refused = _push(ana, 1000)
        error = refused["errors"][0]["extensions"]
        assert error["code"] == "TOO_LARGE" and "quota" in error["reason"] and "1000 of 1500" in error["reason"]
        assert "KNITGRAPH_USER_QUOTA_BYTES" in error["advice"]
        found = ana.post("/graphql", json={"query": '{ findData(tags: ["q:1"]) { knitId } }'}).json()
        assert len(found["data"]["findData"]) == 1  # the refused push left no Data
    with app_client(settings, new_token(settings, Role.EDITOR)) as ben:
        assert "knitId" in _push(ben, 1000)["data"]["pushData"]
