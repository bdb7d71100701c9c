"""Schedules: add, list, pause or resume, remove, and push the ticks that are due.

A tick is an uploaded Data (docs/decisions.md, "Schedules"): ``tick.json`` (schedule, time,
missed) goes through the push path (staged, verified, committed to the content store), then one
transaction moves the schedule's ``lastTick`` from the value read and records the Data, or does
nothing if another server (or an earlier attempt) moved it first. A crash between the two leaves
a content folder that no Data records; the content sweep removes it.
"""

from __future__ import annotations

import io
import json
import tarfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import anyio.to_thread

from knitgraph.graph_schema import schedules as schedules_graph
from knitgraph.graph_schema.errors import InvalidInputError
from knitgraph.graph_schema.schedules import CatchUp, ScheduleRecord, TickContent
from knitgraph.graph_schema.tags import MAX_TAGS_PER_DATA, Tag, normalize, parse_user_tags, too_many_tags
from knitgraph.graph_schema.timefmt import from_ms, now_ms

from .cron import Cron, Tick, check_name, plan_ticks
from .data import receive_upload
from .state import Services

KEY_SCHEDULE = "schedule"  # tags every tick carries: schedule:<name> and tick:<time>
KEY_TICK = "tick"
TICK_FILE = "tick.json"


@dataclass(frozen=True, slots=True)
class ScheduleView:
    record: ScheduleRecord
    next_tick: int | None  # None while paused


@dataclass(frozen=True, slots=True)
class TickReport:
    pushed: list[str]  # the knitIds of the ticks pushed, in order
    next_due: int | None  # when the next tick of an active schedule is due (None: no active schedule)


def _view(record: ScheduleRecord) -> ScheduleView:
    next_tick = None if record.paused else next(Cron.parse(record.cron, record.timezone).after(record.last_tick))
    return ScheduleView(record, next_tick)


def _own_tags(texts: list[str]) -> list[Tag]:
    tags = parse_user_tags(texts)
    for tag in tags:
        if tag.key in (KEY_SCHEDULE, KEY_TICK):
            raise InvalidInputError(f"tag key '{tag.key}' is set on every tick by the schedule itself",
                                    "leave it out: ticks carry schedule:NAME and tick:TIME already")
    if len(tags) + 2 > MAX_TAGS_PER_DATA:
        raise too_many_tags(len(tags) + 2, "a tick")
    return tags


async def add_schedule(
    services: Services, actor: str | None, *, name: str, cron: str, timezone: str | None, tags: list[str],
    catch_up: CatchUp, paused: bool,
) -> ScheduleView:
    """A new schedule; its first tick is the first cron time after now (nothing before is pushed)."""
    parsed = Cron.parse(cron, timezone or "UTC")
    record = await schedules_graph.create_schedule(
        services.graph, name=check_name(name), cron=parsed.expression, timezone=parsed.zone.key,
        tags=_own_tags(tags), paused=paused, catch_up=catch_up, now=now_ms(), creation=uuid.uuid4().hex, by=actor,
    )
    return _view(record)


async def find_schedules(services: Services, name: str | None = None) -> list[ScheduleView]:
    return [_view(record) for record in await schedules_graph.find_schedules(services.graph, name)]


async def remove_schedule(services: Services, name: str) -> ScheduleView:
    """Remove a schedule; the ticks it pushed stay."""
    return _view(await schedules_graph.delete_schedule(services.graph, name))


async def pause_schedule(services: Services, name: str, paused: bool) -> ScheduleView:
    """Pause (no tick is pushed) or resume (the next tick is the first cron time after now)."""
    return _view(await schedules_graph.set_schedule_paused(services.graph, name, paused=paused, now=now_ms()))


def tick_time(time: int) -> str:
    """A tick's time as its tag and tick.json write it: ISO 8601 in UTC, to the second."""
    return from_ms(time).strftime("%Y-%m-%dT%H:%M:%SZ")


def _tick_tar(schedule: str, tick: Tick) -> bytes:
    body = json.dumps({"schedule": schedule, "time": tick_time(tick.time), "missed": tick.missed}).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        member = tarfile.TarInfo(TICK_FILE)
        member.size, member.mode, member.mtime = len(body), 0o644, tick.time // 1000
        tar.addfile(member, io.BytesIO(body))
    return buffer.getvalue()


async def _chunks(content: bytes) -> AsyncIterator[bytes]:
    yield content


async def _push_tick(services: Services, schedule: ScheduleRecord, expected: int, tick: Tick) -> str | None:
    """Push one tick as an uploaded Data; None (its content dropped) if ``lastTick`` moved on meanwhile."""
    staged = await receive_upload(services, _chunks(_tick_tar(schedule.name, tick)))
    knit_id, run_id = str(uuid.uuid4()), str(uuid.uuid4())
    await anyio.to_thread.run_sync(services.store.commit, staged.upload_id, knit_id, staged.digest)
    tags = normalize([Tag(KEY_SCHEDULE, schedule.name), Tag(KEY_TICK, tick_time(tick.time)), *schedule.tags])
    content = TickContent(knit_id, run_id, staged.digest, staged.size, tags, uuid.uuid4().hex)
    # On failure the content stays, marked pending: the sweep keeps it if the write did land.
    pushed = await schedules_graph.push_tick(
        services.graph, schedule.name, expected=expected, tick=tick.time, now=now_ms(), content=content
    )
    if not pushed:
        await anyio.to_thread.run_sync(services.store.discard, knit_id)
        return None
    services.store.confirm(knit_id)
    return knit_id


async def _tick_schedule(services: Services, schedule: ScheduleRecord, now: int) -> list[str]:
    plan = plan_ticks(Cron.parse(schedule.cron, schedule.timezone), schedule.last_tick, now, schedule.catch_up)
    pushed: list[str] = []
    expected = schedule.last_tick
    for tick in plan.ticks:
        knit_id = await _push_tick(services, schedule, expected, tick)
        if knit_id is None:
            return pushed  # another server is ticking this schedule
        pushed.append(knit_id)
        expected = tick.time
    if plan.skip_to is not None:
        await schedules_graph.push_tick(services.graph, schedule.name, expected=expected, tick=plan.skip_to,
                                        now=now_ms(), content=None)
    return pushed


async def tick_due(services: Services, now: int) -> TickReport:
    """Push every tick due at ``now`` (epoch ms) by each active schedule's catch-up rule, from its
    stored ``lastTick``: after a restart nothing is lost, and a tick pushed already (here or by
    another server) is never pushed again."""
    pushed: list[str] = []
    next_due: int | None = None
    for schedule in await schedules_graph.find_schedules(services.graph):
        if schedule.paused:
            continue
        pushed += await _tick_schedule(services, schedule, now)
        upcoming = next(Cron.parse(schedule.cron, schedule.timezone).after(max(now, schedule.last_tick)))
        next_due = upcoming if next_due is None else min(next_due, upcoming)
    return TickReport(pushed, next_due)
