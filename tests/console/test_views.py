"""Browsing real Data, Runs and Plans in the console, as a user sees them."""

from __future__ import annotations

import re
import tarfile

import pytest
from playwright.sync_api import Page, expect

from .conftest import Console, World, screenshot, sign_in

pytestmark = pytest.mark.e2e


def test_a_sign_in_link_signs_in_and_leaves_no_token_in_the_address_bar(page: Page, console: Console, world: World) -> None:
    sign_in(page, console)
    expect(page).to_have_url(re.compile(r"/data$"))
    assert "token" not in page.url
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Data")
    assert console.token not in page.evaluate("window.location.href + JSON.stringify(history.state)")


def test_the_data_list_shows_pushed_data_and_searches_by_tag(page: Page, console: Console, world: World) -> None:
    sign_in(page, console, "/data")
    row = page.locator(f'tr[data-knit-id="{world.dataset}"]')
    expect(row).to_contain_text("project")
    expect(row).to_contain_text("demo")
    expect(row).to_contain_text("knit#uploaded")
    screenshot(page, "data-list")
    tags = page.get_by_label("tags")
    tags.fill("type:model")
    tags.press("Enter")
    expect(page).to_have_url(re.compile(r"tag=type%3Amodel"))
    expect(page.locator(f'tr[data-knit-id="{world.model}"]')).to_be_visible()
    expect(page.locator(f'tr[data-knit-id="{world.dataset}"]')).to_have_count(0)


def test_a_data_page_shows_its_tags_its_run_and_edits_tags(page: Page, console: Console, world: World) -> None:
    sign_in(page, console, f"/data/{world.dataset}")
    tags = page.get_by_test_id("data-tags")
    expect(tags).to_contain_text("kind")
    expect(tags).to_contain_text("console")
    expect(page.get_by_text("knit#uploaded").first).to_be_visible()
    readers = page.get_by_test_id("downstream-runs")
    expect(readers.locator(f'a[href="/runs/{world.train_run}"]')).to_be_visible()
    expect(readers).to_contain_text("train")
    expect(readers).to_contain_text("done")
    expect(page.get_by_text("Nominated for")).to_be_visible()

    page.get_by_label("new tag").fill("reviewed:yes")
    page.get_by_role("button", name="Add tag").click()
    expect(tags).to_contain_text("reviewed")
    assert "reviewed:yes" in console.knit("data", "show", world.dataset)["tags"]
    screenshot(page, "data")
    page.get_by_role("button", name="remove tag reviewed:yes").click()
    expect(tags).not_to_contain_text("reviewed")
    assert "reviewed:yes" not in console.knit("data", "show", world.dataset)["tags"]


def test_a_data_page_downloads_the_content_as_a_tar(page: Page, console: Console, world: World) -> None:
    sign_in(page, console, f"/data/{world.report}")
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("Download content")).click()
    saved = download.value
    assert saved.suggested_filename == f"{world.report}.tar"
    with tarfile.open(saved.path()) as tar:
        report = tar.extractfile("report.txt") or tar.extractfile("./report.txt")
        assert report is not None and report.read() == b"accuracy 0.9\n"


def test_a_model_page_names_the_run_that_made_it(page: Page, console: Console, world: World) -> None:
    sign_in(page, console, f"/data/{world.model}")
    made = page.locator("section", has=page.get_by_role("heading", name="Made by"))
    expect(made.locator(f'a[href="/runs/{world.train_run}"]')).to_be_visible()
    expect(made).to_contain_text("train")
    expect(made).to_contain_text("/out/1")


def test_the_run_list_filters_by_plan_and_status(page: Page, console: Console, world: World) -> None:
    sign_in(page, console, f"/runs?plan={world.train_plan}")
    table = page.get_by_test_id("run-table")
    expect(table.locator(f'tr[data-run-id="{world.train_run}"]')).to_be_visible()
    expect(table.locator(f'tr[data-run-id="{world.evaluate_run}"]')).to_have_count(0)
    page.goto("/runs?status=done")
    expect(page.get_by_test_id("run-table").locator(f'tr[data-run-id="{world.evaluate_run}"]')).to_be_visible()
    page.goto("/runs?status=failed")
    expect(page.get_by_text("No Run matches.")).to_be_visible()
    page.goto("/runs")
    for run in (world.upload_run, world.train_run, world.evaluate_run):
        expect(page.get_by_test_id("run-table").locator(f'tr[data-run-id="{run}"]')).to_be_visible()
    screenshot(page, "runs")


