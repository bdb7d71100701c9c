"""Knitfab's ``/api/plans``: register, find, show, and what may change after registration."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from knitgraph.graph_schema.errors import InvalidInputError

from ..services import plans as plan_service
from .bodies import AnnotationChange, PlanSpecBody, ResourceChange, ServiceAccount, parse_body
from .request import editor, services_of
from .shape import plan_json

_ACTIVE = {None: None, "true": True, "false": False}


def _plan_id(request: Request) -> str:
    return str(request.path_params["plan_id"])


async def register_plan(request: Request) -> Response:
    """``POST /api/plans``: 200 and the plan; 400 invalid; 409 an equivalent plan (``see``: its id) or a cycle."""
    actor = editor(request, "apply plans")
    if request.headers.get("content-type", "").partition(";")[0].strip().lower() != "application/json":
        raise InvalidInputError("unexpected content type. it should be application/json",
                                "send the plan as JSON with Content-Type: application/json")
    spec = parse_body(await request.body(), PlanSpecBody, "can not understand the requested json").to_spec()
    return JSONResponse(plan_json(await plan_service.apply_plan(services_of(request), actor, spec)))


async def find_plans(request: Request) -> Response:
    """``GET /api/plans?active=&image=&in_tag=&out_tag=``."""
    query = request.query_params
    if query.get("active") not in _ACTIVE:
        raise InvalidInputError("query specification is incorrect", "active is true or false")
    found = await plan_service.find_plans(
        services_of(request), _ACTIVE[query.get("active")], query.get("image") or None,
        query.getlist("in_tag"), query.getlist("out_tag"),
    )
    return JSONResponse([plan_json(p) for p in found])


async def show_plan(request: Request) -> Response:
    return JSONResponse(plan_json(await plan_service.get_plan(services_of(request), _plan_id(request))))


async def set_active(request: Request) -> Response:
    """``PUT`` activates, ``DELETE`` deactivates ``/api/plans/{planId}/active``."""
    editor(request, "activate or deactivate plans")
    changed = await plan_service.set_plan_active(services_of(request), _plan_id(request), request.method == "PUT")
    return JSONResponse(plan_json(changed))


async def change_resources(request: Request) -> Response:
    """``PUT /api/plans/{planId}/resources``: ``{"set": {"cpu": "2"}, "unset": ["memory"]}``."""
    editor(request, "change plans")
    change = parse_body(await request.body(), ResourceChange, "can not understand the requested json")
    changed = await plan_service.change_plan_resources(
        services_of(request), _plan_id(request), change.quantities(), change.unset
    )
    return JSONResponse(plan_json(changed))


async def annotate(request: Request) -> Response:
    """``PUT /api/plans/{planId}/annotations``: ``{"add": ["k=v"], "remove": [...], "remove_key": [...]}``."""
    editor(request, "change plans")
    change = parse_body(await request.body(), AnnotationChange, "can not understand the request")
    changed = await plan_service.annotate_plan(
        services_of(request), _plan_id(request), change.added(), change.removed(), change.remove_key
    )
    return JSONResponse(plan_json(changed))


async def set_service_account(request: Request) -> Response:
    """``PUT`` ``{"service_account": "sa"}`` sets, ``DELETE`` unsets ``/api/plans/{planId}/serviceaccount``."""
    editor(request, "change plans")
    name = None
    if request.method == "PUT":
        name = parse_body(await request.body(), ServiceAccount, "can not understand the request").service_account
    changed = await plan_service.set_plan_service_account(services_of(request), _plan_id(request), name)
    return JSONResponse(plan_json(changed))
