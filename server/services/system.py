"""Facts about the server itself, and whether it can serve."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version

from knitgraph.graph_schema.migrations import latest_id

from ..executor_choice import choose
from .state import Services


@dataclass(frozen=True, slots=True)
class ServerFacts:
    version: str
    neo4j_uri: str
    schema_version: str
    run_network: bool
    executor: str
    container_engine: str | None


def server_facts(services: Services) -> ServerFacts:
    """``run_network`` and ``executor``: what a plan without knitgraph's annotations gets."""
    default = choose(services.settings, services.engine, ())
    return ServerFacts(version("knitgraph"), services.graph.uri, latest_id(), default.network, default.executor,
                       services.engine)


async def check_health(services: Services) -> str:
    """The Neo4j URI, once Neo4j answers; raises ``UnavailableError`` (with advice) when it does not."""
    await services.graph.verify()
    return services.graph.uri
