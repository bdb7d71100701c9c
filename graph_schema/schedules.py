"""Schedules: ``(:Schedule {name, cron, timezone, tags, paused, catchUp, createdAt, lastTick})``.

A schedule pushes a tick Data on its cron expression. The tick is an ordinary uploaded Data (the
``knit#uploaded`` Run and its Data, written by :func:`data.record_uploaded_data`), created in the
same transaction that moves ``lastTick`` (epoch ms of the last tick time pushed) forward, and only
if ``lastTick`` still holds the value the caller read: two servers, or a retried tick, never push
one tick twice. ``tags`` holds the schedule's own tags as ``key:value`` strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, LiteralString

from neo4j import AsyncManagedTransaction

from .data import record_uploaded_data, uploaded_data_params
from .driver import Graph
from .errors import ConflictError, NotFoundError
from .tags import Tag

CREATE_SCHEDULE: Final[LiteralString] = """
MERGE (s:Schedule {name: $name})
ON CREATE SET s.cron = $cron, s.timezone = $timezone, s.tags = $tags, s.paused = $paused, s.catchUp = $catchUp,
    s.createdAt = $now, s.lastTick = $now, s.createdBy = $by, s.creation = $creation
RETURN s {.name, .cron, .timezone, .tags, .paused, .catchUp, .createdAt, .lastTick} AS schedule,
    s.creation = $creation AS created
"""

FIND_SCHEDULES: Final[LiteralString] = """
MATCH (s:Schedule)
WHERE $name IS NULL OR s.name = $name
RETURN s {.name, .cron, .timezone, .tags, .paused, .catchUp, .createdAt, .lastTick} AS schedule
ORDER BY s.name
"""

DELETE_SCHEDULE: Final[LiteralString] = """
MATCH (s:Schedule {name: $name})
WITH s, s {.name, .cron, .timezone, .tags, .paused, .catchUp, .createdAt, .lastTick} AS schedule
DELETE s
RETURN schedule
"""

# The first SET takes the write lock, so the lastTick read after it is the latest committed one.
SET_PAUSED: Final[LiteralString] = """
MATCH (s:Schedule {name: $name})
SET s.changedAt = $now
WITH s
SET s.lastTick = CASE WHEN s.paused AND NOT $paused AND $now > s.lastTick THEN $now ELSE s.lastTick END,
    s.paused = $paused
