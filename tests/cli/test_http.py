"""How `knit` reaches a server over a real socket: a server that is not there, one that hangs up
mid-answer, and an HTTP proxy from the environment, each as the user sees it."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from click.testing import CliRunner

from knitgraph.cli.main import cli

from ..conftest import free_port

_FOUND = json.dumps({"data": {"findData": []}}).encode()


class _Proxy(BaseHTTPRequestHandler):
    """Answers every POST as a server would, and remembers the request line it was sent."""

    seen: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.seen.append(self.requestline)
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(_FOUND)))
        self.end_headers()
        self.wfile.write(_FOUND)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def hangs_up() -> Iterator[str]:
    """A server that reads the request and closes the connection without a word."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                connection.recv(65536)

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


def _knit(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_no_server_there_says_how_to_start_or_choose_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNIT_SERVER", f"http://127.0.0.1:{free_port()}")
    code, _, stderr = _knit("data", "find")
    assert code == 1
    assert "cannot reach the knitgraph server at http://127.0.0.1:" in stderr
    assert "knitgraph up" in stderr and "Traceback" not in stderr


def test_a_server_hanging_up_is_a_broken_connection(monkeypatch: pytest.MonkeyPatch, hangs_up: str) -> None:
    monkeypatch.setenv("KNIT_SERVER", hangs_up)
    code, _, stderr = _knit("data", "find")
    assert code == 1
    assert f"the connection to {hangs_up} broke" in stderr and "check the server log" in stderr


def test_http_proxy_from_the_environment_carries_the_request(monkeypatch: pytest.MonkeyPatch, proxy: str) -> None:
    monkeypatch.setenv("KNIT_SERVER", "http://knit.example:30803")
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    _Proxy.seen.clear()
    code, stdout, stderr = _knit("data", "find")
    assert (code, json.loads(stdout)) == (0, []), stderr
    assert _Proxy.seen == ["POST http://knit.example:30803/graphql HTTP/1.1"]


def test_no_proxy_sends_the_request_straight_to_the_server(monkeypatch: pytest.MonkeyPatch, proxy: str) -> None:
    monkeypatch.setenv("KNIT_SERVER", proxy)  # the stub answers as a server too
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")  # nothing there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    _Proxy.seen.clear()
    code, _, stderr = _knit("data", "find")
    assert code == 0, stderr
    assert _Proxy.seen == ["POST /graphql HTTP/1.1"]
