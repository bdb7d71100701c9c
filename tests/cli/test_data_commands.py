"""`knit data` against the real app and a real Neo4j (Knitfab reference §5.2, scenarios 2-4)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from knitgraph.server.settings import Settings

from ..conftest import Knit
from ..trees import describe, make_varied_tree


def push(knit: Knit, directory: Path, *tags: str) -> dict[str, Any]:
    args = [arg for tag in tags for arg in ("-t", tag)]
    return dict(json.loads(knit("data", "push", *args, str(directory)).stdout))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make_varied_tree(tmp_path / "dataset")


def test_push_find_pull_returns_identical_tree(knit: Knit, tree: Path, tmp_path: Path) -> None:
    pushed = push(knit, tree, "a:b")
    found = json.loads(knit("data", "find", "-t", "a:b").stdout)
    assert [d["knitId"] for d in found] == [pushed["knitId"]]
    knit("data", "pull", "-x", pushed["knitId"], str(tmp_path / "out"))
    assert describe(tmp_path / "out" / pushed["knitId"]) == describe(tree)


def test_pull_without_extract_saves_a_verified_tar(knit: Knit, tree: Path, tmp_path: Path) -> None:
    knit_id = push(knit, tree)["knitId"]
    result = knit("data", "pull", knit_id, str(tmp_path / "out"))
    assert (tmp_path / "out" / f"{knit_id}.tar").stat().st_size > (1 << 20)
    assert "saved to" in result.stderr
    assert not list((tmp_path / "out").glob(".*partial"))


def test_pushed_data_is_an_upload_run_output_with_system_tags(knit: Knit, tree: Path) -> None:
    pushed = push(knit, tree, "t:x")
    tags = pushed["tags"]
    assert f"knit#id:{pushed['knitId']}" in tags
    assert any(tag.startswith("knit#timestamp:") for tag in tags)
    assert not any(tag.startswith("knit#transient") for tag in tags)
    assert tags == sorted(tags)
    upstream = pushed["upstream"]
    assert upstream["mountpoint"] == {"path": "/upload", "tags": []}
    assert upstream["run"]["status"] == "done"
    assert upstream["run"]["plan"]["name"] == "knit#uploaded"
    assert "image" not in upstream["run"]["plan"] and "exit" not in upstream["run"]
    assert pushed["downstreams"] == [] and pushed["nomination"] == []


def test_push_name_flag_and_knitenv_tags(knit: Knit, tree: Path) -> None:
    Path("knitenv").write_text("tag:\n  - project:demo\n")
    pushed = json.loads(knit("data", "push", "-n", str(tree)).stdout)
    assert {"name:dataset", "project:demo"} <= set(pushed["tags"])


def test_push_rejects_reserved_tags_before_sending(knit: Knit, tree: Path) -> None:
    result = knit("data", "push", "-t", "knit#id:x", str(tree), expect=2)
    assert "reserved" in result.stderr
    assert json.loads(knit("data", "find").stdout) == []


def test_push_refuses_a_symlink_leaving_the_directory(knit: Knit, tmp_path: Path) -> None:
    source = tmp_path / "leaky"
    source.mkdir()
    (source / "evil").symlink_to("/etc/passwd")
    result = knit("data", "push", str(source), expect=1)
    assert "points outside" in result.stderr and "--dereference" in result.stderr
    assert json.loads(knit("data", "find").stdout) == []


def test_tag_removes_then_adds_and_reports_the_data(knit: Knit, tree: Path) -> None:
    knit_id = push(knit, tree, "foo:bar", "keep:me")["knitId"]
    changed = json.loads(knit("data", "tag", "--remove", "foo:bar", "--add", "foo:bar", knit_id).stdout)
    assert "foo:bar" in changed["tags"]
    changed = json.loads(knit("data", "tag", "--remove-key", "foo", knit_id).stdout)
    assert not any(tag.startswith("foo:") for tag in changed["tags"])
    same = json.loads(knit("data", "tag", "--add", "keep:me", "--remove", "absent:tag", knit_id).stdout)
    assert [t for t in same["tags"] if not t.startswith("knit#")] == ["keep:me"]


@pytest.mark.parametrize("flag", ["--add", "--remove", "--remove-key"])
def test_tag_rejects_system_keys(knit: Knit, tree: Path, flag: str) -> None:
    knit_id = push(knit, tree)["knitId"]
    value = "knit#x" if flag == "--remove-key" else "knit#x:y"
    assert "reserved" in knit("data", "tag", flag, value, knit_id, expect=2).stderr


@pytest.mark.parametrize("flag", ["--add", "--remove"])
def test_tag_on_unknown_data_is_not_found(knit: Knit, flag: str) -> None:
    result = knit("data", "tag", flag, "a:b", "no-such-id", expect=1)
    assert "knit#id:no-such-id is not found" in result.stderr and "advice:" in result.stderr


def test_find_by_system_tags(knit: Knit, tree: Path) -> None:
    first = push(knit, tree, "set:1")["knitId"]
    second = push(knit, tree, "set:1")["knitId"]

    def ids(*args: str) -> list[str]:
        return [d["knitId"] for d in json.loads(knit("data", "find", *args).stdout)]

    assert ids("-t", "set:1") == [first, second]  # by knit#timestamp, then knitId
    assert ids("-t", f"knit#id:{second}") == [second]
    assert ids("-t", f"knit#id:{first}", "-t", f"knit#id:{second}") == []
    assert ids("-t", "knit#transient:processing") == []
    assert ids("--transient", "yes") == []
    assert set(ids("--transient", "no")) == {first, second}
    assert ids("-t", "knit#unknown:x") == []
    assert ids("-t", "set:1", "-t", "nosuch:tag") == []
    stamp = next(t for t in json.loads(knit("data", "show", first).stdout)["tags"] if t.startswith("knit#timestamp:"))
    assert ids("-t", stamp) == [first]


def test_find_since_and_duration(knit: Knit, tree: Path) -> None:
    knit_id = push(knit, tree)["knitId"]
    assert [d["knitId"] for d in json.loads(knit("data", "find", "--since", "2000-01-01").stdout)] == [knit_id]
    assert json.loads(knit("data", "find", "--since", "2000-01-01", "--duration", "24h").stdout) == []
    assert "together" in knit("data", "find", "--duration", "1h", expect=2).stderr
    assert "not a duration" in knit("data", "find", "--since", "2000-01-01", "--duration", "soon", expect=1).stderr


def test_show_unknown_data_names_it(knit: Knit) -> None:
    result = knit("data", "show", "nope", expect=1)
    assert "Error: data knit#id:nope is not found" in result.stderr


def test_pull_refuses_to_overwrite(knit: Knit, tree: Path, tmp_path: Path) -> None:
    knit_id = push(knit, tree)["knitId"]
    (tmp_path / "out" / knit_id).mkdir(parents=True)
    assert "exists already" in knit("data", "pull", "-x", knit_id, str(tmp_path / "out"), expect=1).stderr
    assert "cannot write to '-'" in knit("data", "pull", "-x", knit_id, "-", expect=2).stderr


def test_pull_unknown_data(knit: Knit, tmp_path: Path) -> None:
    assert "not found" in knit("data", "pull", "missing", str(tmp_path), expect=1).stderr


def test_pull_of_content_damaged_on_the_server_saves_nothing(
    knit: Knit, tree: Path, tmp_path: Path, clean_graph: Settings
) -> None:
    knit_id = push(knit, tree)["knitId"]
    content = clean_graph.home / "content" / knit_id
    stored = next(path for path in content.rglob("*") if path.is_file() and not path.is_symlink() and path.stat().st_size > 1000)
    stored.write_bytes(b"not what was pushed" + stored.read_bytes()[19:])
    for flags in (["-x"], []):
        result = knit("data", "pull", *flags, knit_id, str(tmp_path / "out"), expect=1)
        assert "does not match its digest; nothing was saved" in result.stderr
        assert list((tmp_path / "out").iterdir()) == []