RETURN s {.name, .cron, .timezone, .tags, .paused, .catchUp, .createdAt, .lastTick} AS schedule
"""

# Compare and set: the lock first (SET), then the comparison, then the move.
ADVANCE_LAST_TICK: Final[LiteralString] = """
MATCH (s:Schedule {name: $name})
SET s.tickedAt = $now
WITH s
WHERE s.lastTick = $expected AND NOT s.paused
SET s.lastTick = $tick
RETURN s.name AS name
"""


class CatchUp(StrEnum):
    """What a schedule pushes for the ticks it missed while no server ran (docs/decisions.md)."""

    LATEST = "latest"  # one tick, for the most recent missed time
    ALL = "all"  # every missed tick, oldest first (at most 100, then the latest)
    NONE = "none"  # nothing; the next tick comes on time


@dataclass(frozen=True, slots=True)
class ScheduleRecord:
    name: str
    cron: str
    timezone: str  # an IANA name; "UTC" unless given
    tags: tuple[Tag, ...]  # the schedule's own tags, put on every tick
    paused: bool
    catch_up: CatchUp
    created_at: int
    last_tick: int  # epoch ms of the last tick time pushed (at first: the creation time)


@dataclass(frozen=True, slots=True)
class TickContent:
    """A tick's content, already in the content store under ``knit_id``, and its Data's tags."""

    knit_id: str
    run_id: str
    digest: str
    size: int
    tags: list[Tag]
    creation: str  # a token unique per tick (see ``project_plan``)


def schedule_not_found(name: str) -> NotFoundError:
    return NotFoundError(f"schedule '{name}' is not found", "list schedules with `knit schedule list`")


def _record(row: dict[str, Any]) -> ScheduleRecord:
    return ScheduleRecord(
        name=row["name"], cron=row["cron"], timezone=row["timezone"],
        tags=tuple(Tag.parse(text) for text in row["tags"]), paused=bool(row["paused"]),
        catch_up=CatchUp(row["catchUp"]), created_at=row["createdAt"], last_tick=row["lastTick"],
    )


async def _create(tx: AsyncManagedTransaction, /, **params: Any) -> tuple[ScheduleRecord, bool]:
    record = await (await tx.run(CREATE_SCHEDULE, **params)).single()
    assert record is not None, "MERGE always returns its node"
    return _record(record["schedule"]), bool(record["created"])


async def create_schedule(
    graph: Graph, *, name: str, cron: str, timezone: str, tags: list[Tag], paused: bool, catch_up: CatchUp,
    now: int, creation: str, by: str | None = None,
) -> ScheduleRecord:
    """A new schedule whose ``lastTick`` is ``now`` (no backfill). ``creation``: a token unique per
    call, so that a retried write knows its own node. Raises ``ConflictError`` if the name is taken."""
    schedule, created = await graph.write(
        _create, name=name, cron=cron, timezone=timezone, tags=[str(tag) for tag in tags], paused=paused,
        catchUp=catch_up.value, now=now, creation=creation, by=by,
    )
    if not created:
        raise ConflictError(f"schedule '{name}' already exists",
                            f"choose another name, or remove it first with `knit schedule rm {name}`")
    return schedule


async def _find(tx: AsyncManagedTransaction, name: str | None) -> list[ScheduleRecord]:
    result = await tx.run(FIND_SCHEDULES, name=name)
    return [_record(row["schedule"]) async for row in result]


async def find_schedules(graph: Graph, name: str | None = None) -> list[ScheduleRecord]:
    """Every schedule (or the one named), by name."""
    return await graph.read(_find, name)


async def _delete(tx: AsyncManagedTransaction, name: str) -> ScheduleRecord | None:
    record = await (await tx.run(DELETE_SCHEDULE, name=name)).single()
    return None if record is None else _record(record["schedule"])


async def delete_schedule(graph: Graph, name: str) -> ScheduleRecord:
    """Remove the schedule (its ticks stay: they are Data, upstream of Runs); returns it as it was.
    Raises ``NotFoundError``."""
    removed = await graph.write(_delete, name)
    if removed is None:
        raise schedule_not_found(name)
    return removed


async def _set_paused(tx: AsyncManagedTransaction, name: str, paused: bool, now: int) -> ScheduleRecord | None:
    record = await (await tx.run(SET_PAUSED, name=name, paused=paused, now=now)).single()
    return None if record is None else _record(record["schedule"])


async def set_schedule_paused(graph: Graph, name: str, *, paused: bool, now: int) -> ScheduleRecord:
    """Pause or resume. Resuming a paused schedule moves ``lastTick`` to ``now``: the ticks of the
    pause are not caught up. Raises ``NotFoundError``."""
    schedule = await graph.write(_set_paused, name, paused, now)
    if schedule is None:
        raise schedule_not_found(name)
    return schedule


async def _push_tick(
    tx: AsyncManagedTransaction, name: str, expected: int, tick: int, now: int, content: TickContent | None
) -> bool:
    moved = await (await tx.run(ADVANCE_LAST_TICK, name=name, expected=expected, tick=tick, now=now)).single()
    if moved is None:
        return False
    if content is not None:
        await record_uploaded_data(tx, **uploaded_data_params(
            knit_id=content.knit_id, run_id=content.run_id, tags=content.tags, digest=content.digest, now=now,
            creation=content.creation, by=None, size=content.size,
        ))
    return True


async def push_tick(
    graph: Graph, name: str, *, expected: int, tick: int, now: int, content: TickContent | None
) -> bool:
    """Move the schedule's ``lastTick`` from ``expected`` to ``tick`` and record ``content`` as its
    tick Data (nominated, its Runs projected), in one transaction; ``content`` None only moves
    ``lastTick`` (ticks skipped). False, with nothing written, when ``lastTick`` is no longer
    ``expected`` (another server or an earlier attempt pushed it) or the schedule is paused or gone."""
    return await graph.write(_push_tick, name, expected, tick, now, content)
