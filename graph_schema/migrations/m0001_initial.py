"""The first schema: uniqueness of every id, the (key, value) identity of tags, lookup indexes, and
the two pseudo plans that own uploads and imports (Knitfab reference §1.8)."""

from __future__ import annotations

from typing import Final, LiteralString

ID: Final = "m0001_initial"

STATEMENTS: Final[tuple[LiteralString, ...]] = (
    "CREATE CONSTRAINT data_knit_id IF NOT EXISTS FOR (d:Data) REQUIRE d.knitId IS UNIQUE",
    "CREATE CONSTRAINT run_run_id IF NOT EXISTS FOR (r:Run) REQUIRE r.runId IS UNIQUE",
    "CREATE CONSTRAINT plan_plan_id IF NOT EXISTS FOR (p:Plan) REQUIRE p.planId IS UNIQUE",
    "CREATE CONSTRAINT plan_name IF NOT EXISTS FOR (p:Plan) REQUIRE p.name IS UNIQUE",
    "CREATE CONSTRAINT tag_key_value IF NOT EXISTS FOR (t:Tag) REQUIRE (t.key, t.value) IS UNIQUE",
    "CREATE CONSTRAINT migration_id IF NOT EXISTS FOR (m:Migration) REQUIRE m.id IS UNIQUE",
    "CREATE INDEX tag_key IF NOT EXISTS FOR (t:Tag) ON (t.key)",
    "CREATE INDEX run_status IF NOT EXISTS FOR (r:Run) ON (r.status)",
    "CREATE INDEX run_updated_at IF NOT EXISTS FOR (r:Run) ON (r.updatedAt)",
    "CREATE INDEX plan_hash IF NOT EXISTS FOR (p:Plan) ON (p.hash)",
    """
    UNWIND [
        {name: 'knit#uploaded', planId: '8a1b3f0e-6c4d-5e2a-9f10-75706c6f6164', path: '/upload'},
        {name: 'knit#imported', planId: '8a1b3f0e-6c4d-5e2a-9f10-696d706f7274', path: '/imported'}
    ] AS pseudo
    MERGE (p:Plan {name: pseudo.name})
    ON CREATE SET p.planId = pseudo.planId, p.pseudo = true, p.active = true, p.annotations = []
    MERGE (p)-[:HAS_OUTPUT]->(o:Output {path: pseudo.path})
    ON CREATE SET o.isLog = false
    """,
)
