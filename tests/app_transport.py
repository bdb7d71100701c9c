"""knit's HTTP answered in-process by the test app: starlette's TestClient behind knit's
:class:`knitgraph.cli.http.Transport`, so ``knit`` commands run against the app without a socket."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping

import httpx
from starlette.testclient import TestClient

from knitgraph.cli.http import READ_SECONDS, Body, Response


class _AppAnswer:
    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def status(self) -> int:
        return self._response.status_code

    def header(self, name: str) -> str | None:
        return self._response.headers.get(name)

    def read(self) -> bytes:
        return self._response.read()

    def iter_bytes(self) -> Iterator[bytes]:
        return self._response.iter_bytes()


class AppTransport:
    def __init__(self, client: TestClient) -> None:
        self._client = client

    @property
    def base_url(self) -> str:
        return str(self._client.base_url)

    @contextlib.contextmanager
    def request(
        self, method: str, path: str, *, body: Body = None, headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None, read_seconds: float | None = READ_SECONDS,
    ) -> Iterator[Response]:
        with self._client.stream(method, path, content=body, headers=headers, params=params) as response:
            yield _AppAnswer(response)
