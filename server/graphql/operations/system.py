"""Facts about the server itself."""

from __future__ import annotations

from importlib.metadata import version

import strawberry

from knitgraph.graph_schema.migrations import latest_id

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
        return ServerInfo(
            version=version("knitgraph"), neo4j_uri=info.context.graph.uri, schema_version=latest_id()
        )
