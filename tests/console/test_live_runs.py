"""Runs that are running while the user watches: the log follows live, and Stop stops the Run."""

from __future__ import annotations

import re
import time

import pytest
import yaml
from playwright.sync_api import Page, expect

from ..e2e.processes import wait_until
from .conftest import Console, screenshot, sign_in

pytestmark = pytest.mark.e2e

TICKS = 20


def started_run(console: Console, plan_id: str) -> str:
    """The runId of the plan's one Run, once there is one."""
    wait_until(lambda: bool(console.knit("run", "find", "-p", plan_id)), "the plan's Run to appear")
    return str(console.only_run(plan_id)["runId"])


def test_the_log_grows_on_the_page_while_the_run_prints(page: Page, console: Console) -> None:
    plan = console.apply_plan("ticker", f"for i in $(seq 1 {TICKS}); do echo tick $i; sleep 0.3; done",
                              ["kind:ticker"])
    console.push("ticks", ["kind:ticker"])
    run_id = started_run(console, plan)
    sign_in(page, console, f"/runs/{run_id}")
    log = page.get_by_test_id("run-log")
    expect(page.get_by_test_id("log-live")).to_be_visible()
    expect(log).to_contain_text("tick 2", timeout=30_000)
    early = log.inner_text()
    assert f"tick {TICKS}\n" not in early, "the Run had already ended: nothing was followed live"
    expect(page.get_by_test_id("log-live")).to_be_visible()
    screenshot(page, "run-live-log")
    expect(log).to_contain_text(f"tick {TICKS}", timeout=30_000)
    lines = re.findall(r"tick \d+", log.inner_text())
    assert lines == [f"tick {i}" for i in range(1, TICKS + 1)], lines  # every line once, in order
    assert len(log.inner_text()) > len(early)
    expect(page.get_by_role("heading", level=1)).to_contain_text("done", timeout=30_000)
    expect(page.get_by_test_id("log-live")).to_have_count(0)


def test_the_stop_button_stops_a_running_run(page: Page, console: Console) -> None:
    plan = console.apply_plan("sleeper", "echo started; sleep 120; echo never", ["kind:sleeper"], ["made-by:sleeper"])
    console.push("sleepers", ["kind:sleeper"])
    run_id = started_run(console, plan)
    sign_in(page, console, f"/runs/{run_id}")
    expect(page.get_by_test_id("run-log")).to_contain_text("started", timeout=30_000)
    expect(page.get_by_role("heading", level=1)).to_contain_text("running")
    began = time.monotonic()
    page.get_by_role("button", name="Stop", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("done", timeout=30_000)
    expect(page.get_by_test_id("run-exit")).to_contain_text("stopped by user")
    assert time.monotonic() - began < 60
    assert console.knit("run", "show", run_id)["status"] == "done"
    expect(page.get_by_test_id("run-log")).not_to_contain_text("never")
    expect(page.get_by_role("button", name="Retry")).to_be_visible()


def test_a_lineage_shows_a_runs_status_change_while_it_runs(page: Page, console: Console) -> None:
    plan = console.apply_plan("slow", "echo begin; sleep 6; echo end", ["kind:slow"], ["made-by:slow"])
    knit_id = console.push("slow-input", ["kind:slow"])
    run_id = started_run(console, plan)
    sign_in(page, console, f"/lineage/{knit_id}")
    expect(page.get_by_test_id("graph")).to_have_attribute("data-laid-out", "yes")
    run = page.locator(f'.react-flow__node [data-run-id="{run_id}"]')
    expect(run).to_be_visible()
    assert run.get_attribute("data-status") != "done", "the Run ended before the page showed it"
    expect(run).to_have_attribute("data-status", "done", timeout=30_000)  # no reload: the page asked again
    expect(run).to_contain_text("done")


def test_a_runs_page_shows_its_earlier_attempts_and_what_superseded_it(page: Page, console: Console) -> None:
    spec = {
        "image": "second-time:v1", "entrypoint": ["sh", "-c", '[ "$KNIT_RUN_ATTEMPT" -ge 2 ] || exit 4; echo fine'],
        "inputs": [{"path": "/in/1", "tags": ["kind:flaky-console"]}], "log": {"tags": ["log-of:second-time"]},
        "annotations": ["knitgraph.io/executor=process"], "retry": {"max": 1, "backoff": "0s"},
    }
    (console.cwd / "second-time.yaml").write_text(yaml.safe_dump(spec))
    plan = str(console.knit("plan", "apply", str(console.cwd / "second-time.yaml"))["planId"])
    console.push("flaky-console", ["kind:flaky-console"])
    run = console.wait(console.only_run(plan)["runId"])
    assert run["status"] == "done"
    newer = console.knit("run", "rerun", run["runId"])["newRunId"]

    sign_in(page, console, f"/runs/{run['runId']}")
    expect(page.get_by_test_id("run-attempts")).to_contain_text("attempt 1: exit 4")
    expect(page.get_by_test_id("run-attempts")).to_contain_text("attempt-1.log")
    page.locator(".fact", has_text="Superseded by").get_by_role("link").click()
    expect(page).to_have_url(f"{console.url}/runs/{newer}")
    expect(page.locator(".fact", has_text="Runs again")).to_contain_text(run["runId"][:8])
