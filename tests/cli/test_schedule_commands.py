"""`knit schedule add|list|rm|pause|resume`: JSON results on stdout, a line of news on stderr, and
refusals with their reason and advice."""

from __future__ import annotations

import json

import pytest

from ..conftest import Knit

YEARLY = "0 0 1 1 *"  # never due while a test runs


def test_add_list_pause_resume_rm(knit: Knit) -> None:
    added = knit("schedule", "add", "nightly", "--cron", "0 3 * * *", "-t", "team:ml", "--tag", "kind:tick",
                 "--timezone", "Asia/Tokyo", "--catch-up", "all")
    schedule = json.loads(added.stdout)
    assert {k: schedule[k] for k in ("name", "cron", "timezone", "tags", "paused", "catchUp")} == {
        "name": "nightly", "cron": "0 3 * * *", "timezone": "Asia/Tokyo", "tags": ["kind:tick", "team:ml"],
        "paused": False, "catchUp": "all"}
    assert schedule["nextTick"].endswith("T18:00:00+00:00"), "03:00 in Tokyo"
    assert "[knit schedule add] schedule 'nightly' added; its next tick is at" in added.stderr
    knit("schedule", "add", "held", "--cron", YEARLY, "--paused")

    assert [s["name"] for s in json.loads(knit("schedule", "list", "--json").stdout)] == ["held", "nightly"]
    table = knit("schedule", "list").stdout.splitlines()
    assert table[0].split() == ["NAME", "CRON", "TZ", "NEXT", "TICK", "LAST", "TICK", "PAUSED", "TAGS"]
    assert table[1].split()[0] == "held" and table[1].split()[-2:] == ["yes", "-"]
    assert "0 3 * * *" in table[2] and "Asia/Tokyo" in table[2] and table[2].split()[-2:] == ["no", "kind:tick,team:ml"]

    paused = knit("schedule", "pause", "nightly")
    assert json.loads(paused.stdout)["paused"] is True and json.loads(paused.stdout)["nextTick"] is None
    assert "`knit schedule resume nightly`" in paused.stderr
    resumed = knit("schedule", "resume", "nightly")
    assert json.loads(resumed.stdout)["paused"] is False and json.loads(resumed.stdout)["nextTick"]

    assert json.loads(knit("schedule", "rm", "nightly").stdout)["name"] == "nightly"
    assert [s["name"] for s in json.loads(knit("schedule", "list", "--json").stdout)] == ["held"]


@pytest.mark.parametrize(
    ("args", "reason", "advice"),
    [
        (["add", "x", "--cron", "0 25 * * *"], "cron expression '0 25 * * *' is invalid: Bad hour", "e.g. '*/15 * * * *'"),
        (["add", "x", "--cron", "@daily"], "has 1 fields, not 5", "minute, hour, day of month"),
        (["add", "x", "--cron", YEARLY, "--timezone", "Berlin"], "unknown time zone 'Berlin'", "Europe/Berlin"),
        (["add", "Bad_Name", "--cron", YEARLY], "schedule name 'Bad_Name' is not allowed", "lowercase letters"),
        (["add", "taken", "--cron", YEARLY], "schedule 'taken' already exists", "knit schedule rm taken"),
        (["rm", "ghost"], "schedule 'ghost' is not found", "knit schedule list"),
        (["pause", "ghost"], "schedule 'ghost' is not found", "knit schedule list"),
        (["resume", "ghost"], "schedule 'ghost' is not found", "knit schedule list"),
    ],
    ids=["cron", "fields", "timezone", "name", "duplicate", "rm", "pause", "resume"],
)
def test_refusals_name_the_problem_and_the_way_out(knit: Knit, args: list[str], reason: str, advice: str) -> None:
    knit("schedule", "add", "taken", "--cron", YEARLY)
    refused = knit("schedule", *args, expect=1)
    assert refused.stdout == ""
    assert reason in refused.stderr and advice in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr


def test_unknown_catch_up_rule_is_a_usage_error(knit: Knit) -> None:
    refused = knit("schedule", "add", "x", "--cron", YEARLY, "--catch-up", "some", expect=2)
    assert "'some' is not one of 'latest', 'all', 'none'" in refused.stderr
