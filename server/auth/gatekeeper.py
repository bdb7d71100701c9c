"""The ASGI middleware in front of every route: it refuses a Host or Origin this server does not
answer to (a web page reaching 127.0.0.1 by DNS rebinding), then any request without a valid token,
and hands the route the :class:`Principal` in ``request.state.principal``.

Knitfab's CLI sends no header, so a token may instead lead the path: ``/api/t/<token>/data`` is
served as ``/api/data`` with that token (a Knitfab knitprofile's ``apiRoot`` ends in ``/api/t/<token>``).
The path is rewritten in place, before anything logs it, so the token reaches no log.

Token lookups are cached for ``CACHE_SECONDS``: a revoked token stops working within that time.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import Final
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from knitgraph.graph_schema.access import TokenRecord, find_token
from knitgraph.graph_schema.errors import KnitError

from .tokens import Principal, parse_token, verify

CACHE_SECONDS: Final = 10.0
TOKEN_PREFIX: Final = "/api/t/"
HOW_TO_GET_A_TOKEN = (
    "send `Authorization: Bearer <token>`; `knitgraph up` writes one into its knitprofile for knit, "
    "and an admin makes more with `knitgraph token create USER`"
)


def _refusal(status: int, code: str, reason: str, advice: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"message": {"reason": reason, "advice": advice, "code": code}}, status, headers=headers)


def _take_path_token(scope: Scope) -> str | None:
    """The token of a ``/api/t/<token>/...`` path, which becomes ``/api/...`` (scope changed in place)."""
    path: str = scope["path"]
    if not path.startswith(TOKEN_PREFIX):
        return None
    token, _, rest = path[len(TOKEN_PREFIX):].partition("/")
    scope["path"] = f"/api/{rest}" if rest else "/api"
    raw: bytes = scope.get("raw_path") or path.encode()
    raw_rest = raw[len(TOKEN_PREFIX):].partition(b"/")[2]
    scope["raw_path"] = b"/api/" + raw_rest if raw_rest else b"/api"
    return token


def _host_name(value: str) -> str:
    """``host[:port]`` or ``[v6]:port`` without the port, lowercased."""
    return (urlsplit(f"//{value}").hostname or "").lower()


class Gatekeeper:
    def __init__(self, app: ASGIApp, *, allowed_hosts: list[str], open_paths: Collection[str],
                 open_prefixes: tuple[str, ...] = ()) -> None:
        """``open_paths`` (exact) and paths under ``open_prefixes`` are read without a token (GET and
        HEAD only); the Host and Origin checks apply to them too."""
        self.app = app
        self.any_host = "*" in allowed_hosts
        self.allowed_hosts = {_host_name(host) or host.lower() for host in allowed_hosts}
        self.open_paths = frozenset(open_paths)
        self.open_prefixes = open_prefixes
        self._cache: dict[str, tuple[float, TokenRecord | None]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        path_token = _take_path_token(scope)
        refusal = self._check_origin(headers)
        if refusal is None and (path_token is not None or not self._is_open(scope)):
            principal = await self._principal(scope, headers, path_token)
            if isinstance(principal, Principal):
                scope.setdefault("state", {})["principal"] = principal
            else:
                refusal = principal
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _check_origin(self, headers: Headers) -> JSONResponse | None:
        if self.any_host:
            return None
        host = _host_name(headers.get("host", ""))
        if host not in self.allowed_hosts:
            return _refusal(403, "FORBIDDEN", f"this server does not answer to the host '{host}'",
                            "reach it by an allowed name (127.0.0.1, localhost), or add the name to "
                            "KNITGRAPH_ALLOWED_HOSTS on the server")
        origin = headers.get("origin")
        if origin is not None and origin != "null" and _host_name(urlsplit(origin).netloc) not in self.allowed_hosts:
            return _refusal(403, "FORBIDDEN", f"requests from the web origin '{origin}' are refused",
                            "use knit, or the console served by this server; an admin can allow the origin's "
                            "host with KNITGRAPH_ALLOWED_HOSTS")
        return None

    def _is_open(self, scope: Scope) -> bool:
        path, method = scope["path"], scope.get("method", "GET")
        if method in ("GET", "HEAD") and (path in self.open_paths or path.startswith(self.open_prefixes)):
            return True
        # The GraphiQL page itself; a GET that carries a query is a query, and needs a token.
        return path == "/graphql" and method == "GET" and b"query=" not in scope.get("query_string", b"")

    async def _principal(self, scope: Scope, headers: Headers, path_token: str | None) -> Principal | JSONResponse:
        scheme, _, text = headers.get("authorization", "").partition(" ")
        if path_token is not None:
            scheme, text = "bearer", path_token
        if scheme.lower() != "bearer" or not text.strip():
            return _refusal(401, "UNAUTHENTICATED", "this request carries no API token", HOW_TO_GET_A_TOKEN)
        parsed = parse_token(text.strip())
        if parsed is None:
            return _refusal(401, "UNAUTHENTICATED", "the API token is malformed", HOW_TO_GET_A_TOKEN)
        try:
            principal = verify(await self._record(scope, parsed[0]), parsed[1])
        except KnitError as exc:
            return _refusal(503, exc.code, exc.reason, exc.advice)
        if principal is None:
            return _refusal(401, "UNAUTHENTICATED", "the API token is unknown or revoked",
                            "ask an admin for a new one (`knitgraph token create USER`)")
        return principal

    async def _record(self, scope: Scope, token_id: str) -> TokenRecord | None:
        cached = self._cache.get(token_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        record = await find_token(scope["app"].state.services.graph, token_id)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[token_id] = (time.monotonic() + CACHE_SECONDS, record)
        return record
