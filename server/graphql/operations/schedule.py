"""Schedules: listing, adding, pausing or resuming, removing."""

from __future__ import annotations

import strawberry

from ...auth.roles import CanEdit
from ...services import schedules as schedule_service
from ..context import Info
from ..types.schedule import CatchUpValue, Schedule, to_catch_up


@strawberry.type
class ScheduleQuery:
    @strawberry.field(description="Every schedule, or the one named, by name.")
    async def schedules(self, info: Info, name: str | None = None) -> list[Schedule]:
        return [Schedule.from_view(v) for v in await schedule_service.find_schedules(info.context.services, name)]


@strawberry.type
class ScheduleMutation:
    @strawberry.mutation(
        permission_classes=[CanEdit],
        description="Add a schedule: from the first cron time after now on, it pushes a tick Data at every cron "
        "time. timezone: an IANA name (default UTC).",
    )
    async def add_schedule(
        self, info: Info, name: str, cron: str, tags: list[str] | None = None, timezone: str | None = None,
        catch_up: CatchUpValue = CatchUpValue.LATEST, paused: bool = False,
    ) -> Schedule:
        return Schedule.from_view(await schedule_service.add_schedule(
            info.context.services, info.context.actor, name=name, cron=cron, timezone=timezone, tags=tags or [],
            catch_up=to_catch_up(catch_up), paused=paused,
        ))

    @strawberry.mutation(permission_classes=[CanEdit],
                         description="Remove a schedule; the ticks it pushed stay (they are Data).")
    async def remove_schedule(self, info: Info, name: str) -> Schedule:
        return Schedule.from_view(await schedule_service.remove_schedule(info.context.services, name))

    @strawberry.mutation(
        permission_classes=[CanEdit],
        description="Pause a schedule (it pushes nothing), or resume it (paused: false): its next tick is the first "
        "cron time after now; the ticks of the pause are not caught up.",
    )
    async def pause_schedule(self, info: Info, name: str, paused: bool) -> Schedule:
        return Schedule.from_view(await schedule_service.pause_schedule(info.context.services, name, paused))
