"""A server killed in the middle of a push leaves no Data and no content behind."""

from __future__ import annotations

import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from knitgraph.server.settings import Settings

from ..trees import describe, make_varied_tree
from .processes import ServerProcess, knit, knit_json, wait_until


def _half_a_tar(release: threading.Event) -> Iterator[bytes]:
    """A tar header and part of a large file, then silence until ``release``."""
    info = tarfile.TarInfo("big.bin")
    info.size = 64 << 20
    yield info.tobuf(format=tarfile.PAX_FORMAT)
    for _ in range(8):
        yield b"\x01" * (1 << 20)
    release.wait(timeout=120)


def _staged_bytes(home: Path) -> int:
    return sum(path.stat().st_size for path in (home / "staging").rglob("*") if path.is_file())


@pytest.mark.e2e
def test_sigkill_mid_push_leaves_nothing_and_retry_succeeds(
    clean_graph: Settings, neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    home = tmp_path / "server-home"
    server = ServerProcess(home, neo4j_env)
    server.start()
    release = threading.Event()
    failures: list[BaseException] = []

    def upload() -> None:
        try:
            httpx.post(f"{server.url}/api/uploads", content=_half_a_tar(release), timeout=120, headers=server.headers)
        except httpx.HTTPError as exc:
            failures.append(exc)

    uploader = threading.Thread(target=upload)
    uploader.start()
    try:
        wait_until(lambda: _staged_bytes(home) >= (4 << 20), "part of the push to reach the server")
        server.kill()
    finally:
        release.set()
        uploader.join()
    assert failures, "the interrupted upload must fail for the client"
    assert _staged_bytes(home) > 0, "the crash should have left a half-received upload to clean up"

    server.start()
    try:
        env = {**server.env, "KNIT_SERVER": server.url}
        assert knit_json("data", "find", env=env, cwd=tmp_path) == []
        assert list((home / "staging").iterdir()) == []
        assert [p.name for p in (home / "content").iterdir()] == [".pending"]

        tree = make_varied_tree(tmp_path / "retry")
        pushed = knit_json("data", "push", "-t", "retry:yes", str(tree), env=env, cwd=tmp_path)
        assert [d["knitId"] for d in knit_json("data", "find", "-t", "retry:yes", env=env, cwd=tmp_path)] == [
            pushed["knitId"]
        ]
        knit("data", "pull", "-x", pushed["knitId"], "out", env=env, cwd=tmp_path)
        assert describe(tmp_path / "out" / pushed["knitId"]) == describe(tree)
    finally:
        server.stop()
