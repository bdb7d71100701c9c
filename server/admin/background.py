"""Starting the API server as a background process and stopping it again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

import httpx

from knitgraph.executors.processes import live_pid, reap_when_done, terminate
from knitgraph.graph_schema.errors import UnavailableError

from ..private_folders import private_folder
from ..services.access import admin_token
from ..settings import Settings
from .access import on_graph
from .tls import tls_files


class BackgroundServer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pid_file = settings.home / "server.pid"
        self.log_file = settings.home / "server.log"
        self.profile_file = settings.home / "knitprofile"
        self.health_ok = False

    def pid(self) -> int | None:
        return live_pid(self.pid_file, b"knitgraph", b"serve")

    def healthy(self) -> bool:
        return self.health() is not None and self.health_ok

    def health(self) -> dict[str, Any] | None:
        """What the API's /healthz says (Neo4j's state, failing loops); None if it does not answer."""
        try:
            tls = tls_files(self.settings)
            verify: str | bool = str(tls.ca) if tls and tls.ca else True
            response = httpx.get(f"{self.settings.api_root}/healthz", timeout=10.0, verify=verify)
            body = response.json()
        except (httpx.HTTPError, ValueError):
            return None
        self.health_ok = response.status_code == 200
        return body if isinstance(body, dict) else None

    def start(self, timeout: float = 90.0) -> int:
        """Run ``knitgraph serve`` detached, wait for /healthz, and write the CLI's knitprofile."""
        pid = self.pid()
        if pid is None:
            private_folder(self.settings.home)
            with open(self.log_file, "ab") as log:
                process = subprocess.Popen(
                    [sys.executable, "-m", "knitgraph.server.admin.entry", "serve"],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True, env={**os.environ, "KNITGRAPH_HOME": str(self.settings.home)},
                )
            reap_when_done(process)
            pid = process.pid
            self.pid_file.write_text(str(pid))
            deadline = time.monotonic() + timeout
            while not self.healthy():
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    tail = self.log_file.read_text(errors="replace")[-1500:]
                    raise UnavailableError(f"the API server did not start: {tail}", f"see {self.log_file}")
                time.sleep(0.2)
        self.write_profile()
        return pid

    def write_profile(self) -> str:
        """The knitprofile ``knit`` finds by itself: the API root and an admin token (0600); returns
        the token (the one already there while it works)."""
        private_folder(self.settings.home)
        kept = None
        if self.profile_file.exists():
            try:
                kept = json.loads(self.profile_file.read_text()).get("token")
            except (ValueError, AttributeError):
                kept = None
        token = on_graph(self.settings, lambda graph: admin_token(graph, kept))
        profile: dict[str, Any] = {"apiRoot": self.settings.api_root, "token": token}
        tls = tls_files(self.settings)
        if tls is not None and (ca := tls.ca_base64()):
            profile["cert"] = {"ca": ca}
        fd = os.open(self.profile_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(json.dumps(profile) + "\n")
        os.chmod(self.profile_file, 0o600)
        return token

    def stop(self, timeout: float = 30.0) -> bool:
        pid = self.pid()
        self.pid_file.unlink(missing_ok=True)
        if pid is None:
            return False
        terminate(pid, timeout)
        return True
