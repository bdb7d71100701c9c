"""Schedules: push each schedule's due ticks (server/services/schedules.py), waking at the next due
tick, and at least every few seconds so that schedules added, paused or resumed meanwhile count."""

from __future__ import annotations

import logging
from collections.abc import Callable

import anyio

from knitgraph.graph_schema.timefmt import now_ms

from ..services import Services
from ..services.schedules import tick_due

logger = logging.getLogger("knitgraph.server.schedules")
MAX_SLEEP_SECONDS = 5.0


async def tick_forever(services: Services, worked: Callable[[], None]) -> None:
    """Tick, then sleep until the next due tick (at most five seconds); ``worked`` is told after each pass."""
    while True:
        report = await tick_due(services, now_ms())
        if report.pushed:
            logger.info("pushed %d schedule ticks", len(report.pushed))
        worked()
        wait = MAX_SLEEP_SECONDS if report.next_due is None else (report.next_due - now_ms()) / 1000
        await anyio.sleep(min(max(wait, 0.0), MAX_SLEEP_SECONDS))
