"""``knit version`` and ``knit license``: what knit and its server are, and under which terms."""

from __future__ import annotations

from importlib.metadata import distribution

import click

from .. import __version__
from ..context import CliContext, pass_cli

DISTRIBUTION = "knitgraph"


@click.command()
@pass_cli
def version(cli: CliContext) -> None:
    """Print knit's version, then the version of the server it talks to (GraphQL `server`)."""
    click.echo(f"knit: {__version__}")
    server = cli.client.graphql("ServerInfo")["server"]
    click.echo(f"server: {server['version']} ({cli.client.http.base_url})")


@click.command("license")
def license_() -> None:
    """Print knitgraph's license (Apache-2.0), in full."""
    installed = distribution(DISTRIBUTION)
    text = next((entry.read_text() for entry in installed.files or [] if entry.name == "LICENSE"), None)
    name = installed.metadata["License-Expression"] or "Apache-2.0"
    click.echo(f"knitgraph is licensed under {name}.")
    click.echo(text if text else "The full text: https://www.apache.org/licenses/LICENSE-2.0", nl=not text)
