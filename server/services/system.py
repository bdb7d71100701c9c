"""Facts about the server itself, and whether it can serve."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version

from knitgraph.graph_schema.migrations import latest_id

from .state import Services


@dataclass(frozen=True, slots=True)
class ServerFacts:
    version: str
    neo4j_uri: str
    schema_version: str
    run_network: bool


def server_facts(services: Services) -> ServerFacts:
    """``run_network``: Pods of the kubernetes executor have the cluster's network; the process and
    docker executors give Runs none unless KNITGRAPH_PROCESS_NETWORK allows it."""
    settings = services.settings
    run_network = settings.executor == "kubernetes" or settings.process_network
    return ServerFacts(version("knitgraph"), services.graph.uri, latest_id(), run_network)


async def check_health(services: Services) -> str:
    """The Neo4j URI, once Neo4j answers; raises ``UnavailableError`` (with advice) when it does not."""
    await services.graph.verify()
    return services.graph.uri
