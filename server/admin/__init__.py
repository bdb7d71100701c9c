"""The ``knitgraph`` command: the embedded Neo4j, and the API server in the fore- or background."""
