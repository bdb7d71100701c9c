"""``knit``: the user's command line. It talks to the server over HTTP only (GraphQL for metadata,
the transfer endpoints for content) and imports nothing from the server packages."""
