"""Schedules: a cron expression that pushes a tick Data."""

from __future__ import annotations

from enum import Enum

import strawberry

from knitgraph.graph_schema.schedules import CatchUp
from knitgraph.graph_schema.timefmt import format_ms

from ...services.schedules import ScheduleView


@strawberry.enum(name="CatchUp", description="What a schedule pushes for the ticks it missed while no server ran.")
class CatchUpValue(Enum):
    LATEST = strawberry.enum_value("latest", name="latest",
                                   description="one tick, for the most recent missed time; its missed counts the others")
    ALL = strawberry.enum_value("all", name="all",
                                description="every missed tick, oldest first (at most 100, then the latest)")
    NONE = strawberry.enum_value("none", name="none", description="nothing; the next tick comes on time")


def to_catch_up(value: CatchUpValue) -> CatchUp:
    return CatchUp[value.name]


@strawberry.type(description="A schedule: on its cron expression it pushes a tick Data tagged schedule:<name> and "
                 "tick:<time>, with tick.json {schedule, time, missed}.")
class Schedule:
    name: str
    cron: str = strawberry.field(description="Minute, hour, day of month, month, day of week.")
    timezone: str = strawberry.field(description="The IANA time zone the cron expression is read in.")
    tags: list[str] = strawberry.field(description="Its own tags, put on every tick.")
    paused: bool
    catch_up: CatchUpValue
    created_at: str
    last_tick: str = strawberry.field(description="The time of the last tick pushed (at first: its creation).")
    next_tick: str | None = strawberry.field(description="When the next tick is due; null while paused.")

    @classmethod
    def from_view(cls, view: ScheduleView) -> Schedule:
        record = view.record
        return cls(
            name=record.name, cron=record.cron, timezone=record.timezone, tags=[str(tag) for tag in record.tags],
            paused=record.paused, catch_up=CatchUpValue[record.catch_up.name], created_at=format_ms(record.created_at),
            last_tick=format_ms(record.last_tick),
            next_tick=format_ms(view.next_tick) if view.next_tick is not None else None,
        )
