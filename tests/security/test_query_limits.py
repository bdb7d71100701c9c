"""The default GraphQL limits leave room for every document knitgraph's own clients send: each
`knit` operation, and the introspection queries of GraphiQL and of schema-driven tools."""

from __future__ import annotations

import pytest
from graphql import get_introspection_query, parse

from knitgraph.cli.client import DEFINITIONS, document
from knitgraph.server.graphql.limits import QueryLimits, measure
from knitgraph.server.settings import Settings

DEFAULTS = QueryLimits.from_settings(Settings())
OPERATIONS = sorted(name for name, text in DEFINITIONS.items() if text.lstrip().startswith(("query", "mutation")))
INTROSPECTION = get_introspection_query(
    descriptions=True, specified_by_url=True, directive_is_repeatable=True, schema_description=True,
    input_value_deprecation=True,
)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_knit_operation_uses_at_most_half_of_each_default_limit(operation: str) -> None:
    size, cut = measure(parse(document(operation)))
    assert not cut
    assert size.depth * 2 <= DEFAULTS.max_depth
    assert size.aliases * 2 <= DEFAULTS.max_aliases
    assert size.cost * 2 <= DEFAULTS.max_cost


def test_a_full_introspection_query_is_within_the_default_limits() -> None:
    size, cut = measure(parse(INTROSPECTION))
    assert not cut
    assert size.depth <= DEFAULTS.max_depth and size.cost <= DEFAULTS.max_cost


def test_fragments_spread_many_times_are_measured_once_each() -> None:
    fragments = "fragment F0 on Data { knitId }\n" + "\n".join(
        f"fragment F{i} on Data {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 60)
    )
    size, cut = measure(parse("{ findData { ...F59 } }\n" + fragments))
    assert not cut
    assert size.cost == 10 + 2**59  # counted as the server would resolve it, without walking it
