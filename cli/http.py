"""How ``knit`` speaks HTTP to its server: the standard library's ``http.client``, one connection per
command, nothing more.

A whole HTTP client library (httpx with its transports) costs a short command more time to import
than the command takes to run; ``http.client`` is already half-loaded by the interpreter. The
standard library's errors are translated here, once, into :class:`Unreachable`, :class:`Untrusted`
and :class:`Broken`, which :class:`knitgraph.cli.client.KnitClient` turns into advice.

Proxies are honoured as the standard library reads them (``HTTP_PROXY``, ``HTTPS_PROXY``,
``NO_PROXY``): plain HTTP goes through the proxy with absolute URLs, HTTPS through a CONNECT tunnel.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl  # loaded by http.client in any case
from collections.abc import Iterable, Iterator, Mapping
from typing import Protocol
from urllib.parse import urlencode, urlsplit

CONNECT_SECONDS = 10.0
# Content streams can pause while the other side writes to disk: a generous wait for each read.
READ_SECONDS = 300.0
CHUNK = 1 << 20

Body = bytes | Iterable[bytes] | None


class HttpError(Exception):
    """The request did not get an answer; ``str()`` says why."""


class Unreachable(HttpError):
    """No connection could be made (refused, unknown host, timed out while connecting)."""


class Untrusted(HttpError):
    """The server's TLS certificate is not trusted."""


class Broken(HttpError):
    """The connection was made, then broke or went silent before the answer was complete."""


class Response(Protocol):
    """An answer whose body may still be arriving."""

    @property
    def status(self) -> int: ...

    def header(self, name: str) -> str | None: ...

    def read(self) -> bytes: ...

    def iter_bytes(self) -> Iterator[bytes]: ...


class Transport(Protocol):
    """What :class:`knitgraph.cli.client.KnitClient` needs of HTTP (tests hand in starlette's app)."""

    @property
    def base_url(self) -> str: ...

    def request(
        self, method: str, path: str, *, body: Body = None, headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None, read_seconds: float | None = READ_SECONDS,
    ) -> contextlib.AbstractContextManager[Response]: ...


class _Answer:
    def __init__(self, response: http.client.HTTPResponse) -> None:
        self._response = response

    @property
    def status(self) -> int:
        return self._response.status

    def header(self, name: str) -> str | None:
        return self._response.getheader(name)

    def read(self) -> bytes:
        with _translated():
            return self._response.read()

    def iter_bytes(self) -> Iterator[bytes]:
        with _translated():
            while chunk := self._response.read1(CHUNK):
                yield chunk


@contextlib.contextmanager
def _translated(connecting: bool = False) -> Iterator[None]:
    """The standard library's errors as this module's (the subclass test comes first: an untrusted
    certificate is an OSError too). While ``connecting``, any failure means no connection was made."""
    try:
        yield
    except ssl.SSLCertVerificationError as exc:
        raise Untrusted(f"CERTIFICATE_VERIFY_FAILED: {exc.verify_message}") from exc
    except (ConnectionRefusedError, socket.gaierror) as exc:
        raise Unreachable(str(exc)) from exc
    except (http.client.HTTPException, OSError) as exc:
        raise (Unreachable if connecting else Broken)(str(exc) or type(exc).__name__) from exc


class HttpTransport:
    """Requests to one server root (``http(s)://host:port``), with the same headers on every one."""

    def __init__(self, base_url: str, headers: Mapping[str, str], tls: ssl.SSLContext | None = None) -> None:
        self._base_url = base_url.rstrip("/")
        self._headers = dict(headers)
        self._tls = tls
        parts = urlsplit(self._base_url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or (443 if self._https else 80)
        self._prefix = parts.path

    @property
    def base_url(self) -> str:
        return self._base_url

    def _connection(self) -> tuple[http.client.HTTPConnection, str]:
        """A connection to the server or its proxy, and the request target prefix it needs: through
        a proxy, plain HTTP names the whole URL and HTTPS tunnels (CONNECT) to the server."""
        from urllib.request import getproxies_environment, proxy_bypass

        proxy = getproxies_environment().get("https" if self._https else "http")
        through = urlsplit(proxy) if proxy and not proxy_bypass(self._host) else None
        host, port = (through.hostname or "", through.port or 80) if through else (self._host, self._port)
        if self._https:
            connection = http.client.HTTPSConnection(
                host, port, timeout=CONNECT_SECONDS, context=self._tls or ssl.create_default_context()
            )
            if through:
                connection.set_tunnel(self._host, self._port)
            return connection, self._prefix
        return http.client.HTTPConnection(host, port, timeout=CONNECT_SECONDS), \
            self._base_url if through else self._prefix

    @contextlib.contextmanager
    def request(
        self, method: str, path: str, *, body: Body = None, headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None, read_seconds: float | None = READ_SECONDS,
    ) -> Iterator[Response]:
        connection, prefix = self._connection()
        target = prefix + path + (f"?{urlencode(params)}" if params else "")
        try:
            with _translated(connecting=True):
                connection.connect()
            with _translated():
                connection.sock.settimeout(read_seconds)
                # an iterable body goes out chunked (http.client chooses so when no length is given)
                connection.request(method, target, body=body, headers={**self._headers, **(headers or {})})
                answer = connection.getresponse()
            yield _Answer(answer)
        finally:
            connection.close()
