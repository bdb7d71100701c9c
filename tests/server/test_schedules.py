"""Schedules: tick Data pushed at the right times with the right tags and content under each catch-up
rule, never twice, and taken by Plans like any Data; the GraphQL API and its errors."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import anyio
import pytest
from starlette.testclient import TestClient

from knitgraph.graph_schema.access import Role
from knitgraph.graph_schema.records import DataRecord
from knitgraph.graph_schema.schedules import CatchUp
from knitgraph.server.content_store import LocalContentStore
from knitgraph.server.services import Services
from knitgraph.server.services import data as data_service
from knitgraph.server.services import schedules as schedule_service
from knitgraph.server.services.schedules import ScheduleView, tick_due
from knitgraph.server.settings import Settings

from ..conftest import Knit, app_client, graphql, new_token, run_on_graph

T = TypeVar("T")
MINUTE = 60_000


def on_services(settings: Settings, work: Callable[[Services], Awaitable[T]]) -> T:
    """Run a service call as the server would, on a connection and content store of its own."""
    return run_on_graph(settings, lambda graph: work(Services(graph, LocalContentStore(settings.home), settings)))


def add(settings: Settings, name: str, cron: str, catch_up: CatchUp = CatchUp.LATEST, tags: list[str] | None = None,
        timezone: str | None = None) -> ScheduleView:
    return on_services(settings, lambda s: schedule_service.add_schedule(
        s, None, name=name, cron=cron, timezone=timezone, tags=tags or [], catch_up=catch_up, paused=False))


def last_tick(settings: Settings, name: str) -> int:
    (view,) = on_services(settings, lambda s: schedule_service.find_schedules(s, name))
    return view.record.last_tick


def tick(settings: Settings, now: int) -> list[str]:
    return on_services(settings, lambda s: tick_due(s, now)).pushed


def ticks_of(settings: Settings, name: str) -> list[DataRecord]:
    return on_services(settings, lambda s: data_service.find_data(s, [f"schedule:{name}"], None, None, None))


def tick_json(settings: Settings, knit_id: str) -> dict[str, Any]:
    return dict(json.loads((settings.home / "content" / knit_id / "tick.json").read_text()))


def iso(millis: int) -> str:
    return datetime.fromtimestamp(millis / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def multiples(step: int, after: int, until: int) -> list[int]:
    """Every multiple of ``step`` in (after, until]: the times of `*/n` in UTC, worked out by hand."""
    first = (after // step + 1) * step
    return list(range(first, until + 1, step))


def tick_tags(data: list[DataRecord]) -> list[str]:
    return sorted(tag.value for d in data for tag in d.user_tags if tag.key == "tick")


def test_new_schedule_pushes_nothing_before_its_first_cron_time(clean_graph: Settings) -> None:
    added = add(clean_graph, "hourly", "0 * * * *")
    assert added.next_tick == multiples(60 * MINUTE, added.record.last_tick, added.record.last_tick + 60 * MINUTE)[0]
    assert tick(clean_graph, added.next_tick - 1) == []
    assert ticks_of(clean_graph, "hourly") == []


def test_on_time_tick_carries_schedule_tick_and_own_tags_and_tick_json(clean_graph: Settings) -> None:
    added = add(clean_graph, "five", "*/5 * * * *", tags=["project:weather", "kind:tick"])
    due = added.next_tick
    assert due is not None
    (knit_id,) = tick(clean_graph, due + 2_000)
    (data,) = ticks_of(clean_graph, "five")
    assert data.knit_id == knit_id
    assert {str(tag) for tag in data.user_tags} == {
        "schedule:five", f"tick:{iso(due)}", "project:weather", "kind:tick"}
    assert tick_json(clean_graph, knit_id) == {"schedule": "five", "time": iso(due), "missed": 0}
    assert data.upstream.run.plan.name == "knit#uploaded"
    assert last_tick(clean_graph, "five") == due


@pytest.mark.parametrize(
    ("catch_up", "expected"),
    [
        # 24 ticks were missed; now is 90 s past the latest of them.
        (CatchUp.LATEST, lambda due: [(due[-1], 23)]),
        (CatchUp.ALL, lambda due: [(t, 0) for t in due]),
        (CatchUp.NONE, lambda due: []),
    ],
    ids=["latest", "all", "none"],
)
def test_missed_ticks_follow_the_catch_up_rule(
    clean_graph: Settings, catch_up: CatchUp, expected: Callable[[list[int]], list[tuple[int, int]]]
) -> None:
    added = add(clean_graph, "every-5", "*/5 * * * *", catch_up)
    start = added.record.last_tick
    due = multiples(5 * MINUTE, start, start + 2 * 60 * MINUTE)
    assert len(due) == 24
    now = due[-1] + 90_000
    pushed = tick(clean_graph, now)
    assert sorted((tick_json(clean_graph, k)["time"], tick_json(clean_graph, k)["missed"]) for k in pushed) == [
        (iso(t), missed) for t, missed in expected(due)]
    assert tick_tags(ticks_of(clean_graph, "every-5")) == [iso(t) for t, _ in expected(due)]
    assert last_tick(clean_graph, "every-5") == due[-1], "missed ticks are settled, pushed or not"
    # The next tick comes on time under every rule.
    (on_time,) = tick(clean_graph, due[-1] + 5 * MINUTE + 1_000)
    assert tick_json(clean_graph, on_time) == {"schedule": "every-5", "time": iso(due[-1] + 5 * MINUTE), "missed": 0}


def test_catch_up_all_pushes_at_most_100_then_the_latest(clean_graph: Settings) -> None:
    added = add(clean_graph, "minutely", "* * * * *", CatchUp.ALL)
    due = multiples(MINUTE, added.record.last_tick, added.record.last_tick + 150 * MINUTE)
    assert len(due) == 150
    pushed = tick(clean_graph, due[-1] + 1_000)
    contents = [tick_json(clean_graph, knit_id) for knit_id in pushed]
    assert [c["time"] for c in contents] == [iso(t) for t in [*due[:100], due[-1]]], "oldest first, then the latest"
    assert [c["missed"] for c in contents] == [0] * 100 + [49]


def test_pushing_the_same_tick_twice_or_at_once_pushes_it_once(clean_graph: Settings) -> None:
    added = add(clean_graph, "twice", "*/5 * * * *", CatchUp.ALL)
    due = multiples(5 * MINUTE, added.record.last_tick, added.record.last_tick + 60 * MINUTE)
    now = due[-1] + 1_000

    async def two_servers(services: Services) -> list[list[str]]:
        other = Services(services.graph, LocalContentStore(clean_graph.home), clean_graph)
        pushed: list[list[str]] = []

        async def one(s: Services) -> None:
            pushed.append((await tick_due(s, now)).pushed)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(one, services)
            tasks.start_soon(one, other)
        return pushed

    first, second = on_services(clean_graph, two_servers)
    assert sorted(first + second) == sorted({*first, *second}), "no knitId twice"
    assert tick(clean_graph, now) == [], "a retried pass finds nothing due"
    data = ticks_of(clean_graph, "twice")
    assert tick_tags(data) == [iso(t) for t in due], "every tick exactly once"
    # The losing side dropped its content: only recorded ticks are in the store.
    stored = {p.name for p in (clean_graph.home / "content").iterdir() if p.name != ".pending"}
    assert stored == {d.knit_id for d in data}


def test_paused_schedule_pushes_nothing_and_resuming_does_not_catch_up_the_pause(clean_graph: Settings) -> None:
    added = add(clean_graph, "paused", "*/5 * * * *")
    paused = on_services(clean_graph, lambda s: schedule_service.pause_schedule(s, "paused", True))
    assert paused.record.paused and paused.next_tick is None
    assert tick(clean_graph, added.record.last_tick + 60 * MINUTE) == []
    resumed = on_services(clean_graph, lambda s: schedule_service.pause_schedule(s, "paused", False))
    assert not resumed.record.paused
    assert resumed.record.last_tick > added.record.last_tick, "lastTick moved to the resume time"
    assert resumed.next_tick == multiples(5 * MINUTE, resumed.record.last_tick, resumed.record.last_tick + 5 * MINUTE)[0]
    (knit_id,) = tick(clean_graph, resumed.record.last_tick + 60 * MINUTE)
    assert tick_json(clean_graph, knit_id)["missed"] == 11, "only the ticks after the resume count as missed"


def test_cron_is_read_in_the_schedules_time_zone(clean_graph: Settings) -> None:
    added = add(clean_graph, "tokyo-nine", "0 9 * * *", timezone="Asia/Tokyo")
    assert added.record.timezone == "Asia/Tokyo"
    assert added.next_tick is not None and iso(added.next_tick).endswith("T00:00:00Z"), "09:00 in Tokyo is 00:00 UTC"
    (knit_id,) = tick(clean_graph, added.next_tick + 1_000)
    assert tick_json(clean_graph, knit_id)["time"] == iso(added.next_tick)


# ---- GraphQL ----

SCHEDULE_FIELDS = "name cron timezone tags paused catchUp lastTick nextTick"
ADD = f"""
mutation($name: String!, $cron: String!, $tags: [String!], $timezone: String, $catchUp: CatchUp!) {{
  addSchedule(name: $name, cron: $cron, tags: $tags, timezone: $timezone, catchUp: $catchUp) {{ {SCHEDULE_FIELDS} }}
}}"""
LIST = f"query {{ schedules {{ {SCHEDULE_FIELDS} }} }}"
PAUSE = f"mutation($name: String!, $paused: Boolean!) {{ pauseSchedule(name: $name, paused: $paused) {{ {SCHEDULE_FIELDS} }} }}"
REMOVE = f"mutation($name: String!) {{ removeSchedule(name: $name) {{ {SCHEDULE_FIELDS} }} }}"
YEARLY = "0 0 1 1 *"  # never due while a test runs


def test_schedules_through_graphql_add_list_pause_resume_remove(client: TestClient) -> None:
    answer = graphql(client, ADD, name="nightly", cron=YEARLY, tags=["team:ml"], timezone="Europe/Berlin",
                     catchUp="all")
    assert "errors" not in answer, answer
    added = answer["data"]["addSchedule"]
    assert added | {"lastTick": None, "nextTick": None} == {
        "name": "nightly", "cron": YEARLY, "timezone": "Europe/Berlin", "tags": ["team:ml"], "paused": False,
        "catchUp": "all", "lastTick": None, "nextTick": None}
    assert added["nextTick"].endswith("-12-31T23:00:00+00:00"), "midnight of New Year in Berlin, in UTC"
    assert graphql(client, LIST)["data"]["schedules"] == [added]

    paused = graphql(client, PAUSE, name="nightly", paused=True)["data"]["pauseSchedule"]
    assert paused["paused"] is True and paused["nextTick"] is None
    resumed = graphql(client, PAUSE, name="nightly", paused=False)["data"]["pauseSchedule"]
    assert resumed["paused"] is False and resumed["nextTick"] == added["nextTick"]

    assert graphql(client, REMOVE, name="nightly")["data"]["removeSchedule"]["name"] == "nightly"
    assert graphql(client, LIST)["data"]["schedules"] == []


@pytest.mark.parametrize(
    ("query", "variables", "code", "reason"),
    [
        (ADD, {"name": "bad-cron", "cron": "61 * * * *", "catchUp": "latest"}, "INVALID_INPUT",
         "cron expression '61 * * * *' is invalid: Bad minute"),
        (ADD, {"name": "six", "cron": "* * * * * *", "catchUp": "latest"}, "INVALID_INPUT",
         "cron expression '* * * * * *' has 6 fields, not 5"),
        (ADD, {"name": "bad-zone", "cron": YEARLY, "timezone": "Mars/Olympus", "catchUp": "latest"}, "INVALID_INPUT",
         "unknown time zone 'Mars/Olympus'"),
        (ADD, {"name": "Nightly_Run", "cron": YEARLY, "catchUp": "latest"}, "INVALID_INPUT",
         "schedule name 'Nightly_Run' is not allowed"),
        (ADD, {"name": "own-tick", "cron": YEARLY, "tags": ["tick:now"], "catchUp": "latest"}, "INVALID_INPUT",
         "tag key 'tick' is set on every tick by the schedule itself"),
        (ADD, {"name": "taken", "cron": YEARLY, "catchUp": "latest"}, "CONFLICT", "schedule 'taken' already exists"),
        (REMOVE, {"name": "unknown"}, "NOT_FOUND", "schedule 'unknown' is not found"),
        (PAUSE, {"name": "unknown", "paused": True}, "NOT_FOUND", "schedule 'unknown' is not found"),
    ],
    ids=["invalid-cron", "six-fields", "unknown-timezone", "bad-name", "reserved-tag", "duplicate", "rm-unknown",
         "pause-unknown"],
)
def test_bad_schedule_requests_are_refused_with_advice(
    client: TestClient, query: str, variables: dict[str, Any], code: str, reason: str
) -> None:
    assert "errors" not in graphql(client, ADD, name="taken", cron=YEARLY, catchUp="latest")
    answer = graphql(client, query, **variables)
    (error,) = answer["errors"]
    assert error["message"] == reason
    assert error["extensions"]["code"] == code
    assert error["extensions"]["advice"], "every refusal says what to do instead"
    assert [s["name"] for s in graphql(client, LIST)["data"]["schedules"]] == ["taken"], "nothing else was added"


def test_a_viewer_may_list_schedules_but_not_add_them(clean_graph: Settings) -> None:
    with app_client(clean_graph, new_token(clean_graph, Role.VIEWER)) as viewer:
        (error,) = graphql(viewer, ADD, name="mine", cron=YEARLY, catchUp="latest")["errors"]
        assert error["extensions"]["code"] == "FORBIDDEN"
        assert graphql(viewer, LIST) == {"data": {"schedules": []}}


# ---- Plans take ticks ----


def test_plan_taking_a_schedule_runs_at_each_tick_with_the_tick_upstream(knit: Knit, clean_graph: Settings,
                                                                          tmp_path: Any) -> None:
    plan = tmp_path / "report.yaml"
    plan.write_text(json.dumps({
        "image": "report:v1", "entrypoint": ["sh", "-c", "cp /in/tick/tick.json /out/report/seen.json"],
        "inputs": [{"path": "/in/tick", "tags": ["schedule:yearly-report"]}],
        "outputs": [{"path": "/out/report", "tags": ["kind:report"]}],
    }))
    plan_id = json.loads(knit("plan", "apply", str(plan)).stdout)["planId"]
    added = json.loads(knit("schedule", "add", "yearly-report", "--cron", YEARLY).stdout)
    assert added["nextTick"] is not None
    view = on_services(clean_graph, lambda s: schedule_service.find_schedules(s, "yearly-report"))[0]
    assert view.next_tick is not None
    (tick_id,) = tick(clean_graph, view.next_tick + 1_000)

    run = knit.only_run(plan_id)
    assert run["status"] == "done"
    assert [i["knitId"] for i in run["inputs"]] == [tick_id]
    (report,) = run["outputs"]
    knit("data", "pull", "-x", report["knitId"], "pulled")
    seen = json.loads((tmp_path / "pulled" / report["knitId"] / "seen.json").read_text())
    assert seen == {"schedule": "yearly-report", "time": iso(view.next_tick), "missed": 0}

    lineage = json.loads(knit("data", "lineage", "--format", "json", "-u", "-n", "all", report["knitId"]).stdout)
    assert tick_id in {d["knitId"] for d in lineage["data"]}, "the tick is upstream of the report"
