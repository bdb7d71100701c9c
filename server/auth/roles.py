"""What a role may do, checked where a route or a GraphQL field needs more than reading."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from strawberry.permission import BasePermission

from knitgraph.graph_schema.access import Role
from knitgraph.graph_schema.errors import KnitError

from .tokens import Principal


class ForbiddenError(KnitError):
    code = "FORBIDDEN"


def principal_of(request: Request) -> Principal | None:
    """Who sent the request; None only on the paths the gatekeeper leaves open."""
    principal: Principal | None = getattr(request.state, "principal", None)
    return principal


def require(principal: Principal | None, needed: Role, what: str) -> None:
    """Raise ``ForbiddenError`` unless ``principal`` may do ``what`` (a phrase: "push Data")."""
    if principal is None:
        raise ForbiddenError(f"an anonymous request may not {what}", "send an API token")
    if not principal.role.allows(needed):
        raise ForbiddenError(f"user '{principal.user}' ({principal.role.value}) may not {what}",
                             f"ask an admin for the {needed.value} role (`knitgraph user role {principal.user} "
                             f"{needed.value}`)")


class CanEdit(BasePermission):
    """On mutations: pushing, tagging, applying plans, stopping, retrying, removing need an editor."""

    message = "this needs the editor role"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        require(info.context.principal, Role.EDITOR, "change anything (push, tag, apply, stop, retry, remove)")
        return True
