"""Lifecycle webhooks, Knitfab's way (reference §7.7), against a real HTTP receiver and real Runs."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from knitgraph.server.hooks_file import HooksFileError, read_hooks_file
from knitgraph.server.settings import Settings

from ..conftest import Knit, app_client, free_port, new_token
from .test_run_execution import apply, dataset, write_plan


class Receiver:
    """An HTTP server on 127.0.0.1 that records every POST and answers as ``answer`` says."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.refusals: dict[tuple[str, str], int] = {}  # (path, status of the posted Run) -> how many 503s yet
        self.env: dict[str, str] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.calls.append((self.path, body))
                key = (self.path, body["status"])
                if receiver.refusals.get(key, 0) > 0:
                    receiver.refusals[key] -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                answer = b"{}"
                if self.path == "/before" and body["status"] == "ready" and receiver.env:
                    answer = json.dumps({"knitfabExtension": {"env": receiver.env}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def statuses(self, path: str, run_id: str) -> list[str]:
        return [body["status"] for called, body in list(self.calls) if called == path and body["runId"] == run_id]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.server.shutdown()


def hooked_knit(clean_graph: Settings, tmp_path: Path, before: list[str], after: list[str]) -> Iterator[Knit]:
    hooks = tmp_path / "hooks.yaml"
    hooks.write_text(json.dumps({"lifecycle-hooks": {"before": before, "after": after}}))
    settings = clean_graph.model_copy(update={"hooks_file": hooks})
    with app_client(settings, new_token(settings)) as test_client:
        yield Knit(test_client)


@pytest.fixture
def knit_with_hooks(clean_graph: Settings, tmp_path: Path, receiver: Receiver) -> Iterator[Knit]:
    yield from hooked_knit(clean_graph, tmp_path, [f"{receiver.url}/before"], [f"{receiver.url}/after"])


def greeting_plan(knit: Knit, tmp_path: Path) -> str:
    return apply(knit, write_plan(
        tmp_path, "greet", image="greet:v1", entrypoint=["sh", "-c", 'printf "%s" "$GREETING" > /out/1/greeting'],
        inputs=[{"path": "/in/1", "tags": ["kind:hooked"]}], outputs=[{"path": "/out/1", "tags": ["kind:greeted"]}]))


def test_hooks_see_every_transition_and_a_before_hook_sets_the_tasks_environment(
    knit_with_hooks: Knit, receiver: Receiver, tmp_path: Path
) -> None:
    knit = knit_with_hooks
    receiver.env = {"GREETING": "hello from a hook"}
    plan = greeting_plan(knit, tmp_path)
    knit("data", "push", "-t", "kind:hooked", str(dataset(tmp_path)))
    run = knit.only_run(plan)
    assert run["status"] == "done"
    knit("data", "pull", "-x", run["outputs"][0]["knitId"], "pulled")
    assert (Path("pulled") / run["outputs"][0]["knitId"] / "greeting").read_text() == "hello from a hook"

    run_id = run["runId"]
    # Before-hooks get the Run before each change, in order; after-hooks the Run after it.
    assert receiver.statuses("/before", run_id) == ["waiting", "ready", "starting", "running", "completing"]
    deadline = time.monotonic() + 10
    while len(receiver.statuses("/after", run_id)) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(receiver.statuses("/after", run_id)) == sorted(["ready", "starting", "running", "completing", "done"])
    body = next(b for p, b in receiver.calls if p == "/after" and b["status"] == "done")
    assert body["plan"]["planId"] == plan  # Knitfab's run detail JSON
    assert body["outputs"][0]["knitId"] == run["outputs"][0]["knitId"]


def test_a_refusing_before_hook_holds_the_transition_until_it_accepts(
    knit_with_hooks: Knit, receiver: Receiver, tmp_path: Path
) -> None:
    knit = knit_with_hooks
    receiver.refusals[("/before", "running")] = 2  # the exit is recorded only at the third asking
    plan = greeting_plan(knit, tmp_path)
    knit("data", "push", "-t", "kind:hooked", str(dataset(tmp_path)))
    run = knit.only_run(plan)
    assert run["status"] == "done"
    assert receiver.statuses("/before", run["runId"]).count("running") == 3
    assert "completing" in receiver.statuses("/after", run["runId"])


def test_a_failing_after_hook_never_blocks_a_run(
    clean_graph: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}/after"  # refuses connections
    for knit in hooked_knit(clean_graph, tmp_path, [], [nobody]):
        plan = greeting_plan(knit, tmp_path)
        knit("data", "push", "-t", "kind:hooked", str(dataset(tmp_path)))
        run = knit.only_run(plan)
        assert run["status"] == "done"
    # The administrator reads which hook failed, for which Run and transition, and that it was ignored.
    assert f"after-hook {nobody} for run {run['runId']} (running -> completing) failed: " in caplog.text
    assert "; ignored" in caplog.text


@pytest.mark.parametrize(("text", "problem"), [
    ("lifecycle-hooks: {before: [ftp://x]}", "'ftp://x' in lifecycle-hooks.before is not an http(s) URL"),
    ("lifecycle-hooks: {befor: [http://x]}", "must hold `lifecycle-hooks: {before: [URL...], after: [URL...]}`"),
    ("lifecycle-hooks: {after: http://x}", "lifecycle-hooks.after must be a list of URLs"),
    ("lifecycle-hooks: [", "is not valid YAML"),
])
def test_a_broken_hooks_file_is_refused_with_the_reason(tmp_path: Path, text: str, problem: str) -> None:
    file = tmp_path / "hooks.yaml"
    file.write_text(text)
    with pytest.raises(HooksFileError, match=re.escape(problem)):
        read_hooks_file(file)
