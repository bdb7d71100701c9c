"""What every ``knit`` command gets: the chosen profile, the client for it, the knitenv defaults."""

from __future__ import annotations

import base64
import ssl
from dataclasses import dataclass, field

import click
import httpx

from .client import TIMEOUT, KnitClient
from .profiles import KnitEnv, resolve_server


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
            server = resolve_server(self.profile, self.profile_store)
            headers = {"Authorization": f"Bearer {server.token}"} if server.token else {}
            verify: ssl.SSLContext | bool = True
            if server.ca:
                verify = ssl.create_default_context(cadata=base64.b64decode(server.ca).decode())
            self._client = KnitClient(
                httpx.Client(base_url=server.api_root, timeout=TIMEOUT, headers=headers, verify=verify)
            )
        return self._client

    @property
    def knitenv(self) -> KnitEnv:
        return KnitEnv.load(self.env)


pass_cli = click.make_pass_decorator(CliContext)
"""Hands a command the root group's :class:`CliContext`, typed."""
