"""Users and API tokens, as the ``knitgraph`` admin commands and ``knitgraph up`` manage them."""

from __future__ import annotations

from knitgraph.graph_schema import access
from knitgraph.graph_schema.access import Role
from knitgraph.graph_schema.driver import Graph
from knitgraph.graph_schema.timefmt import now_ms

from ..auth.tokens import hash_secret, issue_token, parse_token, verify

ADMIN = "admin"


async def create_token(graph: Graph, user: str, label: str) -> str:
    """A new token for ``user``; the returned text is the only copy of its secret."""
    issued = issue_token()
    await access.create_token(graph, user, token_id=issued.token_id, secret_hash=hash_secret(issued.secret),
                              label=label, now=now_ms())
    return issued.text


async def admin_token(graph: Graph, kept: str | None) -> str:
    """The admin token for this machine's knitprofile: ``kept`` while it still works, else a new one
    (the ``admin`` user is created on first use)."""
    parsed = parse_token(kept) if kept else None
    if parsed is not None:
        principal = verify(await access.find_token(graph, parsed[0]), parsed[1])
        if principal is not None and principal.role is Role.ADMIN:
            return str(kept)
    await access.create_user(graph, ADMIN, Role.ADMIN, now=now_ms(), exist_ok=True)
    return await create_token(graph, ADMIN, "knitgraph up")
