"""The transfer endpoints and pushData, spoken to directly as any HTTP client would."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from starlette.testclient import TestClient

from knitgraph.server.settings import Settings

from ..conftest import app_client, graphql, new_token

PUSH = "mutation($id: ID!, $d: String!) { pushData(uploadId: $id, digest: $d, tags: [\"k:v\"]) { knitId tags } }"
FIND = "{ findData { knitId } }"


def _tar(**files: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def test_upload_then_push_creates_data(client: TestClient) -> None:
    receipt = client.post("/api/uploads", content=_tar(a=b"1")).json()
    body = graphql(client, PUSH, id=receipt["uploadId"], d=receipt["digest"])
    assert "errors" not in body
    assert "k:v" in body["data"]["pushData"]["tags"]


def test_digest_mismatch_creates_nothing_and_consumes_the_upload(client: TestClient, clean_graph: Settings) -> None:
    receipt = client.post("/api/uploads", content=_tar(a=b"1")).json()
    body = graphql(client, PUSH, id=receipt["uploadId"], d="0" * 64)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert "checksum mismatch" in body["errors"][0]["message"]
    assert graphql(client, FIND)["data"]["findData"] == []
    again = graphql(client, PUSH, id=receipt["uploadId"], d=receipt["digest"])
    assert again["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert list((clean_graph.home / "staging").iterdir()) == []


def test_unsafe_archive_is_refused_with_advice(client: TestClient, clean_graph: Settings) -> None:
    response = client.post("/api/uploads", content=_tar(**{"../escape": b"x"}))
    assert response.status_code == 400
    message = response.json()["message"]
    assert "outside the target" in message["reason"] and message["advice"]
    assert list((clean_graph.home / "staging").iterdir()) == []
    assert not (clean_graph.home / "escape").exists()


def test_download_of_unknown_data_is_404(client: TestClient) -> None:
    response = client.get("/api/data/unknown/content")
    assert response.status_code == 404
    assert "not found" in response.json()["message"]["reason"]


def test_graphql_errors_carry_reason_and_advice(client: TestClient) -> None:
    body = graphql(client, '{ data(knitId: "missing") { knitId } }')
    error = body["errors"][0]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["message"] == "data knit#id:missing is not found"
    assert "knit data find" in error["extensions"]["advice"]


def test_graphql_rejects_invalid_tags_readably(client: TestClient) -> None:
    body = graphql(client, '{ findData(tags: ["nocolon"]) { knitId } }')
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


def test_expired_upload_is_swept(clean_graph: Settings, tmp_path: Path) -> None:
    settings = clean_graph.model_copy(update={"upload_ttl_seconds": 0})

    with app_client(settings, new_token(settings)) as first:
        first.post("/api/uploads", content=_tar(a=b"1"))
        assert len(list((settings.home / "staging").iterdir())) == 1
    with app_client(settings, new_token(settings)):
        assert list((settings.home / "staging").iterdir()) == []


def test_an_upload_cut_short_is_refused_as_damaged_and_nothing_is_kept(client: TestClient, clean_graph: Settings) -> None:
    data = _tar(big=bytes(3 << 20))[: 2 << 20]
    response = client.post("/api/uploads", content=(data[i : i + 65536] for i in range(0, len(data), 65536)))
    assert response.status_code == 400
    assert "damaged" in response.json()["message"]["reason"]
    assert list((clean_graph.home / "staging").iterdir()) == []
