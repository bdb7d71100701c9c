"""The /graphql HTTP door: strawberry's ASGI view with the request body bounded
(``KNITGRAPH_GRAPHQL_MAX_BODY``) and its JSON checked before strawberry reads it. Every refusal is
answered as the transfer endpoints answer, JSON ``{"message": {reason, advice, code}}`` with a 4xx;
a malformed body never becomes a 500 or a bare text. A browser's GET gets GraphiQL, served from the
console's build."""

from __future__ import annotations

import json
from typing import Final

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send
from strawberry.asgi import GraphQL

from knitgraph.graph_schema.errors import InvalidInputError, KnitError, TooLargeError

from .. import console
from ..auth.roles import principal_of
from ..transfer import error_response
from .context import Context

# Deeper JSON than this is refused before strawberry walks it; plan specs nest about 6 levels.
MAX_JSON_DEPTH: Final = 64
HOW_TO_ASK: Final = (
    'POST a JSON object {"query": "...", "variables": {...}} with Content-Type: application/json; '
    "the schema is at /graphql"
)


def body_too_large(limit: int) -> TooLargeError:
    return TooLargeError(
        f"the request body is larger than {limit} bytes",
        "send smaller requests (fewer tags or plans per request); the server's KNITGRAPH_GRAPHQL_MAX_BODY "
        "sets this limit (docs/admin-guide.md, Limits)",
    )


def _bounded(receive: Receive, limit: int) -> Receive:
    """``receive`` that refuses the request once its body passes ``limit`` bytes."""
    received = 0

    async def bounded() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise body_too_large(limit)
        return message

    return bounded


def _nesting(value: object) -> int:
    """How deeply ``value`` nests objects and arrays, counted up to just past :data:`MAX_JSON_DEPTH`."""
    deepest, pending = 0, [(value, 1)]
    while pending and deepest <= MAX_JSON_DEPTH:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, depth)
            pending.extend((child, depth + 1) for child in children)
    return deepest


def _too_deep() -> InvalidInputError:
    return InvalidInputError(
        f"the request body nests JSON too deep (more than {MAX_JSON_DEPTH} levels)",
        "send variables as flat objects and lists, as the schema at /graphql describes them",
    )


def _check_declared_size(request: Request, limit: int) -> None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise body_too_large(limit)


def _reads_json(request: Request) -> bool:
    return request.method != "POST" or "application/json" in request.headers.get("content-type", "")


class KnitGraphQL(GraphQL[Context, None]):
    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL as the console's build bundles it (strawberry's own page loads it from a CDN)."""
        return console.graphiql_page()

    async def get_context(self, request: Request, response: Response | None) -> Context:  # type: ignore[override]
        return Context(services=request.app.state.services, principal=principal_of(request))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        limit = Request(scope).app.state.services.settings.graphql_max_body_bytes
        request = Request(scope, receive=_bounded(receive, limit))
        response: Response
        try:
            response = await self._answer(request, limit)
        except KnitError as error:
            response = error_response(error)
        except HTTPException as error:  # strawberry's own refusals: a bad query field, a GET mutation
            response = error_response(InvalidInputError(error.reason, HOW_TO_ASK), status=error.status_code)
        await response(scope, receive, send)

    async def _answer(self, request: Request, limit: int) -> Response:
        _check_declared_size(request, limit)
        if not _reads_json(request):
            media = request.headers.get("content-type", "")[:80]
            return error_response(InvalidInputError(f"/graphql reads JSON, not '{media}'", HOW_TO_ASK), status=415)
        response: Response = await self.run(request)
        return response

    def encode_json(self, data: object) -> bytes:
        try:
            return orjson.dumps(data)
        except TypeError:  # orjson.JSONEncodeError: what orjson cannot encode (an int past 64 bits)
            return json.dumps(data, separators=(",", ":")).encode()

    def decode_json(self, data: str | bytes) -> object:
        try:
            value = json.loads(data)
        except RecursionError as exc:
            raise _too_deep() from exc
        except ValueError as exc:  # JSONDecodeError, and UnicodeDecodeError for bytes that are no text
            raise InvalidInputError("the request body is not JSON", HOW_TO_ASK) from exc
        if not isinstance(value, dict):
            raise InvalidInputError(f"the request body must be a JSON object, not {type(value).__name__}",
                                    HOW_TO_ASK)
        if _nesting(value) > MAX_JSON_DEPTH:
            raise _too_deep()
        return value
