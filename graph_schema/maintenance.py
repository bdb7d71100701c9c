"""Whole-database operations for administrators and tests: counting and wiping."""

from __future__ import annotations

from typing import Final, LiteralString

from neo4j import AsyncManagedTransaction

from .driver import Graph
from .migrations import apply_migrations

DELETE_BATCH: Final[LiteralString] = """
MATCH (n) WITH n LIMIT 10000
DETACH DELETE n
RETURN count(*) AS deleted
"""

COUNT_BY_LABEL: Final[LiteralString] = """
UNWIND ['Data', 'Run', 'Plan', 'Tag'] AS label
CALL (label) {
    MATCH (n) WHERE label IN labels(n)
    RETURN count(n) AS count
}
RETURN label, count
"""


async def _delete_batch(tx: AsyncManagedTransaction) -> int:
    record = await (await tx.run(DELETE_BATCH)).single()
    return int(record["deleted"]) if record else 0


async def wipe(graph: Graph) -> None:
    """Delete every node, then migrate again: an empty knitgraph (for tests)."""
    while await graph.write(_delete_batch):
        pass
    await apply_migrations(graph)


async def _count(tx: AsyncManagedTransaction) -> dict[str, int]:
    result = await tx.run(COUNT_BY_LABEL)
    return {row["label"]: row["count"] async for row in result}


async def count_nodes(graph: Graph) -> dict[str, int]:
    """How many Data, Runs, Plans and Tags the graph holds."""
    return await graph.read(_count)


async def _explain(tx: AsyncManagedTransaction, query: LiteralString) -> None:
    await (await tx.run("EXPLAIN " + query)).consume()


async def explain(graph: Graph, query: LiteralString) -> None:
    """Have Neo4j plan ``query`` without running it: a syntax and semantics check for tests."""
    await graph.read(_explain, query)


def query_constants() -> dict[str, str]:
    """Every Cypher constant of graph_schema, by ``module.NAME``. Private ``_TEMPLATES`` are
    fragments that a module's query builder fills in; tests check what the builders return."""
    import importlib
    import pkgutil

    import knitgraph.graph_schema as package

    found: dict[str, str] = {}
    for module_info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if name.isupper() and not name.startswith("_") and isinstance(value, str) and any(
                word in value for word in ("MATCH", "MERGE", "CREATE", "UNWIND", "CALL")
            ):
                found[f"{module_info.name}.{name}"] = value
    return found
