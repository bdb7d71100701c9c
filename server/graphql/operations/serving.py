"""Services: listing them, and rolling one back to its previous model."""

from __future__ import annotations

import strawberry

from ...auth.roles import CanEdit
from ...services import serving as serving_service
from ..context import Info
from ..types.run import Run
from ..types.serving import Service


@strawberry.type
class ServingQuery:
    @strawberry.field(description="Every service that has been served, or the one named, with its serving Runs.")
    async def services(self, info: Info, name: str | None = None) -> list[Service]:
        return [Service.from_view(v) for v in await serving_service.find_services(info.context.services, name)]


@strawberry.type
class ServingMutation:
    @strawberry.mutation(
        permission_classes=[CanEdit],
        description="Serve the previous model again: the Run that served before the latest one runs again (retried); "
        "once healthy it takes the traffic and the latest one ends.",
    )
    async def rollback_service(self, info: Info, name: str) -> Run:
        return Run.from_record(await serving_service.rollback_service(info.context.services, info.context.actor, name))
