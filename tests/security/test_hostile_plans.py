"""Hostile Plans: each escape of issue 12 runs as a Run (a shell script as the plan's command), with
the server as root as in CI, under the process executor and again under the docker executor
(Podman). Each must be refused: the Run's log shows the attempt failing, the host and other Data
are unchanged, and a Run over a limit fails with a message naming the limit."""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from knitgraph.executors.sandbox import python_environments
from knitgraph.server.embedded_neo4j import EmbeddedNeo4j
from knitgraph.server.settings import Settings

from ..conftest import BUSYBOX_IMAGE, Knit

REFUSED = (r"Operation not permitted|[Pp]ermission denied|Read-only file system|No such file or directory"
           r"|[Dd]irectory nonexistent|nonexistent directory")


def _swappiness() -> str:
    return Path("/proc/sys/vm/swappiness").read_text().strip()


@dataclass
class Host:
    """What a hostile Run aims at: a password, another Data, a host folder."""

    settings: Settings
    tmp_path: Path
    password: str = ""
    other_data: Path = Path()
    other_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    swappiness: str = field(default_factory=lambda: _swappiness())

    @property
    def marker(self) -> Path:
        return self.tmp_path / "written-by-a-run"


@dataclass(frozen=True)
class Escape:
    script: Callable[[Host], str]
    refusal: str  # a regular expression the log must show
    resources: dict[str, str] = field(default_factory=dict)
    exit_message: str | None = None  # the Run fails with this message (a limit's)


ESCAPES = {
    "umount": Escape(lambda h: "busybox umount /in/1 && echo ESCAPED; busybox umount -l /proc && echo ESCAPED",
                     "can't unmount /in/1: Operation not permitted"),
    "remount": Escape(lambda h: "busybox mount -o remount,rw / && echo ESCAPED; touch /escaped && echo ESCAPED",
                      r"permission denied \(are you root\?\)|Operation not permitted"),
    "mount": Escape(lambda h: f"busybox mount -t tmpfs none /in/1 && echo ESCAPED; "
                              f"busybox mount --bind {h.settings.home} /in/1 && echo ESCAPED",
                    r"permission denied \(are you root\?\)|Operation not permitted"),
    "write /proc/sys": Escape(lambda h: f"echo {_swappiness()} > /proc/sys/vm/swappiness && echo ESCAPED", REFUSED),
    "read the neo4j password": Escape(lambda h: f"cat {EmbeddedNeo4j(h.settings).password_file} && echo ESCAPED",
                                      "No such file or directory"),
    "read another data": Escape(lambda h: f"cat {h.other_data}/secret.txt && echo ESCAPED; ls {h.settings.home}",
                                "No such file or directory"),
    "read /etc/shadow": Escape(lambda h: "cat /etc/shadow && echo ESCAPED", "No such file or directory"),
    "list /root": Escape(lambda h: "ls -A /root 2>/dev/null; echo listed", "listed"),
    "write another data": Escape(lambda h: f"echo changed > {h.other_data}/secret.txt && echo ESCAPED", REFUSED),
    "write the host": Escape(lambda h: f"echo hi > {h.marker} && echo ESCAPED; echo hi > /in/1/data.csv && echo ESCAPED",
                             REFUSED),
    "fork bomb": Escape(lambda h: "bomb() { bomb | bomb & }; bomb; wait; sleep 60", "",
                        {"pids": "64", "timeout": "30s"}, "reached its limit of processes, 64 (resources.pids)"),
    "fill the scratch": Escape(lambda h: "busybox dd if=/dev/zero of=/tmp/fill bs=1M count=64; sleep 60",
                               "No space left on device", {"ephemeral-storage": "8Mi", "timeout": "30s"},
                               "filled its scratch space (/tmp) of 8Mi (resources.ephemeral-storage)"),
    "fill the outputs": Escape(lambda h: "for i in 1 2 3; do busybox dd if=/dev/zero of=/out/1/f$i bs=1M count=6; done",
                               "", {"output": "8Mi"}, "wrote more than its output limit of 8Mi (resources.output)"),
    "outlive the timeout": Escape(lambda h: "echo started; sleep 60", "started", {"timeout": "2s"},
                                  "exceeded its wall-clock timeout of 2s (resources.timeout)"),
    "exhaust memory": Escape(lambda h: "python3 -c 'b = bytearray(512 * 2**20); print(len(b))'", "",
                             {"memory": "64Mi"}, "ran out of its memory limit of 64Mi (resources.memory)"),
}
# Under the docker executor: the image is busybox (no Python), the engine's own checks answer, and
# the engine does not say that a container hit its process or scratch limit: those Runs are held
# by the limit (fork fails, the tmpfs is full) and end at their timeout.
DOCKER_ESCAPES = {name: escape for name, escape in ESCAPES.items() if name != "exhaust memory"}
DOCKER_ESCAPES["fork bomb"] = Escape(ESCAPES["fork bomb"].script, "", {"pids": "64", "timeout": "5s"},
                                     "exceeded its wall-clock timeout of 5s (resources.timeout)")
