"""Cron expressions and the catch-up rule as pure functions (no database): times worked out by hand."""

from __future__ import annotations

import pytest

from knitgraph.graph_schema.errors import InvalidInputError
from knitgraph.graph_schema.schedules import CatchUp
from knitgraph.server.services.cron import MAX_COUNTED, Cron, Tick, TickPlan, check_name, plan_ticks

MINUTE = 60_000
T0 = 1_800_000_000_000  # 2027-01-15T08:00:00Z, a whole hour
EVERY_5 = Cron.parse("*/5 * * * *")


@pytest.mark.parametrize(
    ("catch_up", "now", "plan"),
    [
        (CatchUp.LATEST, T0 + 4 * MINUTE, TickPlan([])),
        (CatchUp.LATEST, T0 + 5 * MINUTE, TickPlan([Tick(T0 + 5 * MINUTE, 0)])),
        (CatchUp.LATEST, T0 + 21 * MINUTE, TickPlan([Tick(T0 + 20 * MINUTE, 3)])),
        (CatchUp.ALL, T0 + 16 * MINUTE, TickPlan([Tick(T0 + k * 5 * MINUTE, 0) for k in (1, 2, 3)])),
        (CatchUp.NONE, T0 + 20 * MINUTE + 30_000, TickPlan([Tick(T0 + 20 * MINUTE, 3)])),
        (CatchUp.NONE, T0 + 20 * MINUTE + 61_000, TickPlan([], skip_to=T0 + 20 * MINUTE)),
    ],
    ids=["none-due", "on-time", "latest-after-downtime", "all-after-downtime", "none-late-but-on-time",
         "none-missed"],
)
def test_plan_ticks_by_rule(catch_up: CatchUp, now: int, plan: TickPlan) -> None:
    assert plan_ticks(EVERY_5, T0, now, catch_up) == plan


def test_missed_count_stops_at_its_cap_and_the_latest_is_still_found() -> None:
    month_later = T0 + 30 * 24 * 60 * MINUTE + 30_000
    assert plan_ticks(Cron.parse("* * * * *"), T0, month_later, CatchUp.LATEST) == TickPlan(
        [Tick(month_later - 30_000, MAX_COUNTED)])


def test_cron_in_a_time_zone_follows_daylight_saving() -> None:
    berlin = Cron.parse("0 3 * * *", "Europe/Berlin")
    winter, summer = 1_800_000_000_000, 1_784_000_000_000  # 2027-01-15 and 2026-07-14
    assert (next(berlin.after(winter)) // MINUTE) % (24 * 60) == 2 * 60, "03:00 CET is 02:00 UTC"
    assert (next(berlin.after(summer)) // MINUTE) % (24 * 60) == 1 * 60, "03:00 CEST is 01:00 UTC"


@pytest.mark.parametrize(
    ("expression", "timezone", "reason"),
    [
        ("*/0 * * * *", "UTC", "cron expression '*/0 * * * *' is invalid: Bad minute"),
        ("@daily", "UTC", "cron expression '@daily' has 1 fields, not 5"),
        ("* * * * *", "a" * 5000, "unknown time zone 'aaaa"),
        ("* * * * *", "../etc/passwd", "unknown time zone '../etc/passwd'"),
    ],
    ids=["bad-step", "nickname", "long-zone", "path-zone"],
)
def test_invalid_cron_or_time_zone_is_refused(expression: str, timezone: str, reason: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        Cron.parse(expression, timezone)
    assert refused.value.reason.startswith(reason) and refused.value.advice


@pytest.mark.parametrize("name", ["", "-a", "A", "a_b", "a" * 64, "a.b", "ä"])
def test_schedule_names_outside_the_rule_are_refused(name: str) -> None:
    with pytest.raises(InvalidInputError):
        check_name(name)
    assert check_name("a" * 63) == "a" * 63 and check_name("0-nightly") == "0-nightly"
