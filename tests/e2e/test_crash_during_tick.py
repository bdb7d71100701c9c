"""A server killed while a schedule catches up its ticks: after a restart every tick exists exactly
once, and the content of a tick the crash cut short is swept."""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from knitgraph.graph_schema.data import find_data, find_existing_knit_ids
from knitgraph.graph_schema.schedules import CatchUp, create_schedule, find_schedules
from knitgraph.graph_schema.timefmt import now_ms
from knitgraph.server.content_store import LocalContentStore
from knitgraph.server.settings import Settings

from ..conftest import run_on_graph
from .processes import ServerProcess, wait_until

MINUTE = 60_000


def _tick_times(settings: Settings) -> list[str]:
    ticks = run_on_graph(settings, lambda graph: find_data(graph, []))
    return [tag.value for d in ticks for tag in d.user_tags if tag.key == "tick"]


def _last_tick(settings: Settings) -> int:
    (schedule,) = run_on_graph(settings, lambda graph: find_schedules(graph, "minutely"))
    return schedule.last_tick


def _contents(home: Path) -> set[str]:
    return {entry.name for entry in (home / "content").iterdir() if entry.name != ".pending"}


def _iso(millis: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(millis // 1000))


@pytest.mark.e2e
def test_sigkill_while_catching_up_ticks_loses_and_doubles_none(
    clean_graph: Settings, neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    # A minutely schedule whose server was away for 100 minutes: catch-up `all` pushes every one.
    created = now_ms() - 100 * MINUTE - 30_000
    run_on_graph(clean_graph, lambda graph: create_schedule(
        graph, name="minutely", cron="* * * * *", timezone="UTC", tags=[], paused=False, catch_up=CatchUp.ALL,
        now=created, creation=uuid.uuid4().hex))
    home = tmp_path / "server-home"
    server = ServerProcess(home, neo4j_env)
    server.start()
    try:
        wait_until(lambda: len(_contents(home)) >= 10, "the server to be catching up")
        server.kill()
        pushed_before_crash = len(_tick_times(clean_graph))
        assert 0 < pushed_before_crash < 100, "the kill should land in the middle of the catch-up"

        server.start()
        wait_until(lambda: _last_tick(clean_graph) >= (now_ms() // MINUTE) * MINUTE, "the ticks to be caught up")
    finally:
        server.stop()

    last = _last_tick(clean_graph)
    times = _tick_times(clean_graph)
    assert [t for t, n in Counter(times).items() if n > 1] == [], "no tick was pushed twice"
    first = (created // MINUTE + 1) * MINUTE
    assert sorted(times) == [_iso(t) for t in range(first, last + 1, MINUTE)], "no tick was lost"

    # A tick cut short by the kill may have left content no Data records: the sweep removes it
    # once its grace has passed.
    for marker in (home / "content" / ".pending").iterdir():
        os.utime(marker, (time.time() - 3600, time.time() - 3600))
    store = LocalContentStore(home)
    run_on_graph(clean_graph, lambda graph: store.sweep(lambda ids: find_existing_knit_ids(graph, ids)))
    recorded = run_on_graph(clean_graph, lambda graph: find_data(graph, []))
    assert _contents(home) == {d.knit_id for d in recorded}
