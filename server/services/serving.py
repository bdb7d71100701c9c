"""Services (service plans' endpoints): what serves, what served when, and going back a model."""

from __future__ import annotations

from dataclasses import dataclass

from knitgraph.graph_schema import serving
from knitgraph.graph_schema.records import RunRecord
from knitgraph.graph_schema.serving import ServingPeriod

from .runs import retry_run
from .state import Services


@dataclass(frozen=True, slots=True)
class ServiceView:
    name: str
    periods: tuple[ServingPeriod, ...]  # newest first
    live_requests: int | None  # answered so far in the open period, by this server's proxy

    @property
    def current(self) -> ServingPeriod | None:
        return self.periods[0] if self.periods and self.periods[0].until is None else None


async def find_services(services: Services, name: str | None = None) -> list[ServiceView]:
    periods = await serving.serving_periods(services.graph, service=name)
    names = sorted({p.service for p in periods})
    views = []
    for service in names:
        endpoint = services.serving.current(service)
        views.append(ServiceView(service, tuple(p for p in periods if p.service == service),
                                 endpoint.requests if endpoint is not None else None))
    return views


async def rollback_service(services: Services, actor: str | None, name: str) -> RunRecord:
    """Run again the Run that served ``name`` before the latest one: once healthy it takes the
    traffic back, and the latest one ends (done)."""
    earlier = await serving.previous_server(services.graph, name)
    return await retry_run(services, actor, earlier.run_id)
