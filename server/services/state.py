"""The parts every service works with, built once when the server starts."""

from __future__ import annotations

from dataclasses import dataclass, field

import anyio

from knitgraph.graph_schema.driver import Graph

from ..content_store import ContentStore
from ..serving.registry import ServiceRegistry
from ..settings import Settings


class Wakeup:
    """A nudge for a loop that otherwise polls: Runs may be waiting now (a tag change, a push, a
    plan, a freed executor slot), so the run manager looks at once. A nudge while the loop is busy
    is kept for its next wait."""

    def __init__(self) -> None:
        self._event: anyio.Event | None = None
        self._pending = False

    def notify(self) -> None:
        self._pending = True
        if self._event is not None:
            self._event.set()

    async def wait(self, seconds: float) -> None:
        """Until nudged (at once if nudged since the last wait), or ``seconds`` at most."""
        if not self._pending:
            self._event = anyio.Event()
            with anyio.move_on_after(seconds):
                await self._event.wait()
            self._event = None
        self._pending = False


@dataclass(frozen=True, slots=True)
class Services:
    graph: Graph
    store: ContentStore
    settings: Settings
    engine: str | None = None  # the container engine found at start (executor_choice), by URL
    serving: ServiceRegistry = field(default_factory=ServiceRegistry)  # which Run serves each service now
    runs_waiting: Wakeup = field(default_factory=Wakeup)  # told whenever a change may have made Runs
