"""Which Run serves each service name now, in this server process (it is the one executing them)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import httpcore

from knitgraph.executors import Serving
from knitgraph.graph_schema.plan_spec import ServiceSpec

from .connection import TaskConnections

_started = itertools.count()


@dataclass(eq=False)
class Endpoint:
    """One Run's task as a service: how to reach it, since when it serves, how many requests it had.
    ``order``: when its task started, among this server's; the later one serves (a newer model)."""

    run_id: str
    spec: ServiceSpec
    connections: TaskConnections
    order: int = field(default_factory=lambda: next(_started))
    since_ms: int = 0
    requests: int = 0

    @property
    def pool(self) -> httpcore.AsyncConnectionPool:
        return self.connections.pool

    @classmethod
    def of(cls, run_id: str, spec: ServiceSpec, serving: Serving) -> Endpoint:
        return cls(run_id, spec, TaskConnections(serving))


@dataclass
class ServiceRegistry:
    _current: dict[str, Endpoint] = field(default_factory=dict)

    def current(self, name: str) -> Endpoint | None:
        return self._current.get(name)

    def switch(self, endpoint: Endpoint, now_ms: int) -> Endpoint | None:
        """``endpoint`` serves its name from now on; returns the one it replaces. An endpoint whose
        task started before the one serving now is not switched to: it is returned itself."""
        previous = self._current.get(endpoint.spec.name)
        if previous is not None and previous.order > endpoint.order:
            return endpoint
        endpoint.since_ms = now_ms
        self._current[endpoint.spec.name] = endpoint
        return previous

    def release(self, run_id: str) -> Endpoint | None:
        """The Run's task ended: if it was serving, nothing serves its name any more."""
        for name, endpoint in list(self._current.items()):
            if endpoint.run_id == run_id:
                del self._current[name]
                return endpoint
        return None
