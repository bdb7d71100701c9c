"""``knitgraph user`` and ``knitgraph token``: who may use this server (run where the server runs;
they talk to its Neo4j directly)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
import click

from knitgraph.graph_schema import access
from knitgraph.graph_schema.access import parse_role
from knitgraph.graph_schema.driver import Graph
from knitgraph.graph_schema.migrations import apply_migrations
from knitgraph.graph_schema.timefmt import format_ms, now_ms

from ..embedded_neo4j import connection
from ..services import access as access_service
from ..settings import Settings

T = TypeVar("T")
pass_settings = click.make_pass_decorator(Settings)


def on_graph(settings: Settings, work: Callable[[Graph], Awaitable[T]]) -> T:
    """Run ``work`` against this server's Neo4j (migrated first, so a fresh one works too)."""

    async def main() -> T:
        uri, user, password = connection(settings)
        graph = Graph(uri, user, password, settings.neo4j_database)
        try:
            await apply_migrations(graph)
            return await work(graph)
        finally:
            await graph.close()

    return anyio.run(main)


ROLE_HELP = "viewer (read), editor (read and change), or admin (and manage users)."


@click.group()
def user() -> None:
    """Users of this server and their roles."""


@user.command("add")
@click.option("--role", default="editor", show_default=True, help=ROLE_HELP)
@click.argument("name")
@pass_settings
def add_user(settings: Settings, role: str, name: str) -> None:
    """Add a user NAME; give them a token with `knitgraph token create NAME`."""
    on_graph(settings, lambda graph: access.create_user(graph, name, parse_role(role), now=now_ms()))
    click.echo(f"user {name} ({role}) added; give them a token: knitgraph token create {name}", err=True)


@user.command("role")
@click.argument("name")
@click.argument("role")
@pass_settings
def set_role(settings: Settings, name: str, role: str) -> None:
    """Change the ROLE of user NAME (viewer, editor or admin)."""
    on_graph(settings, lambda graph: access.set_role(graph, name, parse_role(role)))
    click.echo(f"user {name} is now {role}", err=True)


@user.command("list")
@pass_settings
def list_users(settings: Settings) -> None:
    """Every user: name, role, live tokens."""
    for found in on_graph(settings, access.list_users):
        click.echo(f"{found.name}\t{found.role.value}\t{found.tokens} token(s)\tsince {format_ms(found.created_at)}")


@click.group()
def token() -> None:
    """API tokens: what knit and scripts send to prove who they are."""


@token.command("create")
@click.option("--label", default="", help="What the token is for (shown by `token list`).")
@click.argument("user_name", metavar="USER")
@pass_settings
def create_token(settings: Settings, label: str, user_name: str) -> None:
    """Print a new token of USER on stdout: shown once, stored only as a hash.

    Use it as KNIT_TOKEN, in a knitprofile (`token:`), or as `Authorization: Bearer TOKEN`.
    """
    click.echo(on_graph(settings, lambda graph: access_service.create_token(graph, user_name, label)))


@token.command("list")
@pass_settings
def list_tokens(settings: Settings) -> None:
    """Every token: id, user, role, label, and whether it is revoked (secrets are never shown)."""
    for found in on_graph(settings, access.list_tokens):
        state = "revoked" if found.revoked else "active"
        click.echo(f"{found.token_id}\t{found.user}\t{found.role.value}\t{state}\t{found.label}")


@token.command("revoke")
@click.argument("token_id")
@pass_settings
def revoke_token(settings: Settings, token_id: str) -> None:
    """Revoke a token by its id (the part after `kg_`, before the next `_`); it stops working within 10 s."""
    on_graph(settings, lambda graph: access.revoke_token(graph, token_id, now=now_ms()))
    click.echo(f"token {token_id} revoked", err=True)
