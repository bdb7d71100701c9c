"""The parts every service works with, built once when the server starts."""

from __future__ import annotations

from dataclasses import dataclass

from knitgraph.graph_schema.driver import Graph

from ..content_store import ContentStore
from ..settings import Settings


@dataclass(frozen=True, slots=True)
class Services:
    graph: Graph
    store: ContentStore
    settings: Settings
    engine: str | None = None  # the container engine found at start (executor_choice), by URL
