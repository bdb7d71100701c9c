"""``/serve/<name>/<path>``: a request to the Run that serves ``name`` now, passed on as it came
(less the caller's knitgraph token, cookies and hop-by-hop headers: the task is a Plan's, and every
Plan is treated as hostile) and its answer passed back."""

from __future__ import annotations

from typing import Final

import anyio
import httpcore
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from knitgraph.graph_schema.access import Role
from knitgraph.graph_schema.errors import InvalidInputError, NotFoundError, TooLargeError, UnavailableError

from ..auth.roles import principal_of, require
from ..services import Services
from .connection import timeouts

METHODS: Final = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
MAX_BODY_BYTES: Final = 64 * 2**20
MAX_ANSWER_BYTES: Final = 256 * 2**20
REQUEST_SECONDS: Final = 60.0
# Not passed to the task: its own connection's headers, and what identifies the caller to knitgraph.
_HELD_BACK: Final = frozenset({
    b"authorization", b"cookie", b"host", b"connection", b"keep-alive", b"proxy-authorization", b"proxy-connection",
    b"te", b"trailer", b"transfer-encoding", b"upgrade", b"content-length",
})
_NOT_RETURNED: Final = frozenset({
    b"connection", b"keep-alive", b"transfer-encoding", b"content-length", b"set-cookie", b"content-security-policy",
    b"x-content-type-options",
})


async def _body(request: Request) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise TooLargeError(f"the request body is larger than {MAX_BODY_BYTES // 2**20} MiB",
                                "send a smaller request to the service")
    return bytes(body)


def _target(request: Request, name: str) -> bytes:
    """The path and query as the caller sent them (still percent-encoded), less ``/serve/<name>``."""
    raw: bytes = request.scope.get("raw_path") or b""
    prefix = f"/serve/{name}".encode()
    rest = raw[len(prefix):] if raw.startswith(prefix + b"/") else request.url.path.encode()[len(prefix):]
    query: bytes = request.scope.get("query_string", b"")
    return rest + (b"?" + query if query else b"")


async def serve(request: Request) -> Response:
    require(principal_of(request), Role.VIEWER, "call a service")
    services: Services = request.app.state.services
    name = request.path_params["name"]
    body = await _body(request)  # first: a slow upload holds no Run's endpoint
    endpoint = services.serving.current(name)
    if endpoint is None:
        raise NotFoundError(f"no Run serves '{name}' now",
                            f"a plan annotated knitgraph.io/service={name} serves once a Run of it is healthy; "
                            f"`knit plan find -a knitgraph.io/service={name}` shows such plans (docs/serving.md)")
    headers = [(key, value) for key, value in request.headers.raw if key.lower() not in _HELD_BACK]
    url = httpcore.URL(scheme=b"http", host=name.encode(), port=endpoint.spec.port, target=_target(request, name))
    content = bytearray()
    try:
        with anyio.fail_after(2 * REQUEST_SECONDS):
            async with endpoint.pool.stream(request.method.encode(), url, headers=headers, content=body,
                                            extensions={"timeout": timeouts(REQUEST_SECONDS)}) as answer:
                async for chunk in answer.aiter_stream():
                    content += chunk
                    if len(content) > MAX_ANSWER_BYTES:
                        raise UnavailableError(
                            f"run {endpoint.run_id}, serving '{name}', answered more than "
                            f"{MAX_ANSWER_BYTES // 2**20} MiB", "ask the service for less")
    except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.TimeoutException, TimeoutError) as exc:
        raise UnavailableError(f"run {endpoint.run_id}, serving '{name}', did not answer: {type(exc).__name__} {exc}",
                               f"see its log: knit run show --log {endpoint.run_id}") from None
    except httpcore.UnsupportedProtocol as exc:
        raise InvalidInputError(f"the request cannot be passed to '{name}': {exc}", "check the URL") from None
    endpoint.requests += 1
    kept = [(key.decode("latin-1"), value.decode("latin-1")) for key, value in answer.headers
            if key.lower() not in _NOT_RETURNED]
    response = Response(bytes(content), status_code=answer.status)
    for key, value in kept:
        response.headers.append(key, value)
    response.headers["X-Knitgraph-Run"] = endpoint.run_id
    # The task's answer comes from knitgraph's own origin: a page in it must not run as the console
    # (whose token a script could read). A sandboxed document is an origin of its own.
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def routes() -> list[BaseRoute]:
    return [Route("/serve/{name}/{path:path}", serve, methods=METHODS)]
