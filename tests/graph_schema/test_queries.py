"""Every Cypher constant is valid for the real Neo4j, and migrations are idempotent."""

from __future__ import annotations

import re

import pytest

from knitgraph.graph_schema.lineage import lineage_query, plan_graph_query
from knitgraph.graph_schema.maintenance import count_nodes, explain, query_constants
from knitgraph.graph_schema.migrations import apply_migrations
from knitgraph.server.settings import Settings

from ..conftest import run_on_graph

QUERIES = query_constants()
# A schema statement, not a query's index hint (``USING INDEX``).
SCHEMA_STATEMENT = re.compile(r"^\s*(CREATE|DROP)\b[^\n]*\b(INDEX|CONSTRAINT)\b", re.MULTILINE)


def test_query_constants_are_collected() -> None:
    assert "knitgraph.graph_schema.data.FIND_DATA_IDS" in QUERIES


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_query_is_accepted_by_neo4j(clean_graph: Settings, name: str) -> None:
    if SCHEMA_STATEMENT.search(QUERIES[name]):
        pytest.fail("schema statements belong in migrations' STATEMENTS, not in query constants")
    run_on_graph(clean_graph, lambda graph: explain(graph, QUERIES[name]))  # type: ignore[arg-type]


BUILT_QUERIES = {
    f"lineage up={up} down={down} depth={depth}": lineage_query(up, down, depth)
    for up, down in ((True, False), (False, True), (True, True)) for depth in (1, 3, None)
} | {
    f"plan graph up={up} down={down} depth={depth}": plan_graph_query(up, down, depth)
    for up, down in ((True, False), (False, True), (True, True)) for depth in (1, None)
}


@pytest.mark.parametrize("name", sorted(BUILT_QUERIES))
def test_built_query_is_accepted_by_neo4j(clean_graph: Settings, name: str) -> None:
    run_on_graph(clean_graph, lambda graph: explain(graph, BUILT_QUERIES[name]))


def test_migrations_run_twice_change_nothing(clean_graph: Settings) -> None:
    before = run_on_graph(clean_graph, count_nodes)
    assert run_on_graph(clean_graph, apply_migrations) == []
    assert run_on_graph(clean_graph, count_nodes) == before
    assert before["Plan"] == 2  # knit#uploaded and knit#imported
