"""What every Knitfab API handler takes from a request: the services, who asks, and the right to change."""

from __future__ import annotations

from starlette.requests import Request

from knitgraph.graph_schema.access import Role

from ..auth.roles import principal_of, require
from ..services import Services


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def editor(request: Request, what: str) -> str:
    """The user making a change; ``ForbiddenError`` (403) unless an editor or admin."""
    principal = principal_of(request)
    require(principal, Role.EDITOR, what)
    assert principal is not None  # require refuses anonymous requests
    return principal.user


def listed(request: Request, name: str) -> list[str]:
    """A query parameter Knitfab takes as a comma-separated list (``?status=done,failed``)."""
    return [item for item in request.query_params.get(name, "").split(",") if item]
