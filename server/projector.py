"""Turning new nominations into Runs, right after the change that caused them.

Every mutation that can nominate Data (a push, a tag change, a plan registration, later a
finished Run) calls :func:`project` with the plans it touched, so new Runs exist when the request
returns. :func:`catch_up` projects whatever a crash left unconsumed; the server runs it at start
and every few seconds.
"""

from __future__ import annotations

import logging
import uuid

import anyio

from knitgraph.graph_schema import projection
from knitgraph.graph_schema.driver import Graph
from knitgraph.graph_schema.errors import KnitError
from knitgraph.graph_schema.timefmt import now_ms

logger = logging.getLogger("knitgraph.server.projector")
CATCH_UP_INTERVAL_SECONDS = 5.0


async def project(graph: Graph, plan_ids: list[str]) -> list[str]:
    """Create the Runs for the new nominations of these plans; returns the new run ids."""
    created: list[str] = []
    for plan_id in plan_ids:
        created += await projection.project_plan(graph, plan_id, now=now_ms(), creation=uuid.uuid4().hex)
    return created


async def catch_up(graph: Graph) -> int:
    """Project every plan that still has unconsumed nominations; returns how many Runs it made."""
    made = 0
    while plan_ids := await projection.find_plans_to_project(graph):
        made += len(await project(graph, plan_ids))
    return made


async def catch_up_forever(graph: Graph) -> None:
    while True:
        try:
            made = await catch_up(graph)
            if made:
                logger.info("projection catch-up created %d runs", made)
        except KnitError as exc:
            logger.warning("projection catch-up skipped: %s", exc)
        await anyio.sleep(CATCH_UP_INTERVAL_SECONDS)
