"""Projection catch-up: Runs for nominations that no transaction projected (a crash mid-import,
an older server). Every change projects in its own transaction, so this usually finds nothing."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import anyio

from knitgraph.graph_schema import projection
from knitgraph.graph_schema.driver import Graph
from knitgraph.graph_schema.timefmt import now_ms

from ..services import Services

logger = logging.getLogger("knitgraph.server.projection")
CATCH_UP_SECONDS = 5.0


async def catch_up(graph: Graph) -> int:
    """Project every plan that still has unconsumed nominations; returns how many Runs it made."""
    made = 0
    while plan_ids := await projection.find_plans_to_project(graph):
        for plan_id in plan_ids:
            made += len(await projection.project_plan(graph, plan_id, now=now_ms(), creation=uuid.uuid4().hex))
    return made


async def catch_up_forever(services: Services, worked: Callable[[], None]) -> None:
    """Catch up every few seconds; ``worked`` is told after each pass that succeeded."""
    while True:
        if made := await catch_up(services.graph):
            logger.info("projection catch-up created %d runs", made)
        worked()
        await anyio.sleep(CATCH_UP_SECONDS)
