"""Versioned schema migrations, applied in order at server start and recorded as ``(:Migration)``.

Each migration module has an ``ID`` and an idempotent ``STATEMENTS`` tuple; a migration already
recorded is skipped, and one interrupted half-way is simply applied again. Two servers starting at
once are safe: every statement is idempotent and the record is merged.
"""

from __future__ import annotations

from typing import Final, LiteralString

from neo4j import AsyncManagedTransaction

from ..driver import Graph
from ..timefmt import now_ms
from . import (
    m0001_initial,
    m0002_plans_and_runs,
    m0003_users_and_tokens,
    m0004_schedules,
    m0005_imported_store,
    m0006_input_anchors,
)

MIGRATIONS: Final = (
    m0001_initial, m0002_plans_and_runs, m0003_users_and_tokens, m0004_schedules, m0005_imported_store,
    m0006_input_anchors,
)

FIND_APPLIED: Final[LiteralString] = "MATCH (m:Migration) RETURN m.id AS id"
RECORD_APPLIED: Final[LiteralString] = """
MERGE (m:Migration {id: $id})
ON CREATE SET m.appliedAt = $now
"""


async def _applied(tx: AsyncManagedTransaction) -> set[str]:
    result = await tx.run(FIND_APPLIED)
    return {record["id"] async for record in result}


async def _run(tx: AsyncManagedTransaction, statement: LiteralString) -> None:
    await (await tx.run(statement)).consume()


async def _record(tx: AsyncManagedTransaction, migration_id: str) -> None:
    await (await tx.run(RECORD_APPLIED, id=migration_id, now=now_ms())).consume()


async def apply_migrations(graph: Graph) -> list[str]:
    """Bring the database to the newest schema; returns the ids of migrations applied now."""
    applied = await graph.read(_applied)
    newly: list[str] = []
    for migration in MIGRATIONS:
        if migration.ID in applied:
            continue
        # Schema changes and data writes may not share a transaction in Neo4j: one each.
        for statement in migration.STATEMENTS:
            await graph.write(_run, statement)
        await graph.write(_record, migration.ID)
        newly.append(migration.ID)
    return newly


def latest_id() -> str:
    return str(MIGRATIONS[-1].ID)
