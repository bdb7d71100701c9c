"""The web console: the single-page app built into ``console/dist`` (``make install`` builds it),
served at ``/`` and at every deep link the app routes itself, its hashed files under ``/assets``,
and the bundled GraphiQL page that a browser's GET of ``/graphql`` receives.

These pages carry no data and are open without a token (see :data:`OPEN_PATHS` and
:data:`OPEN_PREFIXES`, which the Gatekeeper reads); the app asks for a token before it calls the API.
When the build is missing, the pages say how to build it instead of failing.
"""

from __future__ import annotations

import mimetypes
import re
from html import escape
from pathlib import Path
from typing import Final

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import BaseRoute, Route

# server/console.py -> the repository's console/dist (the package is installed editable).
DIST: Final = Path(__file__).resolve().parent.parent / "console" / "dist"

# The views the app routes itself; a reload or a pasted link of any of them gets the app.
VIEWS: Final = ("data", "runs", "plans", "lineage", "experiments")
OPEN_PATHS: Final = frozenset({"/", "/signin", "/favicon.svg", *(f"/{view}" for view in VIEWS)})
OPEN_PREFIXES: Final = ("/assets/", *(f"/{view}/" for view in VIEWS))

# Vite names every built file name-<hash>.ext; such a file never changes under its name.
_HASHED_NAME: Final = re.compile(r"-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$")
_FOREVER: Final = "public, max-age=31536000, immutable"
_ALWAYS_CHECK: Final = "no-cache"
# The pages run only this server's scripts and talk only to it: an injected script could not load
# from elsewhere or send the tab's token away. Styles may be inline (React Flow positions nodes with
# them); GraphiQL's editor starts its workers from blob: URLs and ships its icon font as data:.
_POLICY: Final = "; ".join((
    "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:",
    "font-src 'self' data:", "worker-src 'self' blob:", "connect-src 'self'", "object-src 'none'",
    "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
))
_PAGE_HEADERS: Final = {
    "Cache-Control": _ALWAYS_CHECK,
    "Content-Security-Policy": _POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def _not_built(what: str) -> HTMLResponse:
    body = (
        "<!doctype html><html lang=en><meta charset=utf-8><title>knitgraph</title>"
        "<body style='font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;line-height:1.5'>"
        f"<h1>knitgraph</h1><p>The {escape(what)} is not built on this server.</p>"
        f"<p>Run <code>make install</code> in knitgraph's folder (it builds <code>{escape(str(DIST))}</code>), "
        "then reload this page. The API works meanwhile: <code>knit</code>, and POST <code>/graphql</code>.</p>"
        "</body></html>"
    )
    return HTMLResponse(body, headers=_PAGE_HEADERS)


def _page(name: str, what: str) -> Response:
    page = DIST / name
    if not page.is_file():
        return _not_built(what)
    return FileResponse(page, media_type="text/html; charset=utf-8", headers=_PAGE_HEADERS)


async def app_page(request: Request) -> Response:
    return _page("index.html", "web console")


def graphiql_page() -> Response:
    return _page("graphiql.html", "GraphiQL page")


def _inside(root: Path, relative: str) -> Path | None:
    """``root/relative`` if it is a file within ``root`` (no ``..`` or link leads out)."""
    candidate = (root / relative).resolve()
    return candidate if candidate.is_relative_to(root.resolve()) and candidate.is_file() else None


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` header admits gzip (``gzip`` or ``*``, unless at ``q=0``)."""
    for item in accept_encoding.split(","):
        name, _, params = item.partition(";")
        if name.strip().lower() not in ("gzip", "*"):
            continue
        quality = params.strip().lower()
        if not quality.startswith("q="):
            return True
        try:
            return float(quality[2:]) > 0
        except ValueError:
            return False
    return False


async def asset(request: Request) -> Response:
    found = _inside(DIST / "assets", request.path_params["name"])
    if found is None:
        return Response("not found", status_code=404, media_type="text/plain")
    headers = {
        "Cache-Control": _FOREVER if _HASHED_NAME.search(found.name) else _ALWAYS_CHECK,
        "X-Content-Type-Options": "nosniff",
        "Vary": "Accept-Encoding",
    }
    # The build writes name.gz beside each asset (console/vite.config.ts): sent as it is.
    packed = found.with_name(found.name + ".gz")
    if packed.is_file() and accepts_gzip(request.headers.get("accept-encoding", "")):
        media_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        return FileResponse(packed, media_type=media_type, headers={**headers, "Content-Encoding": "gzip"})
    return FileResponse(found, headers=headers)


async def favicon(request: Request) -> Response:
    found = _inside(DIST, "favicon.svg")
    if found is None:
        return Response(status_code=404)
    return FileResponse(found, headers={"Cache-Control": "public, max-age=86400"})


def routes() -> list[BaseRoute]:
    views = [Route(f"/{view}", app_page, methods=["GET"]) for view in VIEWS]
    views += [Route(f"/{view}/{{rest:path}}", app_page, methods=["GET"]) for view in VIEWS]
    return [
        Route("/", app_page, methods=["GET"]),
        Route("/signin", app_page, methods=["GET"]),
        *views,
        Route("/assets/{name:path}", asset, methods=["GET"]),
        Route("/favicon.svg", favicon, methods=["GET"]),
    ]
