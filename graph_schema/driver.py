"""The one connection to Neo4j: a thin layer over the async driver's managed transactions.

``read(fn, ...)``/``write(fn, ...)`` run ``fn(tx, ...)`` as a managed transaction. The driver retries
transient failures, so every transaction function is idempotent: ids are generated before ``write``
and passed in, and writes ``MERGE`` or guard with ``WHERE NOT EXISTS``.
"""

from __future__ import annotations

from typing import Awaitable, Callable, Concatenate, ParamSpec, TypeVar

import neo4j
from neo4j import AsyncGraphDatabase, AsyncManagedTransaction

from .errors import UnavailableError

P = ParamSpec("P")
T = TypeVar("T")
TxFunction = Callable[Concatenate[AsyncManagedTransaction, P], Awaitable[T]]


class Graph:
    """A Neo4j database that knitgraph owns: a driver plus the database name."""

    def __init__(self, uri: str, user: str, password: str, database: str = "neo4j") -> None:
        self.uri = uri
        self.database = database
        self._driver = AsyncGraphDatabase.driver(
            uri, auth=(user, password), max_transaction_retry_time=15.0, notifications_min_severity="OFF"
        )

    async def verify(self) -> None:
        """Fail with an ``UnavailableError`` that says what to do if Neo4j does not answer."""
        try:
            await self._driver.verify_connectivity()
        except neo4j.exceptions.AuthError as exc:
            raise UnavailableError(
                f"Neo4j at {self.uri} refused the credentials",
                "check NEO4J_USER/NEO4J_PASSWORD, or unset NEO4J_URI to use the embedded Neo4j",
            ) from exc
        except (neo4j.exceptions.ServiceUnavailable, OSError) as exc:
            raise UnavailableError(
                f"Neo4j at {self.uri} does not answer",
                "start it with `knitgraph neo4j start` (or `knitgraph up`), or check NEO4J_URI",
            ) from exc

    async def read(self, fn: TxFunction[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        async with self._driver.session(database=self.database) as session:
            return await session.execute_read(fn, *args, **kwargs)

    async def write(self, fn: TxFunction[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        async with self._driver.session(database=self.database) as session:
            return await session.execute_write(fn, *args, **kwargs)

    async def close(self) -> None:
        await self._driver.close()
