"""Which Run serves each service name now, in this server process (it is the one executing them)."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpcore

from knitgraph.executors import Serving
from knitgraph.graph_schema.plan_spec import ServiceSpec

from .connection import connection_pool


@dataclass(eq=False)
class Endpoint:
    """One Run's task as a service: how to reach it, since when it serves, how many requests it had."""

    run_id: str
    spec: ServiceSpec
    pool: httpcore.AsyncConnectionPool
    since_ms: int = 0
    requests: int = 0

    @classmethod
    def of(cls, run_id: str, spec: ServiceSpec, serving: Serving) -> Endpoint:
        return cls(run_id, spec, connection_pool(serving))


@dataclass
class ServiceRegistry:
    _current: dict[str, Endpoint] = field(default_factory=dict)

    def current(self, name: str) -> Endpoint | None:
        return self._current.get(name)

    def switch(self, endpoint: Endpoint, now_ms: int) -> Endpoint | None:
        """``endpoint`` serves its name from now on; returns the one it replaces."""
        endpoint.since_ms = now_ms
        previous = self._current.get(endpoint.spec.name)
        self._current[endpoint.spec.name] = endpoint
        return previous

    def release(self, run_id: str) -> Endpoint | None:
        """The Run's task ended: if it was serving, nothing serves its name any more."""
        for name, endpoint in list(self._current.items()):
            if endpoint.run_id == run_id:
                del self._current[name]
                return endpoint
        return None

    def names(self) -> dict[str, Endpoint]:
        return dict(self._current)
