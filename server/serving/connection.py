"""httpcore over an Execution: every connection to a service is a socket its executor makes (inside
a sandbox's network namespace, or to a container's published port), so the server reaches a task
that nothing else on the host can."""

from __future__ import annotations

import asyncio
import select
import typing

import anyio
import anyio.abc
import anyio.to_thread
import httpcore

from knitgraph.executors import Serving
from knitgraph.graph_schema.errors import UnavailableError

CONNECT_SECONDS = 5.0


def timeouts(seconds: float) -> dict[str, float]:
    """httpcore's ``timeout`` extension: the same limit on connecting, reading, writing and waiting."""
    return {"connect": seconds, "read": seconds, "write": seconds, "pool": seconds}


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, stream: anyio.abc.SocketStream) -> None:
        self._stream = stream

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109 - httpcore's signature
        try:
            with anyio.fail_after(timeout):
                return await self._stream.receive(max_bytes)
        except anyio.EndOfStream:
            return b""
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(str(exc)) from exc
        except (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError) as exc:
            raise httpcore.ReadError(str(exc) or type(exc).__name__) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109 - httpcore's signature
        if not buffer:
            return
        try:
            with anyio.fail_after(timeout):
                await self._stream.send(buffer)
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(str(exc)) from exc
        except (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError) as exc:
            raise httpcore.WriteError(str(exc)) from exc

    async def aclose(self) -> None:
        await self._stream.aclose()

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable":  # an idle keep-alive connection that is readable was closed by the task
            raw = self._stream.extra(anyio.abc.SocketAttribute.raw_socket)
            return bool(select.select([raw], [], [], 0)[0])
        return None


class _ToTask(httpcore.AsyncNetworkBackend):
    def __init__(self, serving: Serving) -> None:
        self.serving = serving
        self.closed = False  # the Run's task ended: no new connection to wherever its address now leads

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,  # noqa: ASYNC109 - httpcore's
                          local_address: str | None = None,
                          socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.AsyncNetworkStream:
        if self.closed:
            raise httpcore.ConnectError("the Run's task has ended")
        try:
            made, address = await anyio.to_thread.run_sync(self.serving.service_socket)
        except (OSError, UnavailableError) as exc:  # its sandbox has ended
            raise httpcore.ConnectError(str(exc)) from exc
        try:
            with anyio.fail_after(timeout or CONNECT_SECONDS):
                await asyncio.get_running_loop().sock_connect(made, address)
            return _Stream(await anyio.abc.SocketStream.from_socket(made))
        except TimeoutError as exc:
            made.close()
            raise httpcore.ConnectTimeout("the service did not accept a connection in time") from exc
        except OSError as exc:
            made.close()
            raise httpcore.ConnectError(exc.strerror or str(exc)) from exc
        except BaseException:
            made.close()  # cancelled
            raise

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)


class TaskConnections:
    """Keep-alive HTTP/1.1 connections to one Run's task; closed for good when the task ends."""

    def __init__(self, serving: Serving) -> None:
        self._backend = _ToTask(serving)
        # Idle connections are dropped before a typical server's own idle timeout (uvicorn: 5 s).
        self.pool = httpcore.AsyncConnectionPool(network_backend=self._backend, max_connections=64,
                                                 keepalive_expiry=4.0)

    def end(self) -> None:
        """The task has ended: no new connection is made (its namespace or address may be reused)."""
        self._backend.closed = True

    async def aclose(self) -> None:
        self.end()
        await self.pool.aclose()
