"""Starting the API server as a background process and stopping it again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from knitgraph.graph_schema.errors import UnavailableError

from knitgraph.executors.processes import live_pid, reap_when_done
from ..settings import Settings
from ..private_folders import private_folder


class BackgroundServer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pid_file = settings.home / "server.pid"
        self.log_file = settings.home / "server.log"
        self.profile_file = settings.home / "knitprofile"

    def pid(self) -> int | None:
        return live_pid(self.pid_file, b"knitgraph", b"serve")

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.settings.api_root}/healthz", timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    def start(self, timeout: float = 90.0) -> int:
        """Run ``knitgraph serve`` detached, wait for /healthz, and write the CLI's knitprofile."""
        pid = self.pid()
        if pid is None:
            private_folder(self.settings.home)
            with open(self.log_file, "ab") as log:
                process = subprocess.Popen(
                    [sys.executable, "-m", "knitgraph.server.admin.main", "serve"],
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
        self.profile_file.write_text(json.dumps({"apiRoot": self.settings.api_root}) + "\n")
        return pid

    def stop(self, timeout: float = 30.0) -> bool:
        pid = self.pid()
        self.pid_file.unlink(missing_ok=True)
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        if Path(f"/proc/{pid}").exists():
            os.kill(pid, signal.SIGKILL)
        return True
