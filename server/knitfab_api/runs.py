"""Knitfab's ``/api/runs``: find, show, stop (tearoff / abort), retry, delete. The log,
``GET /api/runs/{runId}/log[?follow]``, is ``server/transfer.py``'s, which both CLIs share."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from knitgraph.graph_schema.errors import InvalidInputError
from knitgraph.graph_schema.records import RunStatus

from ..services import runs as run_service
from .request import editor, listed, services_of
from .shape import run_json

_SEARCHABLE = frozenset(status.value for status in RunStatus if status is not RunStatus.INVALIDATED)


def _run_id(request: Request) -> str:
    return str(request.path_params["run_id"])


async def find_runs(request: Request) -> Response:
    """``GET /api/runs?plan=a,b&knitIdInput=&knitIdOutput=&status=done,failed&since=&duration=``."""
    statuses = listed(request, "status")
    if not _SEARCHABLE.issuperset(statuses):
        raise InvalidInputError("bad request", f'"status" should be one of {", ".join(sorted(_SEARCHABLE))}')
    query = request.query_params
    found = await run_service.find_runs(
        services_of(request), listed(request, "plan"), listed(request, "knitIdInput"),
        listed(request, "knitIdOutput"), statuses, query.get("since") or None, query.get("duration") or None,
    )
    return JSONResponse([run_json(r) for r in found])


async def show_run(request: Request) -> Response:
    return JSONResponse(run_json(await run_service.get_run(services_of(request), _run_id(request))))


async def tearoff(request: Request) -> Response:
    """``PUT /api/runs/{runId}/tearoff``: stop; what the Run wrote becomes done."""
    actor = editor(request, "stop Runs")
    return JSONResponse(run_json(await run_service.stop_run(services_of(request), actor, _run_id(request), fail=False)))


async def abort(request: Request) -> Response:
    """``PUT /api/runs/{runId}/abort``: stop as failed."""
    actor = editor(request, "stop Runs")
    return JSONResponse(run_json(await run_service.stop_run(services_of(request), actor, _run_id(request), fail=True)))


async def retry(request: Request) -> Response:
    """``PUT /api/runs/{runId}/retry``: 200 with an empty body, as Knitfab answers."""
    actor = editor(request, "retry Runs")
    await run_service.retry_run(services_of(request), actor, _run_id(request))
    return Response(status_code=200)


async def delete(request: Request) -> Response:
    """``DELETE /api/runs/{runId}``: 204."""
    actor = editor(request, "remove Runs")
    await run_service.delete_run(services_of(request), actor, _run_id(request))
    return Response(status_code=204)
