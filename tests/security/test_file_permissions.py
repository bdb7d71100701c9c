"""The knitgraph home, Data content and Neo4j's files are the server's user's alone (issue 12)."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

from knitgraph.server.content_store import LocalContentStore
from knitgraph.server.embedded_neo4j import EmbeddedNeo4j
from knitgraph.server.settings import Settings

from ..conftest import Knit


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def as_another_user(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", *command],
                          capture_output=True, text=True, check=False)


def test_home_content_and_neo4j_files_are_owner_only(knit: Knit, settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "private.txt").write_text("only the server reads this")
    knit_id = json.loads(knit("data", "push", "-t", "kind:private", str(tmp_path / "data")).stdout)["knitId"]
    neo4j = EmbeddedNeo4j(settings)
    neo4j.password()

    home = settings.home
    assert {name: mode(home / name) for name in ("", "content", "staging", "neo4j")} == dict.fromkeys(
        ("", "content", "staging", "neo4j"), 0o700)
    assert mode(neo4j.password_file) == 0o600
    for target in (home / "content" / knit_id / "private.txt", neo4j.password_file):
        refused = as_another_user("cat", str(target))
        assert refused.returncode != 0 and "Permission denied" in refused.stderr, refused
    assert "Permission denied" in as_another_user("ls", str(home)).stderr


def test_an_existing_home_is_made_private(tmp_path: Path) -> None:
    home = tmp_path / "old-home"
    (home / "content").mkdir(parents=True, mode=0o755)
    home.chmod(0o755)
    LocalContentStore(home)
    assert mode(home) == 0o700 and mode(home / "content") == 0o700
