"""The only way ``knit`` reaches the server: GraphQL documents from ``operations/`` and the content
transfer endpoints, over a :class:`knitgraph.cli.http.Transport` (tests hand in starlette's app)."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import KnitCliError
from .http import Broken, Response, Transport, Unreachable, Untrusted

_DEFINITION = re.compile(r"^(query|mutation|fragment)\s+(\w+)", re.MULTILINE)
_SPREAD = re.compile(r"\.\.\.\s*(\w+)")


def _definitions() -> dict[str, str]:
    """Every operation and fragment of ``operations/*.graphql``, by name."""
    folder = Path(__file__).parent / "operations"
    text = "\n".join(entry.read_text() for entry in sorted(folder.glob("*.graphql")))
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


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _error_from_body(status: int, raw: bytes) -> KnitCliError:
    body = _json(raw)
    try:
        message = body["message"]
        advice = message.get("advice", "")
        if status == 401:
            advice = f"{advice}; {_TOKEN_ADVICE}" if advice else _TOKEN_ADVICE
        return KnitCliError(message["reason"], advice, message.get("see", ""))
    except (KeyError, TypeError, AttributeError):
        return KnitCliError(f"server error (status code = {status})", raw[:500].decode(errors="replace"))


class KnitClient:
    def __init__(self, http: Transport) -> None:
        self.http = http

    @contextlib.contextmanager
    def _reaching(self) -> Iterator[None]:
        try:
            yield
        except Untrusted as exc:
            raise KnitCliError(
                f"the certificate of {self.http.base_url} is not trusted ({exc})",
                "register the server with `knit init KNITPROFILE` from a knitprofile that carries its CA "
                "(cert.ca), as `knitgraph up` writes it",
            ) from exc
        except Unreachable as exc:
            raise KnitCliError(
                f"cannot reach the knitgraph server at {self.http.base_url}",
                "start one with `knitgraph up`, or point knit at yours with KNIT_SERVER or `knit init`",
            ) from exc
        except Broken as exc:
            raise KnitCliError(
                f"the connection to {self.http.base_url} broke: {exc}", "check the server log and try again"
            ) from exc

    @contextlib.contextmanager
    def _answer(self, method: str, path: str, **options: Any) -> Iterator[Response]:
        """The answer to a request, whose body is still to be read (what breaks while it is read is
        translated too); a refusal raised readably."""
        with self._reaching(), self.http.request(method, path, **options) as response:
            if response.status != 200:
                raise _error_from_body(response.status, response.read())
            yield response

    def graphql(self, operation: str, **variables: Any) -> dict[str, Any]:
        """Run one named operation of the CLI's documents; raise the server's error readably."""
        payload = {"query": document(operation), "operationName": operation, "variables": variables}
        with self._reaching(), self.http.request(
            "POST", "/graphql", body=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
        ) as response:
            status, raw = response.status, response.read()
        body = _json(raw)
        if not isinstance(body, dict):
            raise _error_from_body(status, raw)
        if body.get("errors"):
            first = body["errors"][0]
            extensions = first.get("extensions") or {}
            raise KnitCliError(
                extensions.get("reason", first.get("message", "unknown error")),
                extensions.get("advice", ""),
                extensions.get("see", ""),
                extensions.get("code", ""),
            )
        if status != 200 or body.get("data") is None:
            raise _error_from_body(status, raw)
        return dict(body["data"])

    def upload(self, body: Iterator[bytes]) -> dict[str, Any]:
        with self._answer("POST", "/api/uploads", body=body, headers={"Content-Type": "application/x-tar"}) as answer:
            return dict(json.loads(answer.read()))

    @contextlib.contextmanager
    def download(self, knit_id: str) -> Iterator[tuple[str, int | None, Iterator[bytes]]]:
        """The Data's tar stream, the digest the server promises for it and the bytes of its files
        (None from a server that does not say)."""
        from knitgraph.archive import DIGEST_HEADER, SIZE_HEADER  # the archive code: for transfers only

        with self._answer("GET", f"/api/data/{knit_id}/content") as answer:
            size = answer.header(SIZE_HEADER)
            yield answer.header(DIGEST_HEADER) or "", int(size) if size else None, answer.iter_bytes()

    @contextlib.contextmanager
    def run_log(self, run_id: str, follow: bool) -> Iterator[Iterator[bytes]]:
        """A Run's log as it is written (``follow``: no read timeout, it is quiet while the Run is)
        or as it is now."""
        params = {"follow": str(follow).lower()}
        options: dict[str, Any] = {"params": params, **({"read_seconds": None} if follow else {})}
        with self._answer("GET", f"/api/runs/{run_id}/log", **options) as answer:
            yield answer.iter_bytes()
