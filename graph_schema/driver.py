"""The one connection to Neo4j: a thin layer over the async driver's managed transactions.

``read(fn, ...)``/``write(fn, ...)`` run ``fn(tx, ...)`` as a managed transaction. The driver retries
transient failures, so every transaction function is idempotent: ids are generated before ``write``
and passed in, and writes ``MERGE`` or guard with ``WHERE NOT EXISTS``.

The driver's errors never pass this boundary: :func:`neo4j_errors` turns them into knitgraph's own
by one table, the most specific entry first (httpx maps httpcore's errors the same way). Errors of
knitgraph's own making (a Cypher syntax error, a type error) are bugs and pass untouched.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Concatenate, Final, ParamSpec, TypeVar

import neo4j.exceptions as neo4j_exc
from neo4j import AsyncGraphDatabase, AsyncManagedTransaction, AsyncSession

from .errors import KnitError, UnavailableError

P = ParamSpec("P")
T = TypeVar("T")
TxFunction = Callable[Concatenate[AsyncManagedTransaction, P], Awaitable[T]]

_START_ADVICE = "start it with `knitgraph neo4j start` (or `knitgraph up`), or check NEO4J_URI; knitgraph resumes by itself"
# (driver error, reason with {uri}, advice); the first entry in the error's class hierarchy wins.
NEO4J_ERRORS: Final[list[tuple[type[Exception], str, str]]] = [
    (neo4j_exc.AuthError, "Neo4j at {uri} refused the credentials",
     "check NEO4J_USER/NEO4J_PASSWORD, or unset NEO4J_URI to use the embedded Neo4j"),
    (neo4j_exc.IncompleteCommit, "Neo4j at {uri} went away while committing; the change may or may not be saved",
     "look whether it is there, and send it again if not"),
    (neo4j_exc.ServiceUnavailable, "Neo4j at {uri} does not answer", _START_ADVICE),
    (neo4j_exc.SessionExpired, "Neo4j at {uri} does not answer", _START_ADVICE),
    (neo4j_exc.ConnectionPoolError, "Neo4j at {uri} does not answer in time", _START_ADVICE),
    (neo4j_exc.TransientError, "Neo4j at {uri} is busy or restarting", "try again in a moment"),
    (neo4j_exc.DatabaseError, "Neo4j at {uri} failed to serve the request", "check the Neo4j log; try again"),
    (OSError, "Neo4j at {uri} does not answer", _START_ADVICE),
]


def translate(exc: Exception, uri: str) -> KnitError | None:
    """knitgraph's error for a driver error, or None when it is not the database's fault."""
    for kind in type(exc).__mro__:
        for error, reason, advice in NEO4J_ERRORS:
            if kind is error:
                return UnavailableError(reason.format(uri=uri), advice)
    return None


@contextlib.asynccontextmanager
async def neo4j_errors(uri: str) -> AsyncIterator[None]:
    """Raise knitgraph's error (from the driver's) for anything the table knows."""
    try:
        yield
    except (neo4j_exc.Neo4jError, neo4j_exc.DriverError, OSError) as exc:
        translated = translate(exc, uri)
        if translated is None:
            raise
        raise translated from exc


@contextlib.asynccontextmanager
async def _pipelined_begin(session: AsyncSession) -> AsyncIterator[None]:
    """The transaction's BEGIN goes out with its first query instead of waiting for its own answer:
    one round trip to Neo4j fewer per transaction. The driver does this for ``execute_query``; its
    switch is private, so a driver without it just takes the extra round trip."""
    switch = getattr(session, "_pipelined_begin", None)
    with switch if isinstance(switch, contextlib.AbstractContextManager) else contextlib.nullcontext():
        yield


class Graph:
    """A Neo4j database that knitgraph owns: a driver plus the database name."""

    def __init__(self, uri: str, user: str, password: str, database: str = "neo4j") -> None:
        self.uri = uri
        self.database = database
        # While Neo4j is away callers get UNAVAILABLE within seconds, not minutes; a busy Neo4j on
        # a loaded machine still gets 10 s of retries before a request gives up on it.
        self._driver = AsyncGraphDatabase.driver(
            uri, auth=(user, password), max_transaction_retry_time=10.0, connection_timeout=5.0,
            connection_acquisition_timeout=10.0, notifications_min_severity="OFF",
        )

    async def verify(self) -> None:
        """Fail with an ``UnavailableError`` that says what to do if Neo4j does not answer."""
        async with neo4j_errors(self.uri):
            await self._driver.verify_connectivity()

    async def read(self, fn: TxFunction[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        async with neo4j_errors(self.uri), self._driver.session(database=self.database) as session, \
                _pipelined_begin(session):
            return await session.execute_read(fn, *args, **kwargs)

    async def write(self, fn: TxFunction[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        async with neo4j_errors(self.uri), self._driver.session(database=self.database) as session, \
                _pipelined_begin(session):
            return await session.execute_write(fn, *args, **kwargs)

    async def close(self) -> None:
        async with neo4j_errors(self.uri):
            await self._driver.close()

