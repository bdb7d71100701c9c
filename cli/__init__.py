"""``knit``: the user's command line. It talks to the server over HTTP only (GraphQL for metadata,
the transfer endpoints for content) and imports nothing from the server packages."""

__version__ = "0.1.0"  # the distribution's version (pyproject.toml reads it from here)
