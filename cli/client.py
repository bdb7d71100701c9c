"""The only way ``knit`` reaches the server: GraphQL documents from ``operations/`` and the content
transfer endpoints. Takes any ``httpx.Client``, so tests can hand in starlette's TestClient."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from importlib.resources import files
from typing import Any

import httpx

from knitgraph.archive import DIGEST_HEADER, SIZE_HEADER

from .errors import KnitCliError

# Content streams can pause while the other side writes to disk: generous read/write timeouts.
TIMEOUT = httpx.Timeout(10.0, read=300.0, write=300.0)
# A followed log is quiet for as long as its Run prints nothing: no read timeout.
FOLLOW_TIMEOUT = httpx.Timeout(10.0, read=None)


_DEFINITION = re.compile(r"^(query|mutation|fragment)\s+(\w+)", re.MULTILINE)
_SPREAD = re.compile(r"\.\.\.\s*(\w+)")


def _definitions() -> dict[str, str]:
    """Every operation and fragment of ``operations/*.graphql``, by name."""
    folder = files("knitgraph.cli").joinpath("operations")
    text = "\n".join(entry.read_text() for entry in folder.iterdir() if entry.name.endswith(".graphql"))
    starts = list(_DEFINITION.finditer(text))
    return {
        match.group(2): text[match.start() : starts[index + 1].start() if index + 1 < len(starts) else len(text)]
        for index, match in enumerate(starts)
    }


DEFINITIONS = _definitions()


def document(operation: str) -> str:
    """The operation with exactly the fragments it uses, so a server only needs what it asks for."""
    needed, pending = [operation], [operation]
    while pending:
        for fragment in _SPREAD.findall(DEFINITIONS[pending.pop()]):
            if fragment not in needed:
                needed.append(fragment)
                pending.append(fragment)
    return "\n".join(DEFINITIONS[name] for name in needed)


_TOKEN_ADVICE = "knit sends KNIT_TOKEN, or the `token:` of its profile (`knitgraph up` writes one; see `knit init`)"


def _error_from_body(response: httpx.Response) -> KnitCliError:
    try:
        message = response.json()["message"]
        advice = message.get("advice", "")
        if response.status_code == 401:
            advice = f"{advice}; {_TOKEN_ADVICE}" if advice else _TOKEN_ADVICE
        return KnitCliError(message["reason"], advice, message.get("see", ""))
    except (ValueError, KeyError, TypeError):
        return KnitCliError(f"server error (status code = {response.status_code})", response.text[:500])


class KnitClient:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    @contextlib.contextmanager
    def _reaching(self) -> Iterator[None]:
        try:
            yield
        except httpx.ConnectError as exc:
            if "CERTIFICATE_VERIFY_FAILED" in str(exc):
                raise KnitCliError(
                    f"the certificate of {self.http.base_url} is not trusted (CERTIFICATE_VERIFY_FAILED)",
                    "register the server with `knit init KNITPROFILE` from a knitprofile that carries its CA "
                    "(cert.ca), as `knitgraph up` writes it",
                ) from exc
            raise KnitCliError(
                f"cannot reach the knitgraph server at {self.http.base_url}",
                "start one with `knitgraph up`, or point knit at yours with KNIT_SERVER or `knit init`",
            ) from exc
        except httpx.TransportError as exc:
            raise KnitCliError(
                f"the connection to {self.http.base_url} broke: {exc}", "check the server log and try again"
            ) from exc

    def graphql(self, operation: str, **variables: Any) -> dict[str, Any]:
        """Run one named operation of the CLI's documents; raise the server's error readably."""
        payload = {"query": document(operation), "operationName": operation, "variables": variables}
        with self._reaching():
            response = self.http.post("/graphql", json=payload)
        try:
            body = response.json()
        except ValueError:
            raise _error_from_body(response) from None
        if body.get("errors"):
            first = body["errors"][0]
            extensions = first.get("extensions") or {}
            raise KnitCliError(
                extensions.get("reason", first.get("message", "unknown error")),
                extensions.get("advice", ""),
                extensions.get("see", ""),
                extensions.get("code", ""),
            )
        if response.status_code != 200 or body.get("data") is None:
            raise _error_from_body(response)
        return dict(body["data"])

    def upload(self, body: Iterator[bytes]) -> dict[str, Any]:
        with self._reaching():
            response = self.http.post(
                "/api/uploads", content=body, headers={"Content-Type": "application/x-tar"}
            )
        if response.status_code != 200:
            raise _error_from_body(response)
        return dict(response.json())

    @contextlib.contextmanager
    def download(self, knit_id: str) -> Iterator[tuple[str, int | None, Iterator[bytes]]]:
        """The Data's tar stream, the digest the server promises for it and the bytes of its files
        (None from a server that does not say)."""
        with self._reaching(), self.http.stream("GET", f"/api/data/{knit_id}/content") as response:
            if response.status_code != 200:
                response.read()
                raise _error_from_body(response)
            size = response.headers.get(SIZE_HEADER)
            yield response.headers[DIGEST_HEADER], int(size) if size else None, response.iter_bytes()

    @contextlib.contextmanager
    def run_log(self, run_id: str, follow: bool) -> Iterator[Iterator[bytes]]:
        """A Run's log as it is written (``follow``) or as it is now."""
        params = {"follow": str(follow).lower()}
        timeout = FOLLOW_TIMEOUT if follow else httpx.USE_CLIENT_DEFAULT
        with self._reaching(), self.http.stream("GET", f"/api/runs/{run_id}/log", params=params,
                                                timeout=timeout) as response:
            if response.status_code != 200:
                response.read()
                raise _error_from_body(response)
            yield response.iter_bytes()
