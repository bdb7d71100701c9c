"""Processes the tests started that must not outlive their test (see ``stop_leftover_servers``)."""

from __future__ import annotations

from typing import Protocol


class Stoppable(Protocol):
    def stop(self) -> None: ...


RUNNING: set[Stoppable] = set()
"""Servers started and not stopped yet: a server left running would take other tests' Runs from
the shared Neo4j."""
