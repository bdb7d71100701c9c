"""The parts every service works with, built once when the server starts."""

from __future__ import annotations

from dataclasses import dataclass, field

from knitgraph.graph_schema.driver import Graph

from ..content_store import ContentStore
from ..serving.registry import ServiceRegistry
from ..settings import Settings


@dataclass(frozen=True, slots=True)
class Services:
    graph: Graph
    store: ContentStore
    settings: Settings
    engine: str | None = None  # the container engine found at start (executor_choice), by URL
    serving: ServiceRegistry = field(default_factory=ServiceRegistry)  # which Run serves each service now
