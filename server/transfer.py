"""The HTTP endpoints that carry content; all metadata goes through GraphQL.

``POST /api/uploads``: body = tar stream; answers ``{uploadId, digest, size}`` once received and
verified, and the client then calls the ``pushData`` mutation with its own digest.
``GET /api/data/{knitId}/content``: the Data as a tar stream; ``X-Knit-Content-Digest`` carries the
tree digest the client checks what it received against, ``X-Knit-Content-Size`` the bytes of its files
(what the client's progress counts).
``GET /api/runs/{runId}/log``: a Run's log as text; ``?follow`` streams it while the Run runs.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from knitgraph.archive import DIGEST_HEADER, SIZE_HEADER
from knitgraph.graph_schema.access import Role
from knitgraph.graph_schema.errors import KnitError

from .auth.roles import principal_of, require
from .services import Services
from .services import data as data_service
from .services import runs as run_service

TAR = "application/x-tar"
HTTP_STATUS: Final = {
    "NOT_FOUND": 404, "INVALID_INPUT": 400, "FORBIDDEN": 403, "TOO_LARGE": 413, "CONFLICT": 409, "UNAVAILABLE": 503,
}


def error_response(error: KnitError, status: int | None = None) -> JSONResponse:
    """The JSON refusal every HTTP endpoint answers; ``status`` overrides the one of the code."""
    body = {"reason": error.reason, "advice": error.advice, "code": error.code}
    if error.see:
        body["see"] = error.see
    return JSONResponse({"message": body}, status_code=status or HTTP_STATUS.get(error.code, 500))


async def knit_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, KnitError)
    return error_response(exc)


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def upload(request: Request) -> Response:
    require(principal_of(request), Role.EDITOR, "push Data")
    declared = request.headers.get("content-length", "")
    staged = await data_service.receive_upload(
        _services(request), request.stream(), int(declared) if declared.isdigit() else None
    )
    return JSONResponse({"uploadId": staged.upload_id, "digest": staged.digest, "size": staged.size})


async def download(request: Request) -> Response:
    services, knit_id = _services(request), request.path_params["knit_id"]
    digest, chunks = await data_service.open_content(services, knit_id)
    size = await data_service.content_size(services, knit_id)
    return StreamingResponse(chunks, media_type=TAR, headers={DIGEST_HEADER: digest, SIZE_HEADER: str(size)})


async def run_log(request: Request) -> Response:
    follow = request.query_params.get("follow", "false").lower() not in ("false", "0", "no")
    chunks = await run_service.open_log(_services(request), request.path_params["run_id"], follow)
    return StreamingResponse(chunks, media_type="text/plain; charset=utf-8")
