"""A store written by ``knitgraph import`` (:mod:`knitgraph.graph_schema.bulk_import`): Neo4j's
importer cannot write an empty list, so the pseudo plans it writes lack the ``annotations: []``
that ``m0001_initial`` gives them. Elsewhere a no-op."""

from __future__ import annotations

from typing import Final, LiteralString

ID: Final = "m0005_imported_store"

STATEMENTS: Final[tuple[LiteralString, ...]] = (
    "MATCH (p:Plan {pseudo: true}) WHERE p.annotations IS NULL SET p.annotations = []",
)
