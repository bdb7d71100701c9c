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


@strawberry.type
class SystemQuery:
    @strawberry.field(description="knitgraph's version, the Neo4j it uses and the schema version.")
    def server(self, info: Info) -> ServerInfo:
        facts = system_service.server_facts(info.context.services)
        return ServerInfo(version=facts.version, neo4j_uri=facts.neo4j_uri, schema_version=facts.schema_version)
