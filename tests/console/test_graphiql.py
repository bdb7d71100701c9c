"""GraphiQL at /graphql, bundled with the console: it renders and answers with no internet."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Request, expect

from .conftest import LOCAL_HOSTS, Console, World, screenshot, sign_in

pytestmark = pytest.mark.e2e


def test_graphiql_renders_offline_and_queries_with_the_signed_in_token(page: Page, console: Console, world: World) -> None:
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    sign_in(page, console, "/graphql")
    expect(page.locator(".graphiql-container")).to_be_visible()
    expect(page.get_by_text("Signed in: queries carry this tab's token.")).to_be_visible()
    expect(page.locator(".graphiql-query-editor .monaco-editor").first).to_be_visible()
    expect(page.get_by_text("Loading...")).to_have_count(0)

    with page.expect_request(lambda r: r.url.endswith("/graphql") and r.method == "POST") as posted:
        page.get_by_role("button", name="Execute query (Ctrl-Enter)").click()
    request: Request = posted.value
    assert request.headers.get("authorization") == f"Bearer {console.token}"
    response = page.locator(".graphiql-response")
    expect(response).to_contain_text('"findRuns"')
    screenshot(page, "graphiql")
    outside = [url for url in asked if not url.startswith(("data:", "blob:")) and
               url.split("//", 1)[-1].split("/", 1)[0].split(":")[0] not in LOCAL_HOSTS]
    assert not outside, f"GraphiQL asked the internet for {outside}"


def test_graphiql_without_a_token_says_how_to_sign_in(page: Page, console: Console) -> None:
    page.goto("/graphql")
    expect(page.locator(".graphiql-container")).to_be_visible()
    warning = page.get_by_role("alert").filter(has_text="Not signed in")  # GraphiQL's editor has empty alerts too
    expect(warning).to_be_visible()
    warning.get_by_role("link", name="Sign in").click()
    page.get_by_label("API token").fill(console.token)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{console.url}/graphql")
    expect(page.get_by_text("Signed in: queries carry this tab's token.")).to_be_visible()
