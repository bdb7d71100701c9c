"""knitgraph and knit as separate processes, the way a user runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from knitgraph.server.settings import Settings

from ..conftest import free_port, new_token
from ..leftovers import RUNNING

BIN = Path(sys.executable).parent


def wait_until(condition: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class ServerProcess:
    """`knitgraph serve` in its own process, killable at any moment."""

    def __init__(self, home: Path, neo4j_env: dict[str, str]) -> None:
        self.home = home
        self.port = free_port()
        self.env = {**os.environ, **neo4j_env, "KNITGRAPH_HOME": str(home), "KNITGRAPH_PORT": str(self.port)}
        # An admin's token, made as `knitgraph token create` makes it; knit sends it.
        self.env["KNIT_TOKEN"] = new_token(Settings(KNITGRAPH_HOME=home, **neo4j_env))
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.home / "serve.log", "ab") as log:  # read by `log_tail` when a test fails
            self.process = subprocess.Popen([str(BIN / "knitgraph"), "serve"], env=self.env, stdout=log, stderr=log)
        RUNNING.add(self)
        wait_until(self._healthy, "the API server to answer")

    def _healthy(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"knitgraph serve exited with {self.process.returncode}")
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    @property
    def headers(self) -> dict[str, str]:
        """What a raw HTTP client sends to get in: the admin token `knit` uses."""
        return {"Authorization": f"Bearer {self.env['KNIT_TOKEN']}"}

    def log_tail(self, lines: int = 60) -> str:
        path = self.home / "serve.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        RUNNING.discard(self)
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def knit(*args: str, env: dict[str, str], cwd: Path, expect: int | None = 0) -> subprocess.CompletedProcess[str]:
    """Run `knit`; ``expect``: its exit status (None: any)."""
    done = subprocess.run([str(BIN / "knit"), *args], env=env, cwd=cwd, capture_output=True, text=True, check=False)
    assert expect is None or done.returncode == expect, f"knit {' '.join(args)} -> {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def knit_json(*args: str, env: dict[str, str], cwd: Path) -> Any:
    return json.loads(knit(*args, env=env, cwd=cwd).stdout)
