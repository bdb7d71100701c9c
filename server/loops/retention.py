"""Retention: every ten minutes, purge what plans' policies let go (server/services/retention.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import anyio

from ..services import Services
from ..services.retention import collect

logger = logging.getLogger("knitgraph.server.retention")
RETENTION_SECONDS = 600


async def collect_forever(services: Services, worked: Callable[[], None]) -> None:
    """Purge every ten minutes; ``worked`` is told after each pass that succeeded."""
    while True:
        collected = await collect(services, dry_run=False)
        if collected.data:
            logger.info("retention purged %d Data (%d bytes)", len(collected.data), collected.bytes)
        worked()
        await anyio.sleep(RETENTION_SECONDS)
