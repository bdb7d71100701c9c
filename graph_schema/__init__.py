"""The graph: every Cypher query, constraint and migration of knitgraph lives in this package.

Nothing above this package sees a neo4j ``Record``, ``Node`` or ``Result``; callers get the frozen
records of :mod:`knitgraph.graph_schema.records` and the errors of :mod:`.errors`.
"""
