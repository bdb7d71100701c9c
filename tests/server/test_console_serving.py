"""The API server serves the web console: its pages and deep links without a token (but never to a
foreign Host or Origin), its hashed files with long caching, GraphiQL from the console's build at
a browser's GET of /graphql, and a page that says how to build the console when it is missing.
`knitgraph console` prints a link that signs a browser in."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from knitgraph.server import console
from knitgraph.server.admin.main import main as knitgraph
from knitgraph.server.settings import Settings

from ..conftest import app_client

INDEX = '<!doctype html><div id="root"></div><script type="module" src="/assets/console-AbCd1234.js"></script>'
GRAPHIQL = '<!doctype html><div id="graphiql"></div>'
HTML = {"Accept": "text/html"}


@pytest.fixture
def dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A console build of a few files, in place of console/dist."""
    built = tmp_path / "dist"
    (built / "assets").mkdir(parents=True)
    (built / "index.html").write_text(INDEX)
    (built / "graphiql.html").write_text(GRAPHIQL)
    (built / "favicon.svg").write_text("<svg/>")
    (built / "assets" / "console-AbCd1234.js").write_text("console.log(1)")
    (built / "assets" / "notes.txt").write_text("no hash in this name")
    (tmp_path / "secret.txt").write_text("outside the build")
    monkeypatch.setattr(console, "DIST", built)
    return built


@pytest.fixture
def anonymous(clean_graph: Settings) -> Iterator[TestClient]:
    with app_client(clean_graph, None) as test_client:
        yield test_client


@pytest.mark.parametrize("path", [
    "/", "/signin", "/data", "/data/3f2c", "/runs", "/runs/r-1?x=1", "/plans", "/plans/p-1", "/plans/p-1/graph",
    "/lineage/3f2c?depth=2",
])
def test_every_view_of_the_console_is_its_page_without_a_token(dist: Path, anonymous: TestClient, path: str) -> None:
    response = anonymous.get(path)
    assert response.status_code == 200, response.text
    assert response.text == INDEX
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-frame-options"] == "DENY"
    assert "script-src 'self';" in response.headers["content-security-policy"]
    assert "connect-src 'self';" in response.headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/datafoo", "/api/data", "/runsx/1", "/graphql?query=%7Bserver%7Bversion%7D%7D"])
def test_what_is_not_the_console_still_needs_a_token(dist: Path, anonymous: TestClient, path: str) -> None:
    assert anonymous.get(path).status_code == 401


def test_only_reading_the_console_is_open(dist: Path, anonymous: TestClient) -> None:
    assert anonymous.post("/data", content=b"x").status_code == 401


@pytest.mark.parametrize("path", ["/", "/data/x", "/assets/console-AbCd1234.js"])
def test_a_foreign_host_or_origin_is_refused_on_console_paths_too(dist: Path, anonymous: TestClient, path: str) -> None:
    assert anonymous.get(path, headers={"Host": "evil.example"}).status_code == 403
    assert anonymous.get(path, headers={"Origin": "http://evil.example"}).status_code == 403


def test_hashed_files_are_cached_for_good_and_others_are_checked(dist: Path, anonymous: TestClient) -> None:
    hashed = anonymous.get("/assets/console-AbCd1234.js")
    assert hashed.status_code == 200 and hashed.text == "console.log(1)"
    assert hashed.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert hashed.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    plain = anonymous.get("/assets/notes.txt")
    assert plain.status_code == 200 and plain.headers["cache-control"] == "no-cache"
    assert anonymous.get("/favicon.svg").status_code == 200


def test_an_asset_goes_gzipped_to_a_browser_that_accepts_gzip(dist: Path, anonymous: TestClient) -> None:
    source = "console.log('a large script');\n" * 200
    (dist / "assets" / "big-AbCd1234.js").write_text(source)
    (dist / "assets" / "big-AbCd1234.js.gz").write_bytes(gzip.compress(source.encode()))
    packed = anonymous.get("/assets/big-AbCd1234.js", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["content-encoding"] == "gzip"
    assert int(packed.headers["content-length"]) < len(source) / 10
    assert packed.text == source  # as the browser reads it, decoded
    assert packed.headers["content-type"].startswith("text/javascript")
    assert packed.headers["vary"] == "Accept-Encoding"
    for refusing in ("identity", "gzip;q=0", "br", "*;q=0"):
        plain = anonymous.get("/assets/big-AbCd1234.js", headers={"Accept-Encoding": refusing})
        assert "content-encoding" not in plain.headers, refusing
        assert plain.text == source and int(plain.headers["content-length"]) == len(source)


@pytest.mark.parametrize("path", ["/assets/missing.js", "/assets/%2e%2e/index.html", "/assets/..%2f..%2fsecret.txt",
                                  "/assets/"])
def test_nothing_outside_the_assets_is_served_from_there(dist: Path, anonymous: TestClient, path: str) -> None:
    response = anonymous.get(path)
    assert response.status_code == 404
    assert "outside the build" not in response.text


def test_a_browser_get_of_graphql_is_graphiql_from_the_build(dist: Path, anonymous: TestClient) -> None:
    page = anonymous.get("/graphql", headers=HTML)
    assert page.status_code == 200 and page.text == GRAPHIQL
    assert "cdn" not in page.text.lower()


def test_a_missing_build_says_how_to_make_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             anonymous: TestClient) -> None:
    monkeypatch.setattr(console, "DIST", tmp_path / "never-built")
    for path in ("/", "/runs/r-1"):
        page = anonymous.get(path)
        assert page.status_code == 200 and "make install" in page.text and "web console" in page.text
    graphiql = anonymous.get("/graphql", headers=HTML)
    assert graphiql.status_code == 200 and "make install" in graphiql.text and "GraphiQL" in graphiql.text
    assert anonymous.get("/assets/console-AbCd1234.js").status_code == 404


def test_knitgraph_console_prints_a_link_whose_token_signs_in(clean_graph: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNITGRAPH_HOME", str(clean_graph.home))
    for name in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD"):
        monkeypatch.setenv(name, str(getattr(clean_graph, name.lower())))
    first = CliRunner().invoke(knitgraph, ["console"])
    assert first.exit_code == 0, first.output
    match = re.fullmatch(r"http://127\.0\.0\.1:8080/#token=(kg_\S+)\n", first.stdout)
    assert match, first.stdout
    token = match[1]
    assert "removes the token from the address bar" in first.stderr
    assert token in (clean_graph.home / "knitprofile").read_text()
    again = CliRunner().invoke(knitgraph, ["console"])
    assert again.stdout == first.stdout  # the profile's token, while it works
    with app_client(clean_graph, token) as signed_in:
        answer = signed_in.post("/graphql", json={"query": "{ server { version } }"})
        assert answer.status_code == 200 and answer.json()["data"]["server"]["version"]
