"""The HTTP endpoints that carry content; all metadata goes through GraphQL.

``POST /api/uploads``: body = tar stream; answers ``{uploadId, digest, size}`` once received and
verified, and the client then calls the ``pushData`` mutation with its own digest.
``GET /api/data/{knitId}/content``: the Data as a tar stream; ``X-Knit-Content-Digest`` carries the
tree digest the client checks what it received against.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from knitgraph.archive import UnsafeArchiveError
from knitgraph.graph_schema import data as data_graph
from knitgraph.graph_schema.errors import ConflictError, InvalidInputError, KnitError, NotFoundError
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
