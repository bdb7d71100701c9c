"""What every resolver gets: the server's services (and nothing that runs in the background)."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry

from knitgraph.server.services import Services


@dataclass
class Context:
    services: Services


Info = strawberry.Info[Context, None]
