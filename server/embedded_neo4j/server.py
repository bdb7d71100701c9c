"""Installing, configuring, starting and stopping the embedded Neo4j server."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import platformdirs

from knitgraph.executors.processes import die_with_parent, live_pid, reap_when_done
from knitgraph.graph_schema.errors import UnavailableError

from ..private_folders import private_folder
from ..settings import Settings
from .sizing import jvm_memory_flags, page_cache

MAIN_CLASS = "org.neo4j.server.CommunityEntryPoint"
ADMIN_CLASS = "org.neo4j.cli.AdminTool"
SUPPORTED_JAVA = (17, 21)
REPLAN_INTERVAL = "5m"  # the least time between two plannings of one query (Neo4j's default: 10 s)
Log = Callable[[str], None]


def connection(settings: Settings) -> tuple[str, str, str]:
    """The (uri, user, password) the server connects with: NEO4J_* if set, else the embedded one."""
    if settings.neo4j_uri is not None:
        if settings.neo4j_password is None:
            raise UnavailableError(
                "NEO4J_URI is set but NEO4J_PASSWORD is not", "export NEO4J_PASSWORD for that database"
            )
        return settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password
    embedded = EmbeddedNeo4j(settings)
    return embedded.bolt_uri, "neo4j", embedded.password()


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class EmbeddedNeo4j:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.dir = settings.home / "neo4j"
        self.conf = self.dir / "conf"
        self.pid_file = self.dir / "neo4j.pid"
        self.password_file = self.dir / "password"
        self.console_log = self.dir / "logs" / "console.log"
        self.pom = files("knitgraph.server.embedded_neo4j").joinpath("pom.xml")
        self.lib = Path(platformdirs.user_cache_dir("knitgraph")) / "neo4j" / self._pom_hash() / "lib"

    @property
    def bolt_uri(self) -> str:
        return f"bolt://127.0.0.1:{self.settings.neo4j_bolt_port}"

    @property
    def browser_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.neo4j_http_port}/browser/"

    def _pom_hash(self) -> str:
        return hashlib.sha256(self.pom.read_bytes()).hexdigest()[:12]

    # -- installing ---------------------------------------------------------------------------

    def installed(self) -> bool:
        return (self.lib.parent / "complete").exists()

    def install(self, log: Log) -> None:
        """Fetch the Neo4j jars from Maven Central once (about 140 MB); later calls return at once."""
        if self.installed():
            return
        mvn = shutil.which("mvn")
        if mvn is None:
            raise UnavailableError(
                "Maven (mvn) is not installed, and the embedded Neo4j is fetched with it",
                "install it (`apt-get install maven`), or set NEO4J_URI to use another Neo4j",
            )
        log(f"fetching Neo4j 5.26 Community from Maven Central into {self.lib} (first time only)...")
        staging = self.lib.parent / "lib.partial"
        shutil.rmtree(staging, ignore_errors=True)
        staging.parent.mkdir(parents=True, exist_ok=True)
        pom = staging.parent / "pom.xml"
        pom.write_bytes(self.pom.read_bytes())
        command = [mvn, "-q", "-B", "-f", str(pom), "dependency:copy-dependencies",
                   f"-DoutputDirectory={staging}", "-DincludeScope=runtime"]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise UnavailableError(
                f"mvn could not fetch Neo4j (exit {done.returncode}): {(done.stdout + done.stderr)[-800:]}",
                "check that Maven Central is reachable, or set NEO4J_URI to use another Neo4j",
            )
        shutil.rmtree(self.lib, ignore_errors=True)
        os.rename(staging, self.lib)
        (self.lib.parent / "complete").touch()
        log(f"Neo4j installed ({len(list(self.lib.iterdir()))} jars)")

    # -- configuring --------------------------------------------------------------------------

    def java(self) -> str:
        home = os.environ.get("JAVA_HOME")
        java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
        if java is None or not Path(java).exists():
            raise UnavailableError(
                "Java is not installed; the embedded Neo4j needs Java 17 or 21",
                "install it (`apt-get install openjdk-17-jre-headless`), or set NEO4J_URI",
            )
        printed = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr
        match = re.search(r'version "(\d+)', printed)
        if match is None or int(match.group(1)) not in SUPPORTED_JAVA:
            raise UnavailableError(
                f"{java} is not Java 17 or 21 ({printed.splitlines()[0] if printed else 'no version'})",
                "point JAVA_HOME at a Java 17 or 21 installation",
            )
        return java

    def password(self) -> str:
        """The generated password, created on first use and kept in a 0600 file."""
        if not self.password_file.exists():
            private_folder(self.dir)
            fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(24))  # hex: never mistaken for a flag
        return self.password_file.read_text().strip()

    def write_conf(self) -> None:
        """Write ``conf/neo4j.conf`` for this home's settings (at every start, and before an import)."""
        s = self.settings
        private_folder(self.dir)
        self.conf.mkdir(parents=True, exist_ok=True)
        (self.dir / "logs").mkdir(parents=True, exist_ok=True)
        lines = [
            "server.default_listen_address=127.0.0.1",
            f"server.bolt.listen_address=127.0.0.1:{s.neo4j_bolt_port}",
            f"server.bolt.advertised_address=127.0.0.1:{s.neo4j_bolt_port}",
            f"server.http.listen_address=127.0.0.1:{s.neo4j_http_port}",
            f"server.http.advertised_address=127.0.0.1:{s.neo4j_http_port}",
            "server.https.enabled=false",
            f"server.directories.data={self.dir / 'data'}",
            f"server.directories.logs={self.dir / 'logs'}",
            "dbms.security.auth_enabled=true",
            "dbms.usage_report.enabled=false",
            f"server.memory.pagecache.size={page_cache(s.neo4j_pagecache, self.dir / 'data')}",
            # Runs change the counts the planner sees by more than its divergence threshold within
            # seconds; at the default 10 s every query was planned again and again (half of Neo4j's
            # CPU during a batch of Runs). Every plan seeks by id or picks its start explicitly.
            f"dbms.cypher.min_replan_interval={REPLAN_INTERVAL}",
        ]
        (self.conf / "neo4j.conf").write_text("\n".join(lines) + "\n")

    def _set_initial_password(self, java: str) -> None:
        if (self.dir / "data" / "dbms" / "auth.ini").exists():
            return
        env = {**os.environ, "NEO4J_HOME": str(self.dir), "NEO4J_CONF": str(self.conf)}
        done = subprocess.run(
            [java, "-cp", f"{self.lib}/*", ADMIN_CLASS, "dbms", "set-initial-password", self.password()],
            env=env, capture_output=True, text=True, check=False,
        )
        if done.returncode != 0:
            raise UnavailableError(
                f"could not set Neo4j's initial password: {done.stdout}{done.stderr}",
                f"remove {self.dir / 'data'} if it is from an older install, then start again",
            )

    # -- running ------------------------------------------------------------------------------

    def pid(self) -> int | None:
        """The server's pid if it runs (a stale pid file from a crash counts as not running)."""
        return live_pid(self.pid_file, MAIN_CLASS.encode())

    def start(self, log: Log, timeout: float = 180.0, *, die_with_caller: bool = False) -> None:
        """Start the server (installing it first if needed) and wait until Bolt answers.

        ``die_with_caller`` ties the server's life to this process (tests: a killed test run
        leaves no Neo4j behind); by default it outlives it, as `knitgraph up` needs."""
        if self.pid() is not None:
            log(f"Neo4j is already running ({self.bolt_uri})")
            return
        port = self.settings.neo4j_bolt_port
        for taken, variable in ((port, "BOLT"), (self.settings.neo4j_http_port, "HTTP")):
            if _port_open(taken):
                raise UnavailableError(
                    f"port {taken} is taken by another process, so the embedded Neo4j cannot listen there",
                    f"stop that process, or choose another port with KNITGRAPH_NEO4J_{variable}_PORT",
                )
        self.install(log)
        java = self.java()
        self.write_conf()
        self._set_initial_password(java)
        command = [
            java, *jvm_memory_flags(self.settings.neo4j_heap),
            "-cp", f"{self.lib}/*", MAIN_CLASS, f"--home-dir={self.dir}", f"--config-dir={self.conf}",
        ]
        with open(self.console_log, "ab") as console:
            process = subprocess.Popen(  # preexec_fn only calls prctl
                command, stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,
                start_new_session=True, cwd=self.dir, preexec_fn=die_with_parent if die_with_caller else None,
            )
        reap_when_done(process)
        self.pid_file.write_text(str(process.pid))
        log(f"starting Neo4j (pid {process.pid}, data in {self.dir / 'data'})...")
        deadline = time.monotonic() + timeout
        while not (_port_open(port) and _port_open(self.settings.neo4j_http_port)):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                tail = self.console_log.read_text(errors="replace")[-1500:]
                raise UnavailableError(
                    f"Neo4j did not start: {tail}", f"read {self.dir / 'logs'} for the whole story"
                )
            time.sleep(0.2)
        log(f"Neo4j is up: Bolt {self.bolt_uri}, Browser {self.browser_url}")

    def stop(self, log: Log, timeout: float = 60.0) -> None:
        """Stop the server gracefully (SIGTERM), killing it if it does not end in time."""
        pid = self.pid()
        if pid is None:
            log("Neo4j is not running")
            self.pid_file.unlink(missing_ok=True)
            return
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while self.pid() is not None and time.monotonic() < deadline:
            time.sleep(0.2)
        if self.pid() is not None:
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        log("Neo4j stopped")
