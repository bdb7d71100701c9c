"""Uploaded Data as CSV files for Neo4j's offline importer (``neo4j-admin database import full``).

The importer writes a new store directly, without transactions, at hundreds of thousands of nodes a
second; Neo4j Community can only do that into an empty (or overwritten) database while the DBMS is
stopped. This module owns the layout: it writes, for :class:`~knitgraph.graph_schema.bulk.UploadedRow`
rows, exactly the nodes, relationships and properties that :mod:`knitgraph.graph_schema.bulk`
writes through Cypher (``(:Run {runId, status: 'done', updatedAt, finishedAt})-[:OF_PLAN]->(:Plan
{name: 'knit#uploaded'})``, ``(:Run)-[:PRODUCED {path: '/upload', log: false}]->(:Data {knitId,
contentDigest})`` and ``(:Data)-[:TAGGED]->(:Tag {key, value})``, one Tag node per distinct pair),
plus the two pseudo plans of migration ``m0001_initial`` with their outputs, since the store starts
empty. As in the bulk module, no content is written, nothing is nominated, and a row's size, when
given, becomes ``contentSize``.

The importer cannot build indexes or constraints into a Community store (``--schema`` needs the
block format), nor write an empty list: the server's migrations do both at its first start on the
store (the store holds no ``(:Migration)``, so every migration runs; ``m0005_imported_store`` gives
the pseudo plans their ``annotations: []``).

Every row is checked as it is written, before the importer runs: user tags only (no ``knit#`` key), within the size
and count limits, printable ids, and no knitId or runId given twice (the constraints the migrations
create would otherwise fail at the first start, on a store already written).
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from .bulk import UploadedRow
from .errors import InvalidInputError
from .tags import MAX_TAGS_PER_DATA, Tag, check_size, has_control_character, reject_system_key, too_many_tags

# The pseudo plans as migration m0001_initial creates them: (name, planId, output path).
PSEUDO_PLANS: Final = (
    ("knit#uploaded", "8a1b3f0e-6c4d-5e2a-9f10-75706c6f6164", "/upload"),
    ("knit#imported", "8a1b3f0e-6c4d-5e2a-9f10-696d706f7274", "/imported"),
)
UPLOADED: Final = "knit#uploaded"
UPLOAD_PATH: Final = "/upload"

# file name -> (label or relationship type, header); ids live in one space per label.
NODE_FILES: Final = {
    "plans.csv": ("Plan", [":ID(Plan)", "planId", "name", "pseudo:boolean", "active:boolean"]),
    "outputs.csv": ("Output", [":ID(Output)", "path", "isLog:boolean"]),
    "runs.csv": ("Run", ["runId:ID(Run)", "status", "updatedAt:long", "finishedAt:long"]),
    "data.csv": ("Data", ["knitId:ID(Data)", "contentDigest"]),
    "data-sized.csv": ("Data", ["knitId:ID(Data)", "contentDigest", "contentSize:long"]),
    "tags.csv": ("Tag", [":ID(Tag)", "key", "value"]),
}
RELATIONSHIP_FILES: Final = {
    "has-output.csv": ("HAS_OUTPUT", [":START_ID(Plan)", ":END_ID(Output)"]),
    "of-plan.csv": ("OF_PLAN", [":START_ID(Run)", ":END_ID(Plan)"]),
    "produced.csv": ("PRODUCED", [":START_ID(Run)", ":END_ID(Data)", "path", "log:boolean"]),
    "tagged.csv": ("TAGGED", [":START_ID(Data)", ":END_ID(Tag)"]),
}


@dataclass(frozen=True, slots=True)
class ImportFiles:
    """What :func:`write_import_files` wrote: the importer's ``--nodes``/``--relationships``
    arguments and how many Data (and as many upload Runs) and distinct Tags they hold."""

    arguments: tuple[str, ...]
    data: int
    tags: int


_PLAIN = re.compile(r'^[^\x00-\x1f\x7f-\x9f,"]+$')


def _check_id(what: str, value: str, seen: set[str]) -> None:
    if not _PLAIN.match(value):
        raise InvalidInputError(f"{what} {value[:80]!r} is empty or holds a comma, a double quote or a control character",
                                f"give every row a {what} of printable characters (a UUID)")
    if value in seen:
        raise InvalidInputError(f"{what} {value!r} is given twice", f"give every row its own {what}")
    seen.add(value)


def write_import_files(rows: Iterable[UploadedRow], now: int, folder: Path) -> ImportFiles:
    """Write ``rows`` as completed uploads finished at ``now`` into CSV files in ``folder`` (which
    must exist). Raises ``InvalidInputError`` on the first bad row, naming it; the files written so
    far are then incomplete."""
    with contextlib.ExitStack() as stack:
        files = {name: stack.enter_context(open(folder / name, "w", newline="", encoding="utf-8"))
                 for name in {**NODE_FILES, **RELATIONSHIP_FILES}}
        # Tags and the pseudo plans go through the csv module, every field quoted: a tag's value may
        # be empty ("key:"), and an unquoted empty field is no property to the importer. The rest
        # are ids, digests and numbers checked to need no quoting, written as plain lines.
        quoted = {name: csv.writer(files[name], quoting=csv.QUOTE_ALL, lineterminator="\n")
                  for name in ("plans.csv", "outputs.csv", "tags.csv")}
        for name, (_, header) in {**NODE_FILES, **RELATIONSHIP_FILES}.items():
            files[name].write(",".join(header) + "\n")
        for number, (name, plan_id, path) in enumerate(PSEUDO_PLANS):
            quoted["plans.csv"].writerow([name, plan_id, name, "true", "true"])
            quoted["outputs.csv"].writerow([str(number), path, "false"])
            files["has-output.csv"].write(f"{name},{number}\n")
        state = _State(str(now))
        for chunk in _chunks(rows):
            lines, tags = state.lines(chunk)
            quoted["tags.csv"].writerows(tags)
            for name, written in lines.items():
                files[name].write("".join(written))
    arguments = [f"--nodes={label}={folder / name}" for name, (label, _) in NODE_FILES.items()]
    arguments += [f"--relationships={kind}={folder / name}" for name, (kind, _) in RELATIONSHIP_FILES.items()]
    return ImportFiles(tuple(arguments), len(state.knit_ids), len(state.tag_ids))


CHUNK_ROWS: Final = 10_000


def _chunks(rows: Iterable[UploadedRow]) -> Iterator[tuple[UploadedRow, ...]]:
    iterator = iter(rows)
    while chunk := tuple(itertools.islice(iterator, CHUNK_ROWS)):
        yield chunk


class _State:
    """The ids seen so far (to refuse duplicates) and the Tag nodes written so far, by (key, value)."""

    def __init__(self, stamp: str) -> None:
        self.stamp = stamp
        self.knit_ids: set[str] = set()
        self.run_ids: set[str] = set()
        self.tag_ids: dict[tuple[str, str], str] = {}

    def tag_id(self, tag: Tag, knit_id: str, new_tags: list[list[str]]) -> str:
        pair = (tag.key, tag.value)
        found = self.tag_ids.get(pair)
        if found is not None:
            return found
        reject_system_key(tag.key)
        check_size(tag)
        if not tag.key.strip() or has_control_character(tag.key) or has_control_character(tag.value):
            raise InvalidInputError(f"tag {str(tag)[:80]!r} of knitId {knit_id} has an empty key or a control character",
                                    "use printable key:value tags")
        made = self.tag_ids[pair] = str(len(self.tag_ids))
        new_tags.append([made, tag.key, tag.value])
        return made

    def lines(self, chunk: Sequence[UploadedRow]) -> tuple[dict[str, list[str]], list[list[str]]]:
        """The lines of ``chunk`` by file, and its new Tag nodes, after checking every row."""
        lines: dict[str, list[str]] = {
            name: [] for name in ("data.csv", "data-sized.csv", "runs.csv", "of-plan.csv", "produced.csv", "tagged.csv")
        }
        data, sized, runs, of_plan, produced, tagged = lines.values()
        tags: list[list[str]] = []
        known = self.tag_ids
        run_line = f",done,{self.stamp},{self.stamp}\n"
        for row in chunk:
            knit_id, run_id = row.knit_id, row.run_id
            _check_id("knitId", knit_id, self.knit_ids)
            _check_id("runId", run_id, self.run_ids)
            if not _PLAIN.match(row.digest):
                raise InvalidInputError(f"the digest of knitId {knit_id} is empty or not printable",
                                        "give the content's digest as hex digits")
            if row.size is None:
                data.append(f"{knit_id},{row.digest}\n")
            else:
                sized.append(f"{knit_id},{row.digest},{int(row.size)}\n")
            runs.append(run_id + run_line)
            of_plan.append(f"{run_id},{UPLOADED}\n")
            produced.append(f"{run_id},{knit_id},{UPLOAD_PATH},false\n")
            unique = {known.get((tag.key, tag.value)) or self.tag_id(tag, knit_id, tags): None for tag in row.tags}
            if len(unique) > MAX_TAGS_PER_DATA:
                raise too_many_tags(len(unique), f"knitId {knit_id}")
            tagged.extend(f"{knit_id},{tag_id}\n" for tag_id in unique)
        return lines, tags
