"""Browsing real Data, Runs and Plans in the console, as a user sees them."""

from __future__ import annotations

import re

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
    tags = page.get_by_label("tags")
    tags.fill("type:model")
    tags.press("Enter")
    expect(page).to_have_url(re.compile(r"tag=type%3Amodel"))
    expect(page.locator(f'tr[data-knit-id="{world.model}"]')).to_be_visible()
    expect(page.locator(f'tr[data-knit-id="{world.dataset}"]')).to_have_count(0)
    screenshot(page, "data-list")
