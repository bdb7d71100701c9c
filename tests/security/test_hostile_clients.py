"""A hostile client against the in-process server: every abusive request gets a 4xx (or a GraphQL
error whose code is not INTERNAL) with advice on what to do instead, and never a server path."""

from __future__ import annotations

import io
import tarfile
import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from knitgraph.server.settings import Settings

from ..conftest import app_client, graphql, new_token

PUSH = "mutation($id: ID!, $d: String!, $t: [String!]) { pushData(uploadId: $id, digest: $d, tags: $t) { knitId } }"
TAG = "mutation($k: ID!, $add: [String!]) { tagData(knitId: $k, add: $add) { knitId tags } }"
APPLY = "mutation($spec: PlanSpecInput!) { applyPlan(spec: $spec) { planId } }"


def _tar(entries: list[tarfile.TarInfo], content: bytes = b"x") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info in entries:
            if info.isfile():
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
            else:
                tar.addfile(info)
    return buffer.getvalue()


def _entry(name: str, kind: bytes = tarfile.REGTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    return info


def _nested_variables(depth: int) -> bytes:
    """A request whose variable ``v`` nests ``depth`` objects, written as text (json.dumps would recurse)."""
    value = '{"a": [' * depth + '"leaf"' + "]}" * depth
    return ('{"query": "query($v: JSON) { __typename }", "variables": {"v": ' + value + "}}").encode()


def _refusal(response: Any, status: int) -> dict[str, str]:
    """The JSON refusal of an HTTP endpoint: its status, a reason and advice, no server path."""
    assert response.status_code == status, response.text
    message = response.json()["message"]
    assert message["reason"] and message["advice"], message
    assert "/tmp" not in response.text and "/home" not in response.text
    return dict(message)


def _graphql_refusal(body: dict[str, Any], code: str) -> dict[str, Any]:
    assert body.get("data") is None or all(value is None for value in body["data"].values()), body
    extensions = dict(body["errors"][0]["extensions"])
    assert extensions["code"] == code, body["errors"][0]
    assert extensions["advice"], extensions
    return extensions


def _upload(client: TestClient, files: dict[str, bytes]) -> dict[str, str]:
    response = client.post("/api/uploads", content=_tar([_entry(name) for name in files]))
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.fixture
def small_limits(clean_graph: Settings) -> Iterator[TestClient]:
    settings = clean_graph.model_copy(update={"upload_max_bytes": 64 * 1024, "graphql_max_body_bytes": 16 * 1024})
    with app_client(settings, new_token(settings)) as test_client:
        yield test_client


# --- GraphQL documents --------------------------------------------------------------------------


def test_thousand_aliases_are_refused_before_any_resolver_runs(client: TestClient) -> None:
    query = "{" + " ".join(f'a{i}: findData(tags: ["k{i}:{"v" * 40}"]) {{ knitId tags }}' for i in range(1000)) + "}"
    assert len(query) > 60_000
    started = time.monotonic()
    body = graphql(client, query)
    assert time.monotonic() - started < 5
    extensions = _graphql_refusal(body, "TOO_LARGE")
    assert "KNITGRAPH_GRAPHQL_MAX" in extensions["advice"]


def test_deep_query_is_refused(client: TestClient) -> None:
    nested = "run { runId }"
    for _ in range(20):
        nested = f"upstream {{ {nested} }}"  # not valid below the first level; depth is checked first
    body = graphql(client, "{ data(knitId: \"x\") { " + nested + " } }")
    extensions = _graphql_refusal(body, "TOO_LARGE")
    assert "deep" in extensions["reason"]


@pytest.mark.parametrize(
    "query",
    [
        "{ findData(tags: [" + ", ".join(f'"k:{i}"' for i in range(20_000)) + "]) { knitId } }",
        "{ findData { knitId } }\n" + "#\n" * 20_000,
    ],
    ids=["long-list", "comments"],
)
def test_query_with_too_many_tokens_is_refused(client: TestClient, query: str) -> None:
    body = graphql(client, query)
    extensions = _graphql_refusal(body, "TOO_LARGE")
    assert "tokens" in extensions["reason"]


def test_costly_query_from_fragments_is_refused(client: TestClient) -> None:
    fragments = "fragment F0 on Data { knitId tags }\n" + "\n".join(
        f"fragment F{i} on Data {{ ...F{i - 1} upstream {{ run {{ runId }} }} downstreams {{ run {{ runId }} }} "
        f"nomination {{ path }} ...F{i - 1} }}"
        for i in range(1, 25)
    )
    body = graphql(client, "{ findData { ...F24 } }\n" + fragments)
    extensions = _graphql_refusal(body, "TOO_LARGE")
    assert "cost" in extensions["reason"]


# --- /graphql bodies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"42", "JSON object"),
        (b"not json at all", "not JSON"),
        (b"\xff\xfe{", "not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "deep"),
        (_nested_variables(100), "deep"),
        (_nested_variables(50_000), "deep"),
        (b'{"query": 42}', "query"),
    ],
    ids=["number", "text", "invalid-utf8", "nested-arrays", "nested-variables", "very-nested-variables",
         "query-not-a-string"],
)
def test_malformed_graphql_body_is_a_400_with_advice(client: TestClient, body: bytes, words: str) -> None:
    response = client.post("/graphql", content=body, headers={"content-type": "application/json"})
    message = _refusal(response, 400)
    assert words in message["reason"]


def test_graphql_body_with_an_unsupported_content_type_is_a_4xx_with_advice(client: TestClient) -> None:
    response = client.post("/graphql", content=b"query { __typename }", headers={"content-type": "text/plain"})
    assert "application/json" in _refusal(response, 415)["advice"]


