"""Knitfab's ``/api/data``: find, tag, upload (tar.gz in) and download (tar.gz out)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from ..services import data as data_service
from .bodies import TagChange, parse_body
from .request import editor, services_of
from .shape import data_json
from .tar_gz import gunzipped, gzipped

TAR_GZ = "application/tar+gzip"


async def find_data(request: Request) -> Response:
    """``GET /api/data?tag=k:v&...&since=&duration=``: every Data carrying all tags, in the window."""
    query = request.query_params
    found = await data_service.find_data(
        services_of(request), query.getlist("tag"), None, query.get("since") or None, query.get("duration") or None
    )
    return JSONResponse([data_json(d) for d in found])


async def upload_data(request: Request) -> Response:
    """``POST /api/data``: the body, a tar.gz, becomes an untagged Data (Knitfab tags it next)."""
    actor = editor(request, "push Data")
    pushed = await data_service.push_stream(services_of(request), actor, gunzipped(request.stream()), [])
    return JSONResponse(data_json(pushed))


async def download_data(request: Request) -> Response:
    """``GET /api/data/{knitId}``: the Data's content as tar.gz."""
    _, chunks = await data_service.open_content(services_of(request), request.path_params["knit_id"])
    return StreamingResponse(gzipped(chunks), media_type=TAR_GZ)


async def tag_data(request: Request) -> Response:
    """``PUT /api/data/{knitId}``: ``{"add": [...], "remove": [...], "remove_key": [...]}``."""
    actor = editor(request, "tag Data")
    change = parse_body(await request.body(), TagChange, "format error")
    tagged = await data_service.tag_data(
        services_of(request), actor, request.path_params["knit_id"], change.added(), change.removed(), change.remove_key
    )
    return JSONResponse(data_json(tagged))
