"""Writing the embedded Neo4j's database with Neo4j's own offline importer
(``neo4j-admin database import full``, class ``org.neo4j.cli.AdminTool`` of the same jars).

Community imports only into a stopped DBMS and replaces the whole ``neo4j`` database
(``--overwrite-destination``): Data, plans, users and tokens. Migrations then run at the next start.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from knitgraph.graph_schema.errors import ConflictError, UnavailableError

from .server import ADMIN_CLASS, EmbeddedNeo4j, Log

DATABASE = "neo4j"
# Memory of the importer outside its heap (caches of ids and relationship groups); its own
# default is 90 % of the machine. 1 GB holds the id mapping of some 20 million nodes.
OFF_HEAP = "1g"


def store_folder(neo4j: EmbeddedNeo4j) -> Path:
    return neo4j.dir / "data" / "databases" / DATABASE


def has_store(neo4j: EmbeddedNeo4j) -> bool:
    folder = store_folder(neo4j)
    return folder.is_dir() and any(folder.iterdir())


def check_importable(neo4j: EmbeddedNeo4j, *, overwrite: bool) -> None:
    """Refuse (``ConflictError``) while the embedded Neo4j runs, and over an existing database
    unless ``overwrite``."""
    if neo4j.pid() is not None:
        raise ConflictError(
            "the embedded Neo4j is running; Neo4j's importer writes only into a stopped database",
            "stop knitgraph first (`knitgraph down`), then import",
        )
    if has_store(neo4j) and not overwrite:
        raise ConflictError(
            f"{store_folder(neo4j)} already holds a database, and an import replaces all of it "
            "(Data, Runs, plans, users, tokens)",
            "import into a new KNITGRAPH_HOME, or pass --overwrite to replace that database",
        )


def import_store(neo4j: EmbeddedNeo4j, arguments: Sequence[str], *, overwrite: bool, log: Log) -> float:
    """Run the importer on ``arguments`` (``--nodes=...``/``--relationships=...``) into the
    embedded Neo4j's database; the seconds it took. Checks :func:`check_importable` first."""
    check_importable(neo4j, overwrite=overwrite)
    neo4j.install(log)
    java = neo4j.java()
    neo4j.write_conf()
    report = neo4j.dir / "logs" / "import.report"
    command = [
        java, f"-Xmx{neo4j.settings.neo4j_heap}", "-cp", f"{neo4j.lib}/*", ADMIN_CLASS,
        "database", "import", "full", DATABASE, "--overwrite-destination", f"--max-off-heap-memory={OFF_HEAP}",
        f"--report-file={report}", *arguments,
    ]
    env = {**os.environ, "NEO4J_HOME": str(neo4j.dir), "NEO4J_CONF": str(neo4j.conf)}
    log(f"importing with Neo4j's importer into {store_folder(neo4j)}...")
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        lines = [line for line in (done.stdout + done.stderr).splitlines() if not line.lstrip().startswith("at ")]
        raise UnavailableError(
            f"Neo4j's importer failed (exit {done.returncode}): {' | '.join(lines[-8:])}",
            f"read {report} and the output above; the database is not usable until an import succeeds",
        )
    return seconds