def test_a_run_page_shows_its_inputs_outputs_and_log(page: Page, console: Console, world: World) -> None:
    sign_in(page, console, f"/runs/{world.train_run}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(world.train_run)
    expect(page.get_by_role("heading", level=1)).to_contain_text("done")
    expect(page.get_by_test_id("run-inputs").locator(f'a[href="/data/{world.dataset}"]')).to_be_visible()
    expect(page.get_by_test_id("run-outputs").locator(f'a[href="/data/{world.model}"]')).to_be_visible()
    expect(page.get_by_test_id("run-outputs").locator(f'a[href="/data/{world.train_log}"]')).to_be_visible()
    expect(page.get_by_test_id("run-log")).to_contain_text("training on 2 rows")
    expect(page.get_by_test_id("run-log")).to_contain_text("done")
    expect(page.get_by_test_id("run-exit")).to_contain_text("0")
    expect(page.get_by_text("process", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Retry")).to_be_visible()
    screenshot(page, "run")


def test_a_plan_page_shows_its_spec_switch_and_runs(page: Page, console: Console, world: World) -> None:
    sign_in(page, console, f"/plans/{world.train_plan}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("train")
    spec = page.get_by_test_id("plan-yaml")
    expect(spec).to_contain_text("image: train:v1")
    expect(spec).to_contain_text("- kind:console")
    expect(spec).to_contain_text("knitgraph.io/executor=process")
    expect(page.get_by_test_id("plan-runs").locator(f'a[href="/runs/{world.train_run}"]')).to_be_visible()
    expect(page.locator("section", has=page.get_by_role("heading", name="Downstream Plans"))).to_contain_text("evaluate")
    screenshot(page, "plan")

    switch = page.get_by_role("switch", name="active")
    expect(switch).to_be_checked()
    page.get_by_test_id("plan-active").click()
    expect(page.get_by_test_id("plan-active")).to_have_text("inactive")
    assert console.knit("plan", "show", world.train_plan)["active"] is False
    page.get_by_test_id("plan-active").click()
    expect(page.get_by_test_id("plan-active")).to_have_text("active")
    assert console.knit("plan", "show", world.train_plan)["active"] is True


def test_the_plan_list_shows_every_plan(page: Page, console: Console, world: World) -> None:
    sign_in(page, console, "/plans")
    table = page.get_by_test_id("plan-table")
    expect(table.locator(f'tr[data-plan-id="{world.train_plan}"]')).to_contain_text("train:v1")
    expect(table.locator(f'tr[data-plan-id="{world.evaluate_plan}"]')).to_contain_text("type")
    screenshot(page, "plans")


@pytest.mark.parametrize(("path", "heading", "shows"), [
    ("/data/{world.model}", "Data {world.model}", "Made by"),
    ("/runs/{world.evaluate_run}", "Run {world.evaluate_run} done", "evaluating"),
    ("/plans/{world.evaluate_plan}", "evaluate {world.evaluate_plan}", "image: evaluate:v1"),
    ("/lineage/{world.model}?depth=1", "Lineage of {world.model}", "Laid out"),
    ("/plans/{world.train_plan}/graph", "Plan graph of {world.train_plan}", "Laid out"),
    ("/runs?status=done&plan={world.train_plan}", "Runs", "1 Run"),
    ("/data?tag=type:report", "Data", "1 Data"),
])
def test_a_deep_link_opens_its_page(page: Page, console: Console, world: World, path: str, heading: str,
                                    shows: str) -> None:
    sign_in(page, console)
    expect(page).to_have_url(re.compile(r"/data$"))
    link = path.format(world=world)
    page.goto(link)  # a reload of that address: the server answers the app, which opens the view
    expect(page.get_by_role("heading", level=1)).to_have_text(heading.format(world=world))
    if shows == "Laid out":
        expect(page.get_by_test_id("graph")).to_have_attribute("data-laid-out", "yes")
    else:
        expect(page.get_by_text(shows).first).to_be_visible()
    assert page.url.endswith(link)


@pytest.mark.parametrize(("path", "back"), [
    ("/data/no-such-data", "Back to Data"),
    ("/runs/no-such-run", "Back to Runs"),
    ("/plans/no-such-plan", "Back to Plans"),
    ("/lineage/no-such-data", "Back to Data"),
])
def test_an_unknown_id_shows_a_not_found_page_with_a_way_back(page: Page, console: Console, world: World, path: str,
                                                              back: str) -> None:
    sign_in(page, console, path)
    alert = page.get_by_role("alert")
    expect(alert.get_by_role("heading", name="Not found")).to_be_visible()
    expect(alert).to_contain_text("no-such")
    expect(alert).to_contain_text("Advice:")
    if path.startswith("/runs"):
        screenshot(page, "not-found")
    alert.get_by_role("link", name=back).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)


def test_without_a_token_the_console_asks_to_sign_in_and_a_pasted_token_works(page: Page, console: Console,
                                                                             world: World) -> None:
    page.goto(f"/runs/{world.train_run}")
    expect(page).to_have_url(re.compile(r"/signin\?next="))
    expect(page.get_by_text("Sign in to use the console.")).to_be_visible()
    page.get_by_label("API token").fill("kg_0000000000000000_wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("unknown or revoked")
    screenshot(page, "signin")
    page.get_by_label("API token").fill(console.token)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(f"/runs/{world.train_run}$"))
    expect(page.get_by_test_id("run-log")).to_contain_text("training")


def test_a_refused_token_sends_the_user_to_sign_in_with_the_reason(page: Page, console: Console, world: World) -> None:
    page.goto("/signin")
    page.evaluate("sessionStorage.setItem('knitgraph.token', 'kg_0000000000000000_revoked')")
    page.goto("/plans")
    expect(page).to_have_url(re.compile(r"/signin\?next=%2Fplans"))
    expect(page.get_by_role("status")).to_contain_text("The server refused the token: the API token is unknown or revoked")


def test_signing_out_forgets_the_token(page: Page, console: Console, world: World) -> None:
    sign_in(page, console, "/plans")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/signin"))
    assert page.evaluate("sessionStorage.getItem('knitgraph.token')") is None
    page.goto("/data")
    expect(page).to_have_url(re.compile(r"/signin"))


def test_a_data_page_shows_its_size(page: Page, console: Console, world: World) -> None:
    sign_in(page, console, f"/data/{world.dataset}")
    expect(page.get_by_test_id("data-size")).to_have_text("8 bytes")  # rows.csv: "1,2\n3,4\n"


def test_the_data_search_completes_tags_from_the_server_most_used_first(page: Page, console: Console,
                                                                         world: World) -> None:
    sign_in(page, console, "/data?tag=type:report")  # the Data listed carry neither tag below
    expect(page.locator(f'tr[data-knit-id="{world.report}"]')).to_be_visible()
    options = page.locator("datalist option")
    expect(page.locator("datalist option[value='kind:console']")).to_have_count(1)
    labels = [str(label) for label in options.evaluate_all("options => options.map(o => o.label)")]
    assert "kind:console (1 Data)" in labels and "project:demo (1 Data)" in labels, labels
    tags = page.get_by_label("tags")
    tags.fill("proj")  # the server is asked for the tags that begin so
    expect(page.locator("datalist option[value='project:demo']")).to_have_attribute("label", "project:demo (1 Data)")
    expect(page.locator("datalist option[value='kind:console']")).to_have_count(0)
    tags.fill("kind:console")
    tags.press("Enter")
    expect(page).to_have_url(re.compile(r"tag=kind%3Aconsole"))


def test_the_run_list_filters_by_the_data_a_run_read_or_wrote(page: Page, console: Console, world: World) -> None:
    sign_in(page, console, "/runs")
    page.get_by_label("reads knit#id").fill(world.model)
    page.get_by_label("reads knit#id").press("Enter")
    expect(page).to_have_url(re.compile(f"in={world.model}"))
    table = page.get_by_test_id("run-table")
    expect(table.locator(f'tr[data-run-id="{world.evaluate_run}"]')).to_be_visible()
    expect(table.locator(f'tr[data-run-id="{world.train_run}"]')).to_have_count(0)
    page.goto(f"/runs?out={world.model}")
    expect(table.locator(f'tr[data-run-id="{world.train_run}"]')).to_be_visible()
    expect(table.locator(f'tr[data-run-id="{world.evaluate_run}"]')).to_have_count(0)


def test_a_run_page_shows_when_it_was_taken_started_and_finished(page: Page, console: Console, world: World) -> None:
    sign_in(page, console, f"/runs/{world.train_run}")
    timings = page.locator("section", has=page.get_by_role("heading", name="Timings"))
    for label in ("Taken", "Started", "Finished"):
        fact = timings.locator(".fact", has=page.locator("dt", has_text=label))
        expect(fact.locator("dd")).not_to_have_text("—")
    expect(page.get_by_test_id("run-took")).to_have_text(re.compile(r"^\d+\.\d s$"))
