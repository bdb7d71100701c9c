"""Pushing and pulling on a terminal: a progress line with bytes and throughput, and Ctrl-C that
says what was kept."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ..e2e.processes import knit, knit_json
from ..trees import describe, make_varied_tree
from .harness import Terminal, run_on_terminal

pytestmark = pytest.mark.e2e
BYTES_AND_RATE = re.compile(r"\d+(\.\d+)?[kMG]?B .*[kMG]?B/s")
DONE_OF_TOTAL = re.compile(r"100%\|.*\| 1\.0[0-9]MB/1\.0[0-9]MB")  # the varied tree holds about 1 MB


def _pushed(env: dict[str, str], cwd: Path, directory: Path) -> str:
    status, screen = run_on_terminal(f"knit data push -t kind:tree {directory} > pushed.json", env=env, cwd=cwd)
    assert status == 0, screen
    assert BYTES_AND_RATE.search(screen), screen
    return str(json.loads((cwd / "pushed.json").read_text())["knitId"])


def test_push_then_pull_every_way_on_a_terminal(served: dict[str, str], tmp_path: Path) -> None:
    tree = make_varied_tree(tmp_path / "tree")
    knit_id = _pushed(served, tmp_path, tree)
    for command in (f"knit data pull {knit_id} out", f"knit data pull -x {knit_id} out",
                    f"knit data pull {knit_id} - > streamed.tar"):
        status, screen = run_on_terminal(command, env=served, cwd=tmp_path)
        assert status == 0, f"{command}\n{screen}"
        assert "unexpected error" not in screen and "Error" not in screen, screen
        assert BYTES_AND_RATE.search(screen), f"{command} shows no bytes and throughput:\n{screen}"
        assert DONE_OF_TOTAL.search(screen), f"{command} shows no size and percentage:\n{screen}"
    assert describe(tmp_path / "out" / knit_id) == describe(tree)
    assert (tmp_path / "out" / f"{knit_id}.tar").stat().st_size == (tmp_path / "streamed.tar").stat().st_size


def test_ctrl_c_during_push_stores_nothing_and_exits_130(served: dict[str, str], tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.mkdir()
    with open(big / "sparse.bin", "wb") as sparse:
        sparse.truncate(8 << 30)  # long enough to interrupt; sparse, so it costs no disk to read
    terminal = Terminal(f"knit data push -t kind:big {big}", env=served, cwd=tmp_path)
    terminal.expect(r"\| [1-9]\d*(\.\d+)?[MG]B/")  # bytes are moving: done, of the total
    terminal.interrupt()
    status, screen = terminal.finish()
    assert status == 130, screen
    assert "nothing was stored" in screen and "Traceback" not in screen, screen
    assert knit_json("data", "find", "-t", "kind:big", env=served, cwd=tmp_path) == []


def test_ctrl_c_during_pull_saves_nothing_and_exits_130(served: dict[str, str], tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.mkdir()
    with open(big / "sparse.bin", "wb") as sparse:
        sparse.truncate(512 << 20)
    knit_id = json.loads(knit("data", "push", str(big), env=served, cwd=tmp_path).stdout)["knitId"]
    terminal = Terminal(f"knit data pull -x {knit_id} out", env=served, cwd=tmp_path)
    terminal.expect(r"\| [1-9]\d*(\.\d+)?[MG]B/")
    terminal.interrupt()
    status, screen = terminal.finish()
    assert status == 130, screen
    assert "nothing was saved" in screen, screen
    assert list((tmp_path / "out").iterdir()) == []
