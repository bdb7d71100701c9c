"""What every ``knit`` command gets: the chosen profile, the client for it, the knitenv defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # imported by the commands that use them: `knit --version` needs neither
    from .client import KnitClient
    from .profiles import KnitEnv


@dataclass
class CliContext:
    """What every command gets: the chosen profile, the client for it, and the knitenv defaults."""

    profile: str | None = None
    profile_store: str | None = None
    env: str | None = None
    _client: KnitClient | None = field(default=None, repr=False)

    @property
    def client(self) -> KnitClient:
        if self._client is None:
            from .client import KnitClient
            from .http import HttpTransport
            from .profiles import resolve_server

            server = resolve_server(self.profile, self.profile_store)
            headers = {"Authorization": f"Bearer {server.token}"} if server.token else {}
            tls = None
            if server.ca:
                import base64
                import ssl

                tls = ssl.create_default_context(cadata=base64.b64decode(server.ca).decode())
            self._client = KnitClient(HttpTransport(server.api_root, headers, tls))
        return self._client

    @property
    def knitenv(self) -> KnitEnv:
        from .profiles import KnitEnv

        return KnitEnv.load(self.env)


pass_cli = click.make_pass_decorator(CliContext)
"""Hands a command the root group's :class:`CliContext`, typed."""
