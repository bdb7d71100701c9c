"""A new service Run takes traffic only once its health path answers 2xx."""

from __future__ import annotations

import anyio
import httpcore

from .connection import timeouts
from .registry import Endpoint

POLL_SECONDS = 0.25
REQUEST_SECONDS = 5.0


class Unhealthy(Exception):
    """The service never answered its health path with 2xx in time; the last reason why."""


async def wait_healthy(endpoint: Endpoint, within_seconds: float) -> None:
    """Ask ``GET <health>`` until it answers 2xx; raises :class:`Unhealthy` after ``within_seconds``."""
    last = "it never answered"
    url = httpcore.URL(scheme=b"http", host=b"service", port=endpoint.spec.port, target=endpoint.spec.health.encode())
    with anyio.move_on_after(within_seconds):
        while True:
            try:
                # Only the status is read: a body could be endless.
                async with endpoint.pool.stream(b"GET", url, extensions={"timeout": timeouts(REQUEST_SECONDS)}) as response:
                    status = response.status
                if 200 <= status < 300:
                    return
                last = f"GET {endpoint.spec.health} answered {status}"
            except httpcore.ConnectError as exc:
                last = f"nothing accepts connections on port {endpoint.spec.port} ({exc})"
            except httpcore.TimeoutException:
                last = f"GET {endpoint.spec.health} did not answer within {REQUEST_SECONDS:.0f} s"
            except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
                last = f"GET {endpoint.spec.health} failed: {exc}"
            await anyio.sleep(POLL_SECONDS)
    raise Unhealthy(f"not healthy after {within_seconds:.0f} s: {last}")
