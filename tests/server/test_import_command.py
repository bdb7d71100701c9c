"""`knitgraph import`: Neo4j's offline importer writes the same graph as the bulk path and the upload
path, the server's migrations make it a working database, and the command refuses what it must.

The import needs a stopped Neo4j of its own: this module runs one in a temporary home (beside the
session's, which holds the same rows written by graph_schema/bulk.py for comparison)."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from knitgraph.graph_schema.bulk import UploadedRow, create_uploaded_data_batch
from knitgraph.graph_schema.bulk_import import write_import_files
from knitgraph.graph_schema.data import find_data, find_data_details, update_data_tags
from knitgraph.graph_schema.driver import Graph
from knitgraph.graph_schema.maintenance import count_nodes
from knitgraph.graph_schema.migrations import apply_migrations
from knitgraph.graph_schema.plan_spec import PlanSpec
from knitgraph.graph_schema.plans import get_plan, register_plan
from knitgraph.graph_schema.records import DataRecord, PlanRecord
from knitgraph.graph_schema.runs import find_runs
from knitgraph.graph_schema.tags import Tag
from knitgraph.server.admin.main import main as knitgraph
from knitgraph.server.embedded_neo4j import EmbeddedNeo4j
from knitgraph.server.embedded_neo4j.importer import import_store
from knitgraph.server.settings import Settings

from ..conftest import run_on_graph

NOW = 1_700_000_000_123
UPLOADED_PLAN = "8a1b3f0e-6c4d-5e2a-9f10-75706c6f6164"
ROWS = [
    UploadedRow(str(uuid.uuid4()), str(uuid.uuid4()), "a" * 64, (Tag("project", "mnist"), Tag("note", 'a "b", c')), 12),
    UploadedRow(str(uuid.uuid4()), str(uuid.uuid4()), "b" * 64, (Tag("project", "mnist"), Tag("empty", ""))),
    UploadedRow(str(uuid.uuid4()), str(uuid.uuid4()), "c" * 64, ()),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A home whose database was written by the importer from ROWS, then started and migrated."""
    home = tmp_path_factory.mktemp("import-home")
    settings = Settings(KNITGRAPH_HOME=home, KNITGRAPH_NEO4J_BOLT_PORT=free_port(), KNITGRAPH_NEO4J_HTTP_PORT=free_port())
    neo4j = EmbeddedNeo4j(settings)
    work = home / "csv"
    work.mkdir()
    files = write_import_files(ROWS, NOW, work)
    import_store(neo4j, files.arguments, overwrite=False, log=lambda message: None)
    neo4j.start(lambda message: None, die_with_caller=True)
    try:
        run_on_graph(settings, apply_migrations)  # what the server does when it starts
        yield settings
    finally:
        neo4j.stop(lambda message: None)


async def read_back(graph: Graph) -> tuple[list[DataRecord], list[str], dict[str, int], PlanRecord]:
    details = await find_data_details(graph, [row.knit_id for row in ROWS])
    found = sorted(d.knit_id for d in await find_data(graph, [Tag("project", "mnist")]))
    return details, found, await count_nodes(graph), await get_plan(graph, UPLOADED_PLAN)


def test_import_writes_what_the_bulk_path_writes(imported: Settings, clean_graph: Settings) -> None:
    run_on_graph(clean_graph, lambda graph: create_uploaded_data_batch(graph, ROWS, NOW))
    assert run_on_graph(imported, read_back) == run_on_graph(clean_graph, read_back)
    details, found, counts, _ = run_on_graph(imported, read_back)
    assert found == sorted(row.knit_id for row in ROWS[:2])
    assert [d.content_size for d in details] == [12, None, None]
    assert Tag("empty", "") in details[1].tags and Tag("note", 'a "b", c') in details[0].tags
    assert counts["Data"] == 3 and counts["Run"] == 3


def test_imported_database_starts_runs_on_a_tag_change(imported: Settings) -> None:
    plan_id = str(uuid.uuid4())
    spec = PlanSpec.build(image="train:v1", inputs=[("/in/data", ["project:mnist", "ready:yes"])],
                          outputs=[("/out/model", ["type:model"])])

    async def register_and_tag(graph: Graph) -> list[str]:
        await register_plan(graph, spec, plan_id=plan_id, now=NOW + 1)
        await update_data_tags(graph, ROWS[0].knit_id, add=[Tag("ready", "yes")], remove=[], remove_keys=[],
                               now=NOW + 2, creation=uuid.uuid4().hex)
        runs = await find_runs(graph, plan_ids=[plan_id], in_knit_ids=[], out_knit_ids=[], statuses=[],
                               since=None, until=None)
        return [input.knit_id for run in runs for input in run.inputs]

    assert run_on_graph(imported, register_and_tag) == [ROWS[0].knit_id]


def _import(home_settings: Settings, file: Path, *args: str) -> tuple[int, str]:
    env = {"KNITGRAPH_HOME": str(home_settings.home), "KNITGRAPH_NEO4J_BOLT_PORT": str(home_settings.neo4j_bolt_port),
           "KNITGRAPH_NEO4J_HTTP_PORT": str(home_settings.neo4j_http_port)}
    result = CliRunner().invoke(knitgraph, ["import", *args, str(file)], env=env)
    return result.exit_code, result.output


def test_import_refuses_while_neo4j_runs(imported: Settings, tmp_path: Path) -> None:
    file = tmp_path / "rows.jsonl"
    file.write_text(json.dumps({"knitId": "k1", "digest": "d", "tags": ["a:b"]}) + "\n")
    code, output = _import(imported, file, "--overwrite")
    assert code == 1
    assert "the embedded Neo4j is running" in output and "knitgraph down" in output


def test_import_refuses_bad_lines_and_an_existing_database(tmp_path: Path) -> None:
    settings = Settings(KNITGRAPH_HOME=tmp_path / "home", KNITGRAPH_NEO4J_BOLT_PORT=free_port(),
                        KNITGRAPH_NEO4J_HTTP_PORT=free_port())
    system = tmp_path / "system.jsonl"
    system.write_text(json.dumps({"knitId": "k1", "digest": "d", "tags": ["a:b"]}) + "\n"
                      + json.dumps({"knitId": "k2", "digest": "d", "tags": ["knit#id:x"]}) + "\n")
    code, output = _import(settings, system)
    assert code == 1 and f"{system}:2" in output and "reserved for system tags" in output
    twice = tmp_path / "twice.jsonl"
    twice.write_text("".join(json.dumps({"knitId": "k1", "digest": "d"}) + "\n" for _ in range(2)))
    code, output = _import(settings, twice)
    assert code == 1 and "knitId 'k1' is given twice" in output
    store = settings.home / "neo4j" / "data" / "databases" / "neo4j"
    store.mkdir(parents=True)
    (store / "neostore").write_bytes(b"")
    code, output = _import(settings, system)
    assert code == 1 and "--overwrite" in output
