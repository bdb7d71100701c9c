"""The HTTP endpoints that carry content; all metadata goes through GraphQL.

``POST /api/uploads``: body = tar stream; answers ``{uploadId, digest, size}`` once received and
verified, and the client then calls the ``pushData`` mutation with its own digest.
``GET /api/data/{knitId}/content``: the Data as a tar stream; ``X-Knit-Content-Digest`` carries the
tree digest the client checks what it received against.
"""

from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from knitgraph.archive import UnsafeArchiveError
from knitgraph.graph_schema import data as data_graph
from knitgraph.graph_schema import runs as runs_graph
from knitgraph.graph_schema.errors import (
    ConflictError,
    InvalidInputError,
    KnitError,
    NotFoundError,
    UnavailableError,
)
from knitgraph.graph_schema.records import RunStatus

TAR = "application/x-tar"
DIGEST_HEADER = "X-Knit-Content-Digest"
_STATUS = {"NOT_FOUND": 404, "INVALID_INPUT": 400, "CONFLICT": 409, "UNAVAILABLE": 503}


def error_response(error: KnitError) -> JSONResponse:
    body = {"reason": error.reason, "advice": error.advice, "code": error.code}
    if error.see:
        body["see"] = error.see
    return JSONResponse({"message": body}, status_code=_STATUS.get(error.code, 500))


async def knit_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, KnitError)
    return error_response(exc)


async def upload(request: Request) -> Response:
    try:
        staged = await request.app.state.store.receive(request.stream())
    except UnsafeArchiveError as exc:
        raise InvalidInputError(exc.reason, exc.advice) from exc
    return JSONResponse({"uploadId": staged.upload_id, "digest": staged.digest, "size": staged.size})


async def download(request: Request) -> Response:
    knit_id = request.path_params["knit_id"]
    state = await data_graph.find_content_state(request.app.state.graph, knit_id)
    if state is None:
        raise NotFoundError(f"data knit#id:{knit_id} is not found", "check the knitId with `knit data find`")
    digest, status = state
    if status not in (RunStatus.DONE, RunStatus.FAILED) or digest is None:
        raise ConflictError(
            f"data knit#id:{knit_id} is not complete yet (its Run is {status.value})",
            "wait until the Run producing it has finished",
        )
    chunks = request.app.state.store.stream_tar(knit_id)
    return StreamingResponse(chunks, media_type=TAR, headers={DIGEST_HEADER: digest})


_LOG_NOT_YET = (RunStatus.DEACTIVATED, RunStatus.WAITING, RunStatus.READY)
_LOG_GROWING = (RunStatus.STARTING, RunStatus.RUNNING)


async def run_log(request: Request) -> Response:
    """A Run's log as text; ``?follow`` keeps streaming while the Run is running."""
    graph, store = request.app.state.graph, request.app.state.store
    run = await runs_graph.get_run(graph, request.path_params["run_id"])
    if run.log is None:
        raise NotFoundError(f"run {run.summary.run_id} records no log", "add `log:` with tags to its plan")
    follow = request.query_params.get("follow", "false").lower() not in ("false", "0", "no")
    if run.summary.status in _LOG_NOT_YET and not follow:
        raise UnavailableError("service unavailable temporaly: the run has not started",
                               "please retry later, or add -f/--follow to wait for it and stream the log")
    path = store.path(run.log.knit_id) / "log"

    async def chunks() -> AsyncIterator[bytes]:
        offset = 0
        while True:
            data = await anyio.to_thread.run_sync(_read_from, path, offset)
            offset += len(data)
            if data:
                yield data
                continue
            if not follow:
                return
            current = await runs_graph.get_run(graph, run.summary.run_id)
            if current.summary.status not in (*_LOG_NOT_YET, *_LOG_GROWING):
                yield await anyio.to_thread.run_sync(_read_from, path, offset)
                return
            await anyio.sleep(0.2)

    return StreamingResponse(chunks(), media_type="text/plain; charset=utf-8")


def _read_from(path: Path, offset: int) -> bytes:
    try:
        with open(path, "rb") as log:
            log.seek(offset)
            return log.read(1 << 20)
    except FileNotFoundError:
        return b""
