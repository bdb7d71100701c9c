"""The embedded Neo4j's memory: a page cache sized to the store it serves, a heap that starts small."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from knitgraph.server.embedded_neo4j.sizing import jvm_memory_flags, page_cache
from knitgraph.server.settings import Settings


def _store(data: Path, mib: int) -> None:
    folder = data / "databases" / "neo4j"
    folder.mkdir(parents=True)
    with open(folder / "neostore.nodestore.db", "wb") as out:
        out.truncate(mib << 20)


def test_a_new_install_gets_the_smallest_page_cache(tmp_path: Path) -> None:
    assert page_cache("auto", tmp_path / "data") == "64m"


def test_the_page_cache_follows_the_store_with_room_to_grow(tmp_path: Path) -> None:
    _store(tmp_path / "data", 200)
    assert page_cache("auto", tmp_path / "data") == "301m"


def test_a_huge_store_is_capped_and_a_given_size_wins(tmp_path: Path) -> None:
    _store(tmp_path / "data", 8000)
    assert page_cache("auto", tmp_path / "data") == "4096m"
    assert page_cache("12g", tmp_path / "data") == "12g"


def test_the_heap_starts_small_and_is_returned_when_idle() -> None:
    flags = jvm_memory_flags("1g")
    assert "-Xms64m" in flags and "-Xmx1g" in flags
    assert any(flag.startswith("-XX:G1PeriodicGCInterval=") for flag in flags)


@pytest.mark.parametrize(("variable", "value"), [("KNITGRAPH_NEO4J_PAGECACHE", "lots"),
                                                 ("KNITGRAPH_NEO4J_HEAP", "1 GB")])
def test_a_size_that_is_not_one_is_refused(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match=variable):
        Settings()