def test_graphql_body_over_the_limit_is_a_413(small_limits: TestClient) -> None:
    spec = {"image": "x:1", "inputs": [{"path": "/in", "tags": ["a:" + "b" * 40_000]}]}
    response = small_limits.post("/graphql", json={"query": APPLY, "variables": {"spec": spec}})
    assert "KNITGRAPH_GRAPHQL_MAX_BODY" in _refusal(response, 413)["advice"]


# --- uploads ------------------------------------------------------------------------------------


def test_upload_over_the_limit_is_a_413_and_nothing_is_kept(small_limits: TestClient, clean_graph: Settings) -> None:
    body = _tar([_entry("big")], content=b"x" * 200_000)
    chunks = [body[i : i + 8192] for i in range(0, len(body), 8192)]
    response = small_limits.post("/api/uploads", content=iter(chunks))
    assert "KNITGRAPH_UPLOAD_MAX_BYTES" in _refusal(response, 413)["advice"]
    assert list((clean_graph.home / "staging").iterdir()) == []


@pytest.mark.parametrize(
    "entries",
    [
        [_entry("n" * 5000)],
        [_entry("/".join(["d"] * 2000) + "/f")],
        [_entry("/".join(["d"] * 1100), tarfile.DIRTYPE)],
        [_entry("link", tarfile.SYMTYPE)],
    ],
    ids=["5000-char-name", "2000-deep-file", "1100-deep-dir", "empty-symlink-target"],
)
def test_hostile_tar_entry_is_a_400(client: TestClient, clean_graph: Settings, entries: list[tarfile.TarInfo]) -> None:
    response = client.post("/api/uploads", content=_tar(entries))
    _refusal(response, 400)
    assert list((clean_graph.home / "staging").iterdir()) == []


@pytest.mark.parametrize("upload_id", ["u" * 10_000, "../../etc", "a\x00b", ""], ids=["10k", "dots", "nul", "empty"])
def test_bad_upload_id_is_refused_without_echoing_it(client: TestClient, upload_id: str) -> None:
    body = graphql(client, PUSH, id=upload_id, d="0" * 64, t=[])
    extensions = _graphql_refusal(body, "INVALID_INPUT")
    assert "POST /api/uploads" in extensions["advice"]
    assert len(body["errors"][0]["message"]) < 200


# --- tags ---------------------------------------------------------------------------------------


def test_more_tags_than_a_data_may_carry_are_refused(client: TestClient) -> None:
    receipt = _upload(client, {"a": b"x"})
    body = graphql(client, PUSH, id=receipt["uploadId"], d=receipt["digest"], t=[f"k:{i}" for i in range(20_000)])
    assert "200" in _graphql_refusal(body, "INVALID_INPUT")["reason"]


def test_tagging_past_the_limit_is_refused_and_changes_nothing(client: TestClient) -> None:
    receipt = _upload(client, {"a": b"x"})
    pushed = graphql(client, PUSH, id=receipt["uploadId"], d=receipt["digest"], t=[f"k:{i}" for i in range(150)])
    knit_id = pushed["data"]["pushData"]["knitId"]
    body = graphql(client, TAG, k=knit_id, add=[f"more:{i}" for i in range(60)])
    assert "200" in _graphql_refusal(body, "INVALID_INPUT")["reason"]
    shown = graphql(client, 'query($k: ID!) { data(knitId: $k) { tags } }', k=knit_id)
    assert not any(tag.startswith("more:") for tag in shown["data"]["data"]["tags"])


@pytest.mark.parametrize(
    "tag", [":value", "  :value", "ke\x00y:v", "key:va\x00lue", "key:line\nbreak", "k\x1b[31m:red"],
    ids=["empty-key", "blank-key", "nul-in-key", "nul-in-value", "newline", "escape-sequence"],
)
def test_empty_keys_and_control_characters_in_tags_are_refused(client: TestClient, tag: str) -> None:
    receipt = _upload(client, {"a": b"x"})
    body = graphql(client, PUSH, id=receipt["uploadId"], d=receipt["digest"], t=[tag])
    _graphql_refusal(body, "INVALID_INPUT")


# --- plans --------------------------------------------------------------------------------------


def _spec(**changes: Any) -> dict[str, Any]:
    return {"image": "repo/image:1", "inputs": [{"path": "/in/1", "tags": ["a:b"]}], **changes}


@pytest.mark.parametrize(
    "spec",
    [
        _spec(inputs=[{"path": "/in/a\x00b", "tags": ["a:b"]}]),
        _spec(outputs=[{"path": "/out/\x07", "tags": ["a:b"]}]),
        _spec(entrypoint=["python\x00", "-c"]),
        _spec(args=["--x", "y\x00z"]),
        _spec(resources={"memory": "-1"}),
        _spec(resources={"memory": "1e999"}),
        _spec(resources={"cpu": "nan"}),
        _spec(inputs=[{"path": "/in/1", "tags": [f"k:{i}" for i in range(300)]}]),
        _spec(inputs=[{"path": f"/in/{i}", "tags": ["a:b"]} for i in range(2000)]),
    ],
    ids=["nul-input-path", "bell-output-path", "nul-entrypoint", "nul-arg", "negative-memory", "infinite-memory",
         "nan-cpu", "300-tags", "2000-inputs"],
)
def test_hostile_plan_is_refused(client: TestClient, spec: dict[str, Any]) -> None:
    body = graphql(client, APPLY, spec=spec)
    _graphql_refusal(body, "INVALID_INPUT")
    assert graphql(client, "{ findPlans(image: \"repo/image:1\") { planId } }")["data"]["findPlans"] == []
