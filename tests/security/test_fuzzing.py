"""Fuzzing with a fixed budget and fixed seeds (``derandomize``), so CI is reproducible:

- the GraphQL API, from its own schema (schemathesis: valid and invalid documents for every query
  and mutation), against the in-process app on a real Neo4j: no response is a 5xx, no error INTERNAL;
- the tar reader, with random and mutated tar streams: only ``UnsafeArchiveError`` ever escapes;
- the plan parser, server side (``PlanSpec.build``) and CLI side (``read_plan_file``): only
  ``InvalidInputError`` and ``KnitCliError``.

The counts are printed in the "fuzzing" section of the test summary.
"""

from __future__ import annotations

import io
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import graphql
import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode
from starlette.testclient import TestClient

from knitgraph.archive import UnsafeArchiveError, extract_tar, verify_tar
from knitgraph.cli.errors import KnitCliError
from knitgraph.cli.plan_file import read_plan_file
from knitgraph.graph_schema.errors import InvalidInputError
from knitgraph.graph_schema.plan_spec import PlanSpec
from knitgraph.server.graphql.schema import schema as knit_schema
from knitgraph.server.settings import Settings

from ..conftest import app_client, new_token
from . import fuzz_report

BASE = settings(
    derandomize=True, database=None, deadline=None, print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture,
                           HealthCheck.filter_too_much],
)


def budget(examples: int) -> settings:
    return settings(BASE, max_examples=examples)


# --- the GraphQL API ----------------------------------------------------------------------------


def _operations() -> list[Any]:
    loaded = schemathesis.graphql.from_dict(dict(graphql.introspection_from_schema(knit_schema._schema)))
    return [result.ok() for result in loaded.get_all_operations()]


OPERATIONS = _operations()
GRAPHQL_CASES = st.one_of(
    [operation.as_strategy(GenerationMode.POSITIVE) for operation in OPERATIONS]
    + [operation.as_strategy(GenerationMode.NEGATIVE) for operation in OPERATIONS]
)


@pytest.fixture
def api(clean_graph: Settings) -> Iterator[TestClient]:
    """The app without its run manager: fuzzed plans are registered, never executed."""
    settings = clean_graph.model_copy(update={"execute_runs": False})
    with app_client(settings, new_token(settings)) as test_client:  # an admin's: every operation is reachable
        yield test_client


def _server_error(response: Any) -> str | None:
    if response.status_code >= 500:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    if response.headers.get("content-type", "").startswith("application/json"):
        for error in response.json().get("errors") or []:
            if (error.get("extensions") or {}).get("code") == "INTERNAL":
                return str(error)
    return None


def test_graphql_api_fuzzed_from_its_schema_answers_no_server_error(api: TestClient) -> None:
    @budget(600)
    @given(GRAPHQL_CASES)
    def fuzz(case: Any) -> None:
        body = case.body if isinstance(case.body, str) else ""
        response = api.post("/graphql", json={"query": body})
        fuzz_report.CASES["graphql api (schemathesis)"] += 1
        assert response.status_code not in (401, 403), response.text  # the fuzz must reach the API
        problem = _server_error(response)
        if problem is not None:
            fuzz_report.UNEXPECTED["graphql api (schemathesis)"] += 1
        assert problem is None, f"{problem}\nquery:\n{body}"

    fuzz()


# --- the tar reader -----------------------------------------------------------------------------

NAMES = st.text(st.sampled_from("ab/.\\:\x00é"), min_size=0, max_size=12) | st.sampled_from(
    ["..", "../x", "/abs", "a/../../b", "d/" * 1200 + "f", "n" * 300, "", ".", "a//b"]
)
KINDS = st.sampled_from([tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.FIFOTYPE,
                         tarfile.CHRTYPE, b"x", b"g", b"7"])


@st.composite
def tar_streams(draw: st.DrawFn) -> bytes:
    buffer = io.BytesIO()
    layout = draw(st.sampled_from([tarfile.PAX_FORMAT, tarfile.GNU_FORMAT]))
    with tarfile.open(fileobj=buffer, mode="w", format=layout) as tar:
        for _ in range(draw(st.integers(0, 6))):
            info = tarfile.TarInfo(draw(NAMES))
            info.type = draw(KINDS)
            info.linkname = draw(NAMES)
            info.mode = draw(st.integers(0, 0o7777))
            content = draw(st.binary(max_size=64)) if info.type == tarfile.REGTYPE else b""
            info.size = len(content)
            try:
                tar.addfile(info, io.BytesIO(content) if content else None)
            except (ValueError, UnicodeEncodeError):
                pass  # a header the writer itself cannot encode; the reader never sees it
    data = bytearray(buffer.getvalue())
    for _ in range(draw(st.integers(0, 4))):  # mutate: overwrite a few bytes, or cut the stream short
        if data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