DOCKER_ESCAPES["fill the scratch"] = Escape(ESCAPES["fill the scratch"].script, "No space left on device",
                                            {"ephemeral-storage": "8Mi", "timeout": "5s"},
                                            "exceeded its wall-clock timeout of 5s (resources.timeout)")


def hostile_run(knit: Knit, host: Host, name: str, escape: Escape, image: str) -> tuple[dict[str, Any], str]:
    """Push the target Data and the Run's input, apply the hostile plan; its Run and its log."""
    tag = f"case:{abs(hash(name))}"
    secret_folder = host.tmp_path / "secret"
    secret_folder.mkdir()
    (secret_folder / "secret.txt").write_text(host.other_secret)
    other = json.loads(knit("data", "push", "-t", "kind:other", str(secret_folder)).stdout)["knitId"]
    host.other_data = host.settings.home / "content" / other
    host.password = EmbeddedNeo4j(host.settings).password()
    plan = host.tmp_path / "hostile.yaml"
    plan.write_text(yaml.safe_dump({
        # An escape that is not about a limit ends well: only its log tells what was refused.
        "image": image, "entrypoint": ["sh", "-c", escape.script(host) + ("" if escape.exit_message else "; exit 0")],
        "inputs": [{"path": "/in/1", "tags": [tag]}], "outputs": [{"path": "/out/1", "tags": ["kind:hostile-out"]}],
        "log": {"tags": ["kind:hostile-log"]}, "resources": escape.resources,
    }))
    plan_id = json.loads(knit("plan", "apply", str(plan)).stdout)["planId"]
    (host.tmp_path / "input").mkdir()
    (host.tmp_path / "input" / "data.csv").write_text("1,2\n")
    knit("data", "push", "-t", tag, str(host.tmp_path / "input"))
    run = knit.only_run(plan_id, expect=1 if escape.exit_message else 0)
    return run, knit("run", "show", "--log", run["runId"]).stdout


def check_refused(host: Host, name: str, escape: Escape, run: dict[str, Any], log: str) -> None:
    assert "ESCAPED" not in log, log
    assert host.password not in log and host.other_secret not in log, log
    if escape.refusal:
        assert re.search(escape.refusal, log), log
    if escape.exit_message:
        assert run["status"] == "failed" and run["exit"]["message"] == escape.exit_message, (run["exit"], log)
    assert (host.other_data / "secret.txt").read_text() == host.other_secret
    assert not host.marker.exists()
    assert not Path("/escaped").exists()
    if name == "list /root":
        allowed = {p.relative_to("/root").parts[0] for p in python_environments() if p.is_relative_to("/root")}
        listed = set(log.split()) - {"listed"}
        assert listed <= allowed, f"{listed - allowed} of the host's /root seen in a Run"
    if name == "write /proc/sys":
        assert host.swappiness == _swappiness()


@pytest.fixture
def host(clean_graph: Settings, tmp_path: Path) -> Host:
    assert os.geteuid() == 0, "the hostile suite runs the server as root, as CI does"
    return Host(clean_graph, tmp_path)


def _leftovers(run_id: str) -> list[int]:
    """Host processes still carrying the Run's id in their environment."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and f"KNIT_RUN_ID={run_id}".encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.parametrize("name", list(ESCAPES), ids=lambda name: name.replace(" ", "-"))
def test_escape_is_refused_by_the_process_sandbox(knit: Knit, host: Host, name: str) -> None:
    escape = ESCAPES[name]
    run, log = hostile_run(knit, host, name, escape, "hostile:v1")
    check_refused(host, name, escape, run, log)
    assert _leftovers(run["runId"]) == []  # the host survives: nothing of the Run keeps running


@pytest.mark.parametrize("name", list(DOCKER_ESCAPES), ids=lambda name: name.replace(" ", "-"))
def test_escape_is_refused_by_the_container(docker_knit: Knit, host: Host, name: str) -> None:
    escape = DOCKER_ESCAPES[name]
    run, log = hostile_run(docker_knit, host, name, escape, BUSYBOX_IMAGE)
    check_refused(host, name, escape, run, log)
