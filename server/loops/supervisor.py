"""The one place where a background loop's failure is caught: log it, back off, start again.

While Neo4j is away every loop fails the same way; the supervisor keeps them waiting (0.5 s,
doubling to 30 s) and resumes each as soon as an attempt succeeds, so nothing needs a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import anyio

from knitgraph.graph_schema.errors import KnitError

from ..services import Services

logger = logging.getLogger("knitgraph.server.loops")
FIRST_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 30.0


@dataclass
class LoopState:
    """What ``knitgraph status`` can tell about a loop."""

    name: str
    restarts: int = 0
    last_error: str = ""
    failing: bool = False


@dataclass
class Supervisor:
    loops: dict[str, LoopState] = field(default_factory=dict)

    async def supervise(self, name: str, loop: Callable[[], Awaitable[None]]) -> None:
        """Run ``loop`` for ever: each time it raises or returns, wait, then run it again."""
        state = self.loops.setdefault(name, LoopState(name))
        delay = FIRST_DELAY_SECONDS
        while True:
            started = anyio.current_time()
            try:
                await loop()
                message = "ended"
            except KnitError as exc:
                message = str(exc)
            except Exception as exc:  # the loops' one edge: a bug must not stop the server
                logger.exception("%s failed unexpectedly", name)
                message = f"unexpected error: {type(exc).__name__}"
            if anyio.current_time() - started > MAX_DELAY_SECONDS:
                delay = FIRST_DELAY_SECONDS  # it had been working: a fresh failure, not a long outage
            state.restarts += 1
            state.last_error, state.failing = message, True
            logger.warning("%s stopped (%s); starting it again in %.1f s", name, message, delay)
            await anyio.sleep(delay)
            delay = min(delay * 2, MAX_DELAY_SECONDS)

    def loop(
        self, name: str, forever: Callable[[Services, Callable[[], None]], Awaitable[None]], services: Services
    ) -> Callable[[], Awaitable[None]]:
        """``forever(services, worked)`` as a loop to supervise, its ``worked`` telling this supervisor."""
        return lambda: forever(services, lambda: self.recovered(name))

    def recovered(self, name: str) -> None:
        """A loop calls this after a step that worked: it is healthy again."""
        if (state := self.loops.get(name)) is not None and state.failing:
            state.failing = False
            logger.info("%s works again", name)
