"""The published schema (docs/graphql-schema.graphql) and the CLI's GraphQL documents stay in step
with the server's schema. No database is needed: both checks are static."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import graphql
import pytest

from knitgraph.cli.client import DEFINITIONS, document
from knitgraph.server.graphql.schema import schema

REPO = Path(__file__).resolve().parents[2]
SCHEMA_DOC = REPO / "docs" / "graphql-schema.graphql"
OPERATION_FILES = sorted((REPO / "cli" / "operations").glob("*.graphql"))
REGENERATE = (
    f"cd {shlex.quote(str(REPO))} && {shlex.quote(sys.executable)} -c "
    "'from knitgraph.server.graphql.schema import schema; print(schema.as_str())' "
    "> docs/graphql-schema.graphql"
)


def _operation_names(document: graphql.DocumentNode) -> list[str]:
    return [
        definition.name.value
        for definition in document.definitions
        if isinstance(definition, graphql.OperationDefinitionNode) and definition.name is not None
    ]


def test_schema_doc_matches_schema_when_regenerated() -> None:
    # A trailing newline is all the file may add: `print` writes one, `strawberry export-schema
    # --output` does not.
    published = SCHEMA_DOC.read_text(encoding="utf-8").rstrip("\n")
    assert published == schema.as_str().rstrip("\n"), (
        f"{SCHEMA_DOC.relative_to(REPO)} is out of date with the GraphQL schema; regenerate it with:\n"
        f"    {REGENERATE}"
    )


def _file_operations() -> list[str]:
    return [name for path in OPERATION_FILES for name in _operation_names(graphql.parse(path.read_text()))]


def test_cli_knows_every_operation_of_its_files() -> None:
    assert OPERATION_FILES, "cli/operations/ holds no .graphql file"
    operations = _file_operations()
    assert operations, "cli/operations/*.graphql define no named operation"
    assert set(operations) <= set(DEFINITIONS)


@pytest.mark.parametrize("operation", _file_operations())
def test_cli_operation_validates_against_schema_as_sent(operation: str) -> None:
    sent = graphql.parse(document(operation))
    errors = graphql.validate(schema._schema, sent)
    assert errors == [], f"{operation}: " + "\n".join(error.message for error in errors)
    assert _operation_names(sent) == [operation]
