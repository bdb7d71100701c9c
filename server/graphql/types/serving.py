"""Services and their serving periods."""

from __future__ import annotations

import strawberry

from knitgraph.graph_schema.serving import ServingPeriod as PeriodRecord
from knitgraph.graph_schema.timefmt import format_ms

from ...services.serving import ServiceView


@strawberry.type(description="A time a Run served a service's endpoint (/serve/<service>/).")
class ServingPeriod:
    service: str
    run_id: strawberry.ID
    since: str
    until: str | None = strawberry.field(description="Null while it serves.")
    requests: int = strawberry.field(description="Requests it answered in the period (counted when it ends).")
    inputs: list[strawberry.ID] = strawberry.field(description="The knitIds the Run read: the model it served.")

    @classmethod
    def from_record(cls, period: PeriodRecord) -> ServingPeriod:
        return cls(service=period.service, run_id=strawberry.ID(period.run_id), since=format_ms(period.start),
                   until=format_ms(period.until) if period.until is not None else None, requests=period.requests,
                   inputs=[strawberry.ID(k) for k in period.inputs])


@strawberry.type(description="A service: the endpoint /serve/<name>/ of a service plan's Runs.")
class Service:
    name: str
    serving: ServingPeriod | None = strawberry.field(description="The Run serving now, if any.")
    requests_now: int | None = strawberry.field(
        description="Requests the serving Run answered so far, as this server counts them (null if another serves it).")
    periods: list[ServingPeriod] = strawberry.field(description="Every Run that served it, newest first.")

    @classmethod
    def from_view(cls, view: ServiceView) -> Service:
        current = view.current
        return cls(name=view.name, serving=ServingPeriod.from_record(current) if current else None,
                   requests_now=view.live_requests, periods=[ServingPeriod.from_record(p) for p in view.periods])
