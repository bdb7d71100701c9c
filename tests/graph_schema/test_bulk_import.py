"""The importer's CSV files: every row checked before Neo4j's importer sees it, fields it reads back
exactly (no Neo4j here; tests/server/test_import_command.py imports for real)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from knitgraph.graph_schema.bulk import UploadedRow
from knitgraph.graph_schema.bulk_import import write_import_files
from knitgraph.graph_schema.errors import InvalidInputError
from knitgraph.graph_schema.tags import MAX_TAGS_PER_DATA, Tag

NOW = 1_700_000_000_123


def row(n: int, *tags: Tag, knit_id: str | None = None, run_id: str | None = None) -> UploadedRow:
    return UploadedRow(f"data-{n}" if knit_id is None else knit_id, f"run-{n}" if run_id is None else run_id,
                       f"digest-{n}", tags or (Tag("n", str(n)),))


def test_files_hold_each_upload_once_and_each_tag_once(tmp_path: Path) -> None:
    rows = [row(1, Tag("a", "x,y"), Tag("b", "")), row(2, Tag("a", "x,y"), Tag("q", 'say "hi"'), Tag("a", "x,y")),
            UploadedRow("data-3", "run-3", "digest-3", (), size=42)]
    files = write_import_files(rows, NOW, tmp_path)
    assert (files.data, files.tags) == (3, 3)
    with open(tmp_path / "tags.csv", newline="") as handle:
        tags = list(csv.reader(handle))[1:]
    assert sorted((key, value) for _, key, value in tags) == [("a", "x,y"), ("b", ""), ("q", 'say "hi"')]
    assert '"b",""' in (tmp_path / "tags.csv").read_text()  # quoted: the importer keeps the empty value
    tagged = (tmp_path / "tagged.csv").read_text().splitlines()[1:]
    assert len(tagged) == 4  # the repeated tag of data-2 is linked once
    assert (tmp_path / "data-sized.csv").read_text().splitlines()[1:] == ["data-3,digest-3,42"]
    assert (tmp_path / "runs.csv").read_text().splitlines()[1] == f"run-1,done,{NOW},{NOW}"
    assert all(argument.startswith(("--nodes=", "--relationships=")) for argument in files.arguments)


@pytest.mark.parametrize(("rows", "message"), [
    ([row(1, Tag("knit#id", "x"))], "reserved for system tags"),
    ([row(1), row(2, knit_id="data-1")], "knitId 'data-1' is given twice"),
    ([row(1), row(2, run_id="run-1")], "runId 'run-1' is given twice"),
    ([row(1, knit_id="a,b")], "comma"),
    ([row(1, knit_id="")], "empty"),
    ([row(1, Tag("k", "v\n"))], "control character"),
    ([row(1, Tag("k", "v" * 5000))], "too long"),
    ([row(1, *(Tag("t", str(i)) for i in range(MAX_TAGS_PER_DATA + 1)))], f"more than {MAX_TAGS_PER_DATA}"),
])
def test_bad_rows_are_refused_with_a_reason(tmp_path: Path, rows: list[UploadedRow], message: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        write_import_files(rows, NOW, tmp_path)
    assert message in refused.value.reason
