"""The experiments views: pipeline runs compared side by side, a metric charted across them, the
metrics on Data and Run pages; statuses that move while a pipeline run runs."""

from __future__ import annotations

import re
import textwrap

import pytest
from playwright.sync_api import Page, expect

from .conftest import Console, screenshot, sign_in

pytestmark = pytest.mark.e2e

# A one-step pipeline run by the process executor: it reads rate (and sleeps pause seconds) from
# its parameters and writes a metric that grows with the rate.
PIPELINE = textwrap.dedent('''
    from knitgraph.pipeline import Pipeline

    READ = "sed -n 's/.*\\"{0}\\": \\\\([0-9.]*\\\\).*/\\\\1/p' /in/parameters/parameters.json"
    pipeline = Pipeline("console-sweep", parameters={"rate": 0.1, "pause": 0})
    pipeline.step(
        "train", image="console-sweep:v1",
        entrypoint=["sh", "-c", f"sleep $({READ.format('pause')}); echo {{\\\\\\"score\\\\\\": $({READ.format('rate')})}} "
                                 "> /out/model/metrics.json; cat /out/model/metrics.json"],
        outputs=["model"], annotations={"knitgraph.io/executor": "process"},
    )
''')


@pytest.fixture(scope="module")
def sweep(console: Console) -> list[dict[str, object]]:
    file = console.cwd / "sweep_pipeline.py"
    file.write_text(PIPELINE)
    console.knit_text("pipeline", "apply", str(file))
    return [console.knit("pipeline", "run", "console-sweep", "-e", "console-sweep", "-p", f"rate={rate}", "--wait")
            for rate in ("0.2", "0.5", "0.9")]


def test_an_experiment_compares_its_pipeline_runs_and_charts_a_metric(page: Page, console: Console,
                                                                     sweep: list[dict[str, object]]) -> None:
    assert [run["metrics"] for run in sweep] == [[{"name": "train.score", "value": v}] for v in (0.2, 0.5, 0.9)]
    sign_in(page, console, "/experiments")
    row = page.locator('tr[data-experiment="console-sweep"]')
    expect(row).to_contain_text("console-sweep")
    expect(row).to_contain_text("3")
    row.get_by_role("link", name="console-sweep").click()
    expect(page).to_have_url(re.compile(r"/experiments/console-sweep$"))

    table = page.get_by_test_id("compare-table")
    for run in sweep:
        expect(table.locator(f'th[data-run="{run["knitId"]}"]')).to_be_visible()
    expect(table.locator('tr[data-parameter="rate"]')).to_have_class(re.compile("differs"))
    expect(table.locator('tr[data-parameter="pause"]')).not_to_have_class(re.compile("differs"))
    expect(table.locator('tr[data-metric="train.score"]')).to_contain_text(re.compile(r"0\.2\s*0\.5\s*0\.9"))
    expect(table).to_contain_text("1/1 steps")

    chart = page.get_by_test_id("metric-chart")
    expect(chart.locator(".chart-point")).to_have_count(3)
    expect(chart).to_have_attribute("aria-label", "train.score by pipeline run, oldest first")
    page.get_by_label("x axis").select_option("rate")
    expect(chart).to_have_attribute("aria-label", "train.score by rate")
    expect(page).to_have_url(re.compile(r"x=rate"))
    heights = [float(c.get_attribute("cy") or 0) for c in chart.locator("circle").all()]
    assert heights == sorted(heights, reverse=True)  # the score grows with the rate: higher on the page
    screenshot(page, "experiment")


def test_metrics_show_on_the_data_and_run_pages(page: Page, console: Console, sweep: list[dict[str, object]]) -> None:
    (step_run,) = sweep[-1]["runs"]  # type: ignore[misc]
    run = console.knit("run", "show", step_run["run"]["runId"])
    sign_in(page, console, f"/runs/{run['runId']}")
    expect(page.get_by_test_id("metrics").locator('tr[data-metric="score"]')).to_contain_text("0.9")
    page.goto(f"/data/{run['outputs'][0]['knitId']}")
    expect(page.get_by_test_id("metrics").locator('tr[data-metric="score"]')).to_contain_text("0.9")


def test_a_running_pipeline_run_changes_status_on_the_page(page: Page, console: Console,
                                                           sweep: list[dict[str, object]]) -> None:
    started = console.knit("pipeline", "run", "console-sweep", "-e", "console-live", "-p", "pause=4")
    sign_in(page, console, "/experiments/console-live")
    status = page.get_by_test_id("compare-table").locator('td[data-field="status"]')
    expect(status).to_contain_text("running")
    expect(status).to_contain_text("done", timeout=30_000)
    assert console.knit("metrics", "compare", "-e", "console-live", "--format", "json")[0]["knitId"] == started["knitId"]


def test_an_unknown_experiment_says_so_with_a_way_back(page: Page, console: Console) -> None:
    sign_in(page, console, "/experiments/no-such-experiment")
    expect(page.get_by_test_id("not-found")).to_contain_text("No experiment no-such-experiment")
    page.get_by_role("link", name="All experiments").click()
    expect(page).to_have_url(re.compile(r"/experiments$"))
