"""Schedules: one node per name."""

from __future__ import annotations

from typing import Final, LiteralString

ID: Final = "m0004_schedules"

STATEMENTS: Final[tuple[LiteralString, ...]] = (
    "CREATE CONSTRAINT schedule_name IF NOT EXISTS FOR (s:Schedule) REQUIRE s.name IS UNIQUE",
)
