"""Errors as clients see them: ``message`` is the reason; ``extensions`` carry code, reason, advice
and ``see``. Anything that is not a ``KnitError`` is logged with its traceback under an error id
and reaches the client only as ``unexpected error`` plus that id."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from knitgraph.graph_schema.errors import KnitError

logger = logging.getLogger("knitgraph.server.graphql")


def _convert(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if original is None and error.extensions and "code" in error.extensions:
        return error  # already in knitgraph's shape (the query limits)
    if original is None:
        extensions = {"code": "BAD_REQUEST", "reason": error.message,
                      "advice": "check the query against the schema at /graphql"}
        return GraphQLError(error.message, error.nodes, error.source, error.positions, error.path,
                            extensions=extensions)
    if isinstance(original, KnitError):
        extensions = {"code": original.code, "reason": original.reason, "advice": original.advice}
        if original.see:
            extensions["see"] = original.see
        return GraphQLError(original.reason, error.nodes, error.source, error.positions, error.path,
                            extensions=extensions)
    error_id = uuid.uuid4().hex[:12]
    logger.error("unexpected error %s", error_id, exc_info=original)
    message = f"unexpected error (id {error_id})"
    extensions = {"code": "INTERNAL", "reason": message,
                  "advice": "this is a bug of knitgraph; the server log has the details under that id"}
    return GraphQLError(message, error.nodes, error.source, error.positions, error.path,
                        extensions=extensions)


class KnitErrors(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        # graphql-core's ExecutionResult or strawberry's: both carry a mutable ``errors`` list.
        result = self.execution_context.result
        if isinstance(result, (GraphQLExecutionResult, ExecutionResult)) and result.errors:
            result.errors = [_convert(error) for error in result.errors]
