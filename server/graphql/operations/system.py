"""Facts about the server itself."""

from __future__ import annotations

import strawberry

from ...services import system as system_service
from ..context import Info


@strawberry.type
class ServerInfo:
    version: str
    neo4j_uri: str
    schema_version: str
    run_network: bool = strawberry.field(
        description="Whether the Runs of a plan without knitgraph's annotations can reach the network."
    )
    executor: str = strawberry.field(
        description="The executor of a plan without knitgraph's annotations: process, docker or kubernetes."
    )
    container_engine: str | None = strawberry.field(description="The container engine's URL, if one answers.")


@strawberry.type
class SystemQuery:
    @strawberry.field(
        description="knitgraph's version, the Neo4j it uses, the schema version and whether Runs have network."
    )
    def server(self, info: Info) -> ServerInfo:
        facts = system_service.server_facts(info.context.services)
        return ServerInfo(version=facts.version, neo4j_uri=facts.neo4j_uri, schema_version=facts.schema_version,
                          run_network=facts.run_network, executor=facts.executor,
                          container_engine=facts.container_engine)
