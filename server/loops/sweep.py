"""Content sweep: unfinished uploads past their time, and content no Data records, are removed."""

from __future__ import annotations

import logging
from collections.abc import Callable

import anyio

from knitgraph.graph_schema.data import find_existing_knit_ids

from ..services import Services

logger = logging.getLogger("knitgraph.server.sweep")
SWEEP_SECONDS = 600


async def sweep_once(services: Services) -> int:
    removed = await services.store.sweep(lambda ids: find_existing_knit_ids(services.graph, ids))
    if removed:
        logger.info("removed %d unfinished uploads or unrecorded contents", removed)
    return removed


async def sweep_forever(services: Services, worked: Callable[[], None]) -> None:
    """Sweep every ten minutes; ``worked`` is told after each sweep that succeeded."""
    while True:
        await anyio.sleep(SWEEP_SECONDS)
        await sweep_once(services)
        worked()
