"""knitgraph's server: the GraphQL API, the content transfer endpoints, the embedded Neo4j and the
``knitgraph`` admin command."""
