"""What every resolver gets: the server's services (nothing that runs in the background) and who asks."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry

from knitgraph.server.auth.tokens import Principal
from knitgraph.server.services import Services


@dataclass
class Context:
    services: Services
    principal: Principal | None  # None only for the GraphiQL page, which runs no operation

    @property
    def actor(self) -> str | None:
        """The user to record as having made a change."""
        return self.principal.user if self.principal else None


Info = strawberry.Info[Context, None]
