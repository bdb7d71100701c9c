"""Cron expressions (5 fields, evaluated in a schedule's IANA time zone) and which ticks are due.

The catch-up rule (docs/decisions.md, "Schedules") is :func:`plan_ticks`: given the last tick time
pushed and the time now, which tick times to push, each with how many ticks were skipped right
before it. Pure functions: the tests give them any time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

from knitgraph.graph_schema.errors import InvalidInputError
from knitgraph.graph_schema.schedules import CatchUp
from knitgraph.graph_schema.timefmt import from_ms, to_ms

NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
MAX_CATCH_UP = 100  # catch-up `all` pushes at most this many missed ticks, then the latest
MAX_COUNTED = 10_000  # missed ticks are counted up to this many (a minutely schedule down for a week)
ON_TIME_MS = 60_000  # a tick pushed later than this after its time was missed (catch-up `none` skips it)
_EXAMPLES = "e.g. '*/15 * * * *' (every 15 minutes) or '0 3 * * 1-5' (03:00 on weekdays)"


def check_name(name: str) -> str:
    if not NAME.fullmatch(name):
        raise InvalidInputError(
            f"schedule name {name[:80]!r} is not allowed",
            "use 1 to 63 lowercase letters, digits and '-', starting with a letter or digit, e.g. nightly-retrain",
        )
    return name


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a name too long for a file name
        raise InvalidInputError(
            f"unknown time zone {timezone[:80]!r}",
            "give an IANA time zone name such as Europe/Berlin or Asia/Tokyo, or leave it out for UTC",
        ) from exc


@dataclass(frozen=True, slots=True)
class Cron:
    """A valid 5-field cron expression in a time zone."""

    expression: str
    zone: ZoneInfo

    @classmethod
    def parse(cls, expression: str, timezone: str = "UTC") -> Cron:
        """Raises ``InvalidInputError`` naming what is wrong, with an example."""
        zone = _zone(timezone)
        fields = expression.split()
        if len(fields) != 5:
            raise InvalidInputError(
                f"cron expression {expression[:80]!r} has {len(fields)} fields, not 5",
                f"write minute, hour, day of month, month and day of week, {_EXAMPLES}",
            )
        normalized = " ".join(fields)
        try:
            CronSim(normalized, datetime.now(zone))
        except CronSimError as exc:
            raise InvalidInputError(f"cron expression {expression[:80]!r} is invalid: {exc}",
                                    f"check that field against crontab(5), {_EXAMPLES}") from exc
        return cls(normalized, zone)

    def after(self, moment: int) -> Iterator[int]:
        """The cron's times (epoch ms) strictly after ``moment``, oldest first."""
        for time in CronSim(self.expression, from_ms(moment).astimezone(self.zone)):
            yield to_ms(time)

    def latest(self, until: int) -> int:
        """The newest cron time at or before ``until``."""
        # CronSim backwards yields times strictly before a whole second, or at or before a fraction.
        return to_ms(next(CronSim(self.expression, from_ms(until + 1).astimezone(self.zone), reverse=True)))


@dataclass(frozen=True, slots=True)
class Tick:
    time: int  # epoch ms of the scheduled time
    missed: int  # ticks skipped right before it


@dataclass(frozen=True, slots=True)
class TickPlan:
    ticks: list[Tick]  # to push, oldest first
    skip_to: int | None = None  # with no tick to push: move lastTick here (the missed ticks are dropped)


def _due(cron: Cron, last_tick: int, now: int) -> tuple[list[int], int, int]:
    """The first due times (up to MAX_CATCH_UP + 1), how many are due (MAX_COUNTED + 1 standing for
    more than MAX_COUNTED), and the latest."""
    first: list[int] = []
    count = latest = 0
    for time in cron.after(last_tick):
        if time > now:
            break
        if count == MAX_COUNTED:
            return first, MAX_COUNTED + 1, cron.latest(now)
        count, latest = count + 1, time
        if len(first) <= MAX_CATCH_UP:
            first.append(time)
    return first, count, latest


def _missed(due: int, pushed_before: int) -> int:
    """Ticks skipped before the latest one; MAX_COUNTED when more were due than were counted."""
    return MAX_COUNTED if due > MAX_COUNTED else due - pushed_before - 1


def plan_ticks(cron: Cron, last_tick: int, now: int, catch_up: CatchUp) -> TickPlan:
    """The ticks due in (``last_tick``, ``now``] under the catch-up rule:

    - ``latest``: one tick, the most recent due time; its ``missed`` counts the ones before it.
    - ``all``: every due time oldest first; past MAX_CATCH_UP of them, the rest are skipped up to
      the most recent, pushed last with ``missed`` counting the skipped ones.
    - ``none``: the most recent due time if it is at most ON_TIME_MS old, else nothing (lastTick
      moves past the missed ones).

    ``missed`` counts up to MAX_COUNTED (more show as MAX_COUNTED), so that a pass stays short.
    """
    first, count, latest = _due(cron, last_tick, now)
    if count == 0:
        return TickPlan([])
    if catch_up is CatchUp.ALL:
        if count <= MAX_CATCH_UP + 1:
            return TickPlan([Tick(time, 0) for time in first])
        return TickPlan([*(Tick(time, 0) for time in first[:MAX_CATCH_UP]), Tick(latest, _missed(count, MAX_CATCH_UP))])
    if catch_up is CatchUp.NONE and now - latest > ON_TIME_MS:
        return TickPlan([], skip_to=latest)
    return TickPlan([Tick(latest, _missed(count, 0))])
