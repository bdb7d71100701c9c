"""Every input that requires tags gets its ``(:Input)-[:ANCHOR]->(:Tag)`` (see
:mod:`knitgraph.graph_schema.nominations`), chosen as at registration; inputs anchored already are
left alone, so running it twice changes nothing."""

from __future__ import annotations

from typing import Final, LiteralString

ID: Final = "m0006_input_anchors"

STATEMENTS: Final[tuple[LiteralString, ...]] = (
    """
    MATCH (i:Input)
    WHERE NOT EXISTS { (i)-[:ANCHOR]->() }
    CALL (i) {
        MATCH (i)-[:REQUIRES]->(t:Tag)
        WITH t ORDER BY COUNT { (t)<-[:ANCHOR]-() }, COUNT { (t)<-[:REQUIRES]-() }, t.key, t.value
        LIMIT 1
        CREATE (i)-[:ANCHOR]->(t)
    }
    """,
)
