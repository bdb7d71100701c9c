"""When each Run served which service: ``(:ServingPeriod {service, from, until, requests})-[:SERVED_BY]->(:Run)``.

A period opens when a Run of a service plan becomes healthy and takes the traffic, and closes when
it stops serving (replaced, stopped, or its task ended) with the requests it answered. A period left
open by a server that died ends, when read, at its Run's finish.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, LiteralString

from neo4j import AsyncManagedTransaction

from .driver import Graph
from .errors import NotFoundError

OPEN_PERIOD: Final[LiteralString] = """
MATCH (r:Run {runId: $runId})
CREATE (:ServingPeriod {service: $service, from: $now, until: null, requests: 0})-[:SERVED_BY]->(r)
"""

CLOSE_PERIOD: Final[LiteralString] = """
MATCH (s:ServingPeriod)-[:SERVED_BY]->(:Run {runId: $runId})
WHERE s.until IS NULL
SET s.until = $now, s.requests = s.requests + $requests
"""

PERIODS: Final[LiteralString] = """
MATCH (s:ServingPeriod)-[:SERVED_BY]->(r:Run)
WHERE ($service IS NULL OR s.service = $service) AND ($runId IS NULL OR r.runId = $runId)
RETURN s.service AS service, r.runId AS runId, s.from AS from, s.requests AS requests,
       coalesce(s.until, CASE WHEN r.status IN ['running', 'completing', 'aborting'] THEN null
                              ELSE coalesce(r.finishedAt, r.updatedAt) END) AS until,
       [(d:Data)-[:INPUT_TO]->(r) | d.knitId] AS inputs
ORDER BY s.service, s.from DESC
"""


@dataclass(frozen=True, slots=True)
class ServingPeriod:
    service: str
    run_id: str
    start: int
    until: int | None  # None: serving now
    requests: int  # answered by the end of the period (while it is open: at its start, 0)
    inputs: tuple[str, ...]  # the knitIds the Run read: the model it served


def _period(row: dict[str, Any]) -> ServingPeriod:
    return ServingPeriod(row["service"], row["runId"], row["from"], row["until"], row["requests"],
                         tuple(sorted(row["inputs"])))


async def _open(tx: AsyncManagedTransaction, run_id: str, service: str, now: int) -> None:
    await (await tx.run(OPEN_PERIOD, runId=run_id, service=service, now=now)).consume()


async def _close(tx: AsyncManagedTransaction, run_id: str, requests: int, now: int) -> None:
    await (await tx.run(CLOSE_PERIOD, runId=run_id, requests=requests, now=now)).consume()


async def open_period(graph: Graph, run_id: str, service: str, *, now: int) -> None:
    await graph.write(_open, run_id, service, now)


async def close_period(graph: Graph, run_id: str, requests: int, *, now: int) -> None:
    await graph.write(_close, run_id, requests, now)


async def _periods(tx: AsyncManagedTransaction, service: str | None, run_id: str | None) -> list[ServingPeriod]:
    result = await tx.run(PERIODS, service=service, runId=run_id)
    return [_period(row.data()) async for row in result]


async def serving_periods(graph: Graph, *, service: str | None = None, run_id: str | None = None) -> list[ServingPeriod]:
    """Periods of one service or Run (or all), by service, newest first."""
    return await graph.read(_periods, service, run_id)


async def previous_server(graph: Graph, service: str) -> ServingPeriod:
    """The latest period of a Run other than the one serving (or that served last): whom a rollback
    brings back. Raises ``NotFoundError`` when the service never had another Run."""
    periods = await serving_periods(graph, service=service)
    if not periods:
        raise NotFoundError(f"no Run ever served '{service}'", "`knit service list` shows the services")
    latest = periods[0].run_id
    earlier = next((p for p in periods if p.run_id != latest), None)
    if earlier is None:
        raise NotFoundError(f"'{service}' has had one Run only: run {latest}", "there is no earlier model to go back to")
    return earlier
