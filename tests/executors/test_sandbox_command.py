"""The sandbox's command line: a Python environment (or a mountpoint) under /tmp stays reachable by
the unprivileged task although the private /tmp scratch is mounted over it."""

from __future__ import annotations

from pathlib import Path

import pytest

from knitgraph.executors import Job, Mount, sandbox
from knitgraph.server.settings import Settings


def test_parents_under_the_scratch_are_made_reachable_after_it(monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path) -> None:
    monkeypatch.setattr(sandbox, "python_environments", lambda: [Path("/tmp/clone/.venv")])
    job = Job("r1", "", ["python", "-V"], None, [Mount(tmp_path, "/tmp/in/data", writable=False)], None)
    args = sandbox.bwrap_command(job, Settings(KNITGRAPH_HOME=tmp_path / "home"), scratch_bytes=1 << 20,
                                 seccomp_fd=3)
    scratch = args.index("/tmp", args.index("--size"))  # the private /tmp
    after = args[scratch:]
    for parent in ("/tmp/clone", "/tmp/in"):
        at = after.index(parent)
        assert after[at - 3:at] == ["--perms", "0755", "--dir"], parent
    assert after.index("/tmp/clone") < after.index("/tmp/clone/.venv")  # made before the bind needs it
