"""What knitgraph does, one function per use case, shared by the GraphQL resolvers, the HTTP
endpoints and the background loops. Each takes the :class:`Services` the server was started with.

    resolvers / endpoints / loops  ->  services  ->  graph_schema (Neo4j), content store, executors
"""

from __future__ import annotations

from .state import Services

__all__ = ["Services"]
