"""``knitgraph import FILE``: many uploaded Data at once, through Neo4j's offline importer.

FILE holds one JSON object per line: ``{"knitId": ..., "digest": ..., "tags": ["key:value", ...]}``,
optionally with ``"runId"`` (else one is generated) and ``"size"`` (bytes). Each line becomes what
:mod:`knitgraph.graph_schema.bulk` records for an upload, finished at the time of the import
(:mod:`knitgraph.graph_schema.bulk_import`). The whole database is written anew, so knitgraph must be
stopped; the next ``knitgraph up`` migrates it (building its indexes) and creates the admin again.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import click
import orjson

from knitgraph.graph_schema.bulk import UploadedRow
from knitgraph.graph_schema.bulk_import import write_import_files
from knitgraph.graph_schema.errors import ConflictError, InvalidInputError, KnitError
from knitgraph.graph_schema.tags import Tag, check_size, reject_system_key
from knitgraph.graph_schema.timefmt import now_ms

from ..embedded_neo4j import EmbeddedNeo4j
from ..embedded_neo4j.importer import check_importable, import_store
from ..private_folders import private_folder
from ..settings import Settings
from .background import BackgroundServer

pass_settings = click.make_pass_decorator(Settings)


def _log(message: str) -> None:
    click.echo(f"[knitgraph] {message}", err=True)


def _row(line: bytes, parsed: dict[str, Tag]) -> UploadedRow:
    item = orjson.loads(line)
    if not isinstance(item, dict):
        raise InvalidInputError("a line is not a JSON object", 'write {"knitId": ..., "digest": ..., "tags": [...]}')
    knit_id, digest, tags = item.get("knitId"), item.get("digest"), item.get("tags", [])
    run_id, size = item.get("runId", str(uuid.uuid4())), item.get("size")
    if not isinstance(knit_id, str) or not isinstance(digest, str) or not isinstance(run_id, str):
        raise InvalidInputError("knitId, digest (and runId, if given) must be strings", "give them as JSON strings")
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise InvalidInputError("tags must be a list of key:value strings", 'write "tags": ["project:mnist"]')
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        raise InvalidInputError("size must be a whole number of bytes", "give the content's size, or leave it out")
    return UploadedRow(knit_id, run_id, digest, tuple(parsed.get(tag) or _parse(tag, parsed) for tag in tags), size)


def _parse(text: str, parsed: dict[str, Tag]) -> Tag:
    tag = Tag.parse(text)
    reject_system_key(tag.key)  # write_import_files checks it too, but here the error names the line
    check_size(tag)
    parsed[text] = tag
    return tag


def read_rows(file: Path) -> Iterator[UploadedRow]:
    """The rows of a JSON-lines file; an error names the line."""
    parsed: dict[str, Tag] = {}  # a tag's text is parsed once
    with open(file, "rb") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                yield _row(line, parsed)
            except orjson.JSONDecodeError as exc:
                raise InvalidInputError(f"{file}:{number}: not JSON ({exc})", "write one JSON object per line") from exc
            except KnitError as exc:
                raise InvalidInputError(f"{file}:{number}: {exc.reason}", exc.advice) from exc


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace the database this home already holds (everything in it).")
@pass_settings
def import_data(settings: Settings, file: Path, overwrite: bool) -> None:
    """Import uploaded Data from FILE (JSON lines) with Neo4j's offline importer, into a new
    database of the embedded Neo4j. knitgraph must be stopped (`knitgraph down`).

    Each line: {"knitId": ID, "digest": SHA256, "tags": ["key:value", ...]}, optionally "runId" and
    "size". No content is copied: place each Data's files under $KNITGRAPH_HOME/content/<knitId>.
    """
    if not settings.embedded_neo4j:
        raise ConflictError("NEO4J_URI is set; knitgraph import writes only the embedded Neo4j's database",
                            "unset NEO4J_URI, or load that Neo4j with its own neo4j-admin")
    if BackgroundServer(settings).pid() is not None:
        raise ConflictError("the API server is running; an import replaces the database under it",
                            "stop knitgraph first (`knitgraph down`), then import")
    neo4j = EmbeddedNeo4j(settings)
    check_importable(neo4j, overwrite=overwrite)
    private_folder(settings.home)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="import-", dir=settings.home) as work:
        files = write_import_files(read_rows(file), now_ms(), Path(work))
        _log(f"{files.data:,} Data with {files.tags:,} distinct tags checked and written as CSV "
             f"in {time.perf_counter() - started:.1f} s")
        seconds = import_store(neo4j, files.arguments, overwrite=overwrite, log=_log)
    total = time.perf_counter() - started
    _log(f"imported {files.data:,} Data (+ as many upload Runs) in {total:.1f} s "
         f"(Neo4j's importer {seconds:.1f} s; {files.data / total:,.0f} Data/s)")
    _log("`knitgraph up` starts on it: the first start builds the indexes (migrations)")
