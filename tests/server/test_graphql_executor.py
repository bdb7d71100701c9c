"""The projecting executor answers exactly as strawberry's own: data, errors and their paths.

A small schema of its own (no Neo4j involved: nothing here reads the graph) is executed twice, by
strawberry's executor and by :class:`ProjectingExecutor`, and the answers compared.
"""

from __future__ import annotations

import asyncio
from enum import Enum
from typing import Any

import pytest
import strawberry

from knitgraph.server.graphql.executor import ProjectingExecutor


@strawberry.enum
class Colour(Enum):
    RED = "red"
    GREEN = "green"


@strawberry.type
class Leaf:
    name: str
    weight: float | None
    colour: Colour


@strawberry.type
class Item:
    item_id: strawberry.ID
    count: int
    flag: bool
    tags: list[str]
    leaf: Leaf | None
    leaves: list[Leaf]
    must: str  # a broken item holds None here

    @strawberry.field
    def shout(self, suffix: str = "!") -> str:
        return self.item_id.upper() + suffix

    @strawberry.field
    def loud(self) -> list[str]:  # a method taking nothing: read by the projection too
        return [self.item_id.upper(), *self.tags]

    @strawberry.field
    def fragile(self) -> str | None:
        if self.count == 7:
            raise ValueError("seven")
        return self.item_id


def _items(count: int, broken: int | None = None, huge: int | None = None) -> list[Item]:
    return [
        Item(item_id=strawberry.ID(f"i{n}"), count=2**40 if n == huge else n, flag=n % 2 == 0, tags=[f"t{n}", "x"],
             leaf=Leaf(name=f"l{n}", weight=n / 3 if n % 3 else None, colour=Colour.RED) if n % 4 else None,
             leaves=[Leaf(name="a", weight=1.0, colour=Colour.GREEN)] * (n % 3),
             must=None if n == broken else "ok")  # type: ignore[arg-type]
        for n in range(count)
    ]


@strawberry.type
class Query:
    @strawberry.field
    def items(self, broken: int | None = None, huge: int | None = None) -> list[Item]:
        return _items(20, broken, huge)

    @strawberry.field
    def maybe_items(self, broken: int | None = None) -> list[Item | None] | None:
        return [None, *_items(5, broken)]


plain = strawberry.Schema(query=Query)
projecting = strawberry.Schema(query=Query, execution_context_class=ProjectingExecutor)

QUERIES = [
    "{ items { itemId count flag tags must loud leaf { name weight colour } leaves { name colour } } }",
    "{ a: items { b: itemId __typename c: leaf { __typename d: name } itemId } }",
    "query($yes: Boolean!) { items { itemId @include(if: $yes) count @skip(if: $yes) ...F } } "
    "fragment F on Item { flag ... on Item { tags } }",
    "{ items { itemId shout(suffix: \"?\") } }",  # a resolver with an argument: graphql-core's way
    "{ items { loud leaves { name } } }",
    "{ items { itemId fragile } }",  # a method that raises: its error and path
    "{ items(broken: 3) { itemId must } }",  # null for a non-null field: the error and its path
    "{ maybeItems(broken: 2) { itemId must leaf { name } } }",
    "{ items(huge: 5) { count } }",  # past GraphQL's Int: graphql-core's error
    "{ items { itemId } maybeItems { leaves { weight } } }",
]


def _answer(schema: strawberry.Schema, query: str) -> dict[str, Any]:
    result = asyncio.run(schema.execute(query, variable_values={"yes": True}))
    errors = [{"message": e.message, "path": e.path} for e in result.errors or []]
    return {"data": result.data, "errors": errors}


@pytest.mark.parametrize("query", QUERIES)
def test_projecting_answers_as_strawberry_does(query: str) -> None:
    assert _answer(projecting, query) == _answer(plain, query)


def test_plain_lists_are_projected_without_graphql_cores_field_calls() -> None:
    calls = 0
    original = ProjectingExecutor.execute_field

    def counting(self: ProjectingExecutor, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return original(self, *args, **kwargs)

    ProjectingExecutor.execute_field = counting  # type: ignore[method-assign]
    try:
        _answer(projecting, QUERIES[0])
    finally:
        ProjectingExecutor.execute_field = original  # type: ignore[method-assign]
    assert calls == 1  # items itself; its 20 items' fields were read by the projection
