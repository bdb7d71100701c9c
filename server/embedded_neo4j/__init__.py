"""The embedded default database: a real Neo4j 5.26 LTS Community server that knitgraph fetches from
Maven Central with ``mvn`` (``pom.xml`` beside this file) and runs as a local process.

Jars go to the user cache (shared by every knitgraph home); configuration, data, logs and the
generated password (mode 0600) live under ``$KNITGRAPH_HOME/neo4j``. ``NEO4J_URI`` replaces all of it.
"""

from .server import EmbeddedNeo4j, connection

__all__ = ["EmbeddedNeo4j", "connection"]
