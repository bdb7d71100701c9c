"""What every resolver gets: the graph, the content store and the settings."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry

from knitgraph.graph_schema.driver import Graph
from knitgraph.server.content_store import ContentStore
from knitgraph.server.run_manager import RunManager
from knitgraph.server.settings import Settings


@dataclass
class Context:
    graph: Graph
    store: ContentStore
    settings: Settings
    runs: RunManager


Info = strawberry.Info[Context, None]
