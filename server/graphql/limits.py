"""Limits on GraphQL documents: tokens (while parsing), then depth, aliases and cost (a validation
rule), all checked before any resolver runs, so an oversized document costs no Neo4j query.

The limits come from the serving app's settings (``KNITGRAPH_GRAPHQL_MAX_*``). A refusal is a
GraphQL error with ``code`` ``TOO_LARGE``, the measured size in the reason, and advice.

Cost: every selected field counts 1, and a top-level field counts :data:`ROOT_FIELD_COST`, since
each one is at least one Neo4j transaction while nested fields are batched by the loaders.
Fragments are expanded where they are spread, each fragment measured once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Source,
    TokenKind,
    ValidationContext,
    ValidationRule,
)
from graphql.language.lexer import Lexer
from strawberry.extensions import SchemaExtension

from knitgraph.server.settings import Settings

from .context import Context

ROOT_FIELD_COST: Final = 10
# Fields, fragment spreads and inline fragments nested deeper than this are not walked at all.
MAX_NESTING: Final = 100


@dataclass(frozen=True, slots=True)
class QueryLimits:
    max_depth: int
    max_aliases: int
    max_tokens: int
    max_cost: int

    @classmethod
    def from_settings(cls, settings: Settings) -> QueryLimits:
        return cls(settings.graphql_max_depth, settings.graphql_max_aliases, settings.graphql_max_tokens,
                   settings.graphql_max_cost)


@dataclass(frozen=True, slots=True)
class Size:
    """What one operation of a document asks for."""

    depth: int = 0
    aliases: int = 0
    cost: int = 0

    def __add__(self, other: Size) -> Size:
        return Size(max(self.depth, other.depth), self.aliases + other.aliases, self.cost + other.cost)


@dataclass
class _Walk:
    fragments: dict[str, FragmentDefinitionNode]
    stop_below: int
    cut: bool = False
    memo: dict[tuple[str, bool], Size] = field(default_factory=dict)
    visiting: set[str] = field(default_factory=set)

    def selections(self, node: SelectionSetNode | None, depth: int, level: int) -> Size:
        """``depth``: fields above ``node``; ``level``: fields and fragments above it."""
        total = Size()
        if node is None:
            return total
        if level > MAX_NESTING:
            self.cut = True
            return total
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                total += self._field(selection, depth, level)
            elif isinstance(selection, InlineFragmentNode):
                total += self.selections(selection.selection_set, depth, level + 1)
            elif isinstance(selection, FragmentSpreadNode):
                total += self._fragment(selection.name.value, depth, level + 1)
        return total

    def _field(self, node: FieldNode, depth: int, level: int) -> Size:
        if depth >= self.stop_below:
            self.cut = True
            return Size(depth=1)
        inner = self.selections(node.selection_set, depth + 1, level + 1)
        cost = ROOT_FIELD_COST if depth == 0 else 1
        return Size(inner.depth + 1, inner.aliases + (1 if node.alias else 0), inner.cost + cost)

    def _fragment(self, name: str, depth: int, level: int) -> Size:
        definition = self.fragments.get(name)
        if definition is None or name in self.visiting:
            return Size()  # unknown fragments and cycles are graphql's own validation errors
        key = (name, depth == 0)
        if key not in self.memo:
            self.visiting.add(name)
            self.memo[key] = self.selections(definition.selection_set, depth, level)
            self.visiting.discard(name)
        return self.memo[key]


def measure(document: DocumentNode, stop_below: int = MAX_NESTING) -> tuple[Size, bool]:
    """The largest operation of ``document``, and whether the walk stopped at ``stop_below`` fields
    (or :data:`MAX_NESTING` nestings) deep, which means "deeper than that"."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    walk = _Walk(fragments, stop_below)
    largest = Size()
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            size = walk.selections(definition.selection_set, 0, 0)
            largest = Size(max(largest.depth, size.depth), max(largest.aliases, size.aliases),
                           max(largest.cost, size.cost))
    return largest, walk.cut


def too_large(reason: str, setting: str) -> GraphQLError:
    advice = (f"split the request into smaller ones; the server's {setting} sets this limit "
              "(docs/admin-guide.md, Limits)")
    return GraphQLError(reason, extensions={"code": "TOO_LARGE", "reason": reason, "advice": advice})


def _limit_rule(limits: QueryLimits) -> type[ValidationRule]:
    class QueryLimitsRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            size, cut = measure(context.document, limits.max_depth)
            if cut or size.depth > limits.max_depth:
                context.report_error(too_large(
                    f"the query is too deep (more than {limits.max_depth} fields nested)",
                    "KNITGRAPH_GRAPHQL_MAX_DEPTH"))
            elif size.aliases > limits.max_aliases:
                context.report_error(too_large(
                    f"the query has {size.aliases} aliases, more than {limits.max_aliases}",
                    "KNITGRAPH_GRAPHQL_MAX_ALIASES"))
            elif size.cost > limits.max_cost:
                context.report_error(too_large(
                    f"the query's cost is {size.cost}, more than {limits.max_cost} (a field costs 1, "
                    f"a top-level field {ROOT_FIELD_COST})", "KNITGRAPH_GRAPHQL_MAX_COST"))

    return QueryLimitsRule


def _more_tokens_than(query: str, limit: int) -> bool:
    """Whether ``query`` lexes into more than ``limit`` tokens, comments included (as the parser's
    ``max_tokens`` counts them); a syntax error before that means the parser refused it for that."""
    lexer = Lexer(Source(query))
    try:
        for _ in range(limit + 1):
            if lexer.advance().kind == TokenKind.EOF:
                break
    except GraphQLError:
        return False
    count, token = 0, lexer.token
    while token.prev is not None:  # the token list links comments too
        count, token = count + 1, token.prev
    return count > limit


class GraphQLLimits(SchemaExtension):
    """Applies the serving app's :class:`QueryLimits` to each operation."""

    def on_operation(self) -> Iterator[None]:
        context: Context = self.execution_context.context
        self.limits = QueryLimits.from_settings(context.services.settings)
        self.execution_context.parse_options["max_tokens"] = self.limits.max_tokens
        self.execution_context.validation_rules = (
            *self.execution_context.validation_rules, _limit_rule(self.limits),
        )
        yield

    def on_parse(self) -> Iterator[None]:
        yield
        query = self.execution_context.query
        errors = self.execution_context.pre_execution_errors or []
        if errors and query and _more_tokens_than(query, self.limits.max_tokens):
            errors[0].message = f"the query has more than {self.limits.max_tokens} tokens"
            errors[0].extensions = too_large(errors[0].message, "KNITGRAPH_GRAPHQL_MAX_TOKENS").extensions
