"""Neo4j's errors cross into knitgraph once, by a table: the database's faults become UNAVAILABLE
with advice, knitgraph's own bugs pass untouched."""

from __future__ import annotations

import inspect

import anyio
import neo4j.exceptions as neo4j_exc
import pytest

from knitgraph.graph_schema.driver import NEO4J_ERRORS, Graph, translate
from knitgraph.graph_schema.errors import UnavailableError
from knitgraph.graph_schema.maintenance import wipe

from ..conftest import free_port

URI = "bolt://127.0.0.1:7687"
# The driver's errors that mean "the database or the way to it failed", not "knitgraph is wrong".
OUTAGES = (neo4j_exc.ServiceUnavailable, neo4j_exc.SessionExpired, neo4j_exc.ConnectionPoolError,
           neo4j_exc.TransientError, neo4j_exc.DatabaseError, neo4j_exc.AuthError)


def _outage_classes() -> list[type[Exception]]:
    return [cls for _, cls in inspect.getmembers(neo4j_exc, inspect.isclass) if issubclass(cls, OUTAGES)]


@pytest.mark.parametrize("error", _outage_classes(), ids=lambda cls: cls.__name__)
def test_every_outage_error_of_the_driver_is_mapped(error: type[Exception]) -> None:
    translated = translate(error.__new__(error), URI)
    assert isinstance(translated, UnavailableError)
    assert URI in translated.reason and translated.advice


def test_the_most_specific_entry_wins() -> None:
    translated = translate(neo4j_exc.IncompleteCommit.__new__(neo4j_exc.IncompleteCommit), URI)
    assert translated is not None and "may or may not be saved" in translated.reason
    assert [row[0] for row in NEO4J_ERRORS].index(neo4j_exc.IncompleteCommit) < \
        [row[0] for row in NEO4J_ERRORS].index(neo4j_exc.ServiceUnavailable)


def test_knitgraphs_own_mistakes_are_not_mapped() -> None:
    assert translate(neo4j_exc.CypherSyntaxError.__new__(neo4j_exc.CypherSyntaxError), URI) is None
    assert translate(ValueError("x"), URI) is None


def test_a_neo4j_that_does_not_answer_is_unavailable_with_advice() -> None:
    async def main() -> UnavailableError:
        graph = Graph(f"bolt://127.0.0.1:{free_port()}", "neo4j", "x")
        try:
            with pytest.raises(UnavailableError) as caught:
                await wipe(graph)
            return caught.value
        finally:
            await graph.close()

    error = anyio.run(main)
    assert "does not answer" in error.reason and "knitgraph neo4j start" in error.advice