@budget(600)
@given(tar_streams() | st.binary(max_size=2048))
def test_tar_reader_refuses_any_stream_only_with_unsafe_archive_error(stream: bytes) -> None:
    fuzz_report.CASES["tar reader (hypothesis)"] += 1
    with tempfile.TemporaryDirectory() as folder:
        for read in (lambda: verify_tar(io.BytesIO(stream)), lambda: extract_tar(io.BytesIO(stream), Path(folder))):
            try:
                read()
            except UnsafeArchiveError as refusal:
                assert refusal.reason and refusal.advice and folder not in refusal.reason
            except BaseException:
                fuzz_report.UNEXPECTED["tar reader (hypothesis)"] += 1
                raise


# --- the plan parser ----------------------------------------------------------------------------

TEXT = st.text(st.sampled_from("ab:/.=#\x00\n -1kmiGe") | st.characters(), max_size=20)
TAGS = st.lists(TEXT | st.sampled_from(["a:b", "knit#id:x", "knit#timestamp:2024-01-01T00:00:00Z",
                                         "knit#transient:failed", ":v", "k:"]), max_size=4)
PATHS = TEXT | st.sampled_from(["/in", "/in/1", "/out", "/log", "/in/../x", "/in/", "in"])
PLAN_FIELDS = st.fixed_dictionaries(
    {"image": TEXT | st.sampled_from(["train:v1", "r.io:5000/a/b:1", "a:b:c"]),
     "inputs": st.lists(st.tuples(PATHS, TAGS), max_size=3)},
    optional={
        "outputs": st.lists(st.tuples(PATHS, TAGS), max_size=3),
        "log": TAGS | st.none(),
        "entrypoint": st.lists(TEXT, max_size=3) | st.none(),
        "args": st.lists(TEXT, max_size=3) | st.none(),
        "active": st.booleans() | st.none(),
        "resources": st.dictionaries(TEXT | st.sampled_from(["cpu", "memory"]),
                                     TEXT | st.sampled_from(["1", "-1", "1e999", "nan", "inf", "2Gi", "500m"]),
                                     max_size=3),
        "on_node": st.dictionaries(TEXT | st.sampled_from(["may", "must"]), st.lists(TEXT, max_size=2), max_size=2),
        "service_account": TEXT | st.none(),
        "annotations": st.lists(TEXT, max_size=3),
    },
)


@budget(600)
@given(PLAN_FIELDS)
def test_plan_spec_build_refuses_any_plan_only_with_invalid_input_error(fields: dict[str, Any]) -> None:
    fuzz_report.CASES["plan spec (hypothesis)"] += 1
    try:
        PlanSpec.build(**fields)
    except InvalidInputError as refusal:
        assert refusal.reason and refusal.advice is not None
    except BaseException:
        fuzz_report.UNEXPECTED["plan spec (hypothesis)"] += 1
        raise


YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=12,
)
PLAN_DOCUMENTS = st.fixed_dictionaries(
    {"image": YAML_VALUES, "inputs": st.lists(st.dictionaries(st.sampled_from(["path", "tags", "x"]), YAML_VALUES,
                                                                max_size=3), max_size=2) | YAML_VALUES},
    optional={key: YAML_VALUES for key in ("outputs", "log", "entrypoint", "args", "active", "resources",
                                            "on_node", "service_account", "annotations", "resource")},
) | YAML_VALUES


@budget(400)
@given(PLAN_DOCUMENTS, st.binary(max_size=64))
def test_plan_file_refuses_any_document_only_with_knit_cli_error(tmp_path_factory: pytest.TempPathFactory,
                                                                  document: Any, garbage: bytes) -> None:
    fuzz_report.CASES["plan file (hypothesis)"] += 1
    file = tmp_path_factory.mktemp("plan") / "plan.yaml"
    file.write_bytes(yaml.safe_dump(document, allow_unicode=True).encode() + garbage)
    try:
        plan, _ = read_plan_file(file)
        spec = plan.to_spec_input()
        PlanSpec.build(
            image=spec["image"], inputs=[(m["path"], m["tags"]) for m in spec["inputs"]],
            outputs=[(m["path"], m["tags"]) for m in spec.get("outputs", [])],
            log=spec["log"]["tags"] if "log" in spec else None, entrypoint=spec.get("entrypoint"),
            args=spec.get("args"), active=spec.get("active"), resources=spec.get("resources"),
            on_node=spec.get("on_node"), service_account=spec.get("service_account"),
            annotations=spec.get("annotations", []),
        )
    except (KnitCliError, InvalidInputError) as refusal:
        assert refusal.reason
    except BaseException:
        fuzz_report.UNEXPECTED["plan file (hypothesis)"] += 1
        raise
