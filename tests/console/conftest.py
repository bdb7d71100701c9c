"""The web console in a real browser: Debian's Chromium, driven by Playwright, against a real
`knitgraph serve` with real Data and Runs made by `knit`.

One server and one small world for all of them: a pushed dataset, a `train` plan that reads it, an
`evaluate` plan that reads the model (so the lineage is two steps deep), and plans whose Runs a test
starts itself (a ticking log, a Run to stop). Chromium must start: a machine without it fails
these tests, it never skips them (`make install` installs it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from playwright.sync_api import Browser, Page, Playwright, Route, sync_playwright

from knitgraph.graph_schema.maintenance import wipe
from knitgraph.server.console import DIST
from knitgraph.server.settings import Settings

from ..conftest import run_on_graph
from ..e2e.processes import ServerProcess, knit, knit_json

CHROMIUM = "/usr/bin/chromium"
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "images"
LOCAL_HOSTS = ("127.0.0.1", "localhost")


T = TypeVar("T")


def off_the_browser_loop(work: Callable[[], T]) -> T:
    """Run ``work`` in a thread of its own: Playwright's sync API keeps an asyncio loop running on
    the tests' thread, where the graph helpers (anyio.run) cannot start another."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(work).result()


# Package-scoped, not session-scoped: while Playwright runs, no test could use anyio.run, so it
# stops once the browser tests are done. Only browser tests live in this package.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Headless Chromium from Debian's package; its absence is a failure with the way to fix it."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: the console's tests need Debian's chromium (`make install` or "
                    "`apt-get install chromium`)", pytrace=False)
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture(scope="session")
def console_built() -> Path:
    """The console's build the server serves; the tests need it built, as `make install` builds it."""
    if not (DIST / "index.html").is_file() or not (DIST / "graphiql.html").is_file():
        pytest.fail(f"the console is not built in {DIST}: run `make console` (or `make install`)", pytrace=False)
    return DIST


@dataclass(frozen=True)
class Console:
    """A served knitgraph, the environment `knit` uses for it, and a folder for plans and data."""

    server: ServerProcess
    knit_env: dict[str, str]
    cwd: Path

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def token(self) -> str:
        return self.server.env["KNIT_TOKEN"]

    def knit(self, *args: str) -> Any:
        return knit_json(*args, env=self.knit_env, cwd=self.cwd)

    def knit_text(self, *args: str) -> str:
        return knit(*args, env=self.knit_env, cwd=self.cwd).stdout

    def push(self, name: str, tags: list[str], content: str = "1,2\n3,4\n") -> str:
        folder = self.cwd / name
        folder.mkdir(exist_ok=True)
        (folder / "rows.csv").write_text(content)
        return str(self.knit("data", "push", *(arg for tag in tags for arg in ("-t", tag)), str(folder))["knitId"])

    def apply_plan(self, name: str, script: str, inputs: list[str], output: list[str] | None = None) -> str:
        """A plan run by the process executor: ``sh -c script``, its log tagged ``log-of:name``."""
        spec: dict[str, Any] = {
            "image": f"{name}:v1",
            "entrypoint": ["sh", "-c", script],
            "inputs": [{"path": "/in/1", "tags": inputs}],
            "outputs": [{"path": "/out/1", "tags": output}] if output else [],
            "log": {"tags": [f"log-of:{name}"]},
            "annotations": ["knitgraph.io/executor=process", f"name={name}"],
        }
        file = self.cwd / f"{name}.yaml"
        file.write_text(yaml.safe_dump(spec))
        return str(self.knit("plan", "apply", str(file))["planId"])

    def only_run(self, plan_id: str) -> dict[str, Any]:
        (run,) = self.knit("run", "find", "-p", plan_id)
        return dict(run)

    def wait(self, run_id: str) -> dict[str, Any]:
        knit("run", "wait", "--timeout", "60", run_id, env=self.knit_env, cwd=self.cwd, expect=None)
        return dict(self.knit("run", "show", run_id))


@pytest.fixture(scope="package")
def console(neo4j_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory, console_built: Path) -> Iterator[Console]:
    root = tmp_path_factory.mktemp("console")
    home = root / "server-home"
    off_the_browser_loop(lambda: run_on_graph(Settings(KNITGRAPH_HOME=home, **neo4j_env), wipe))
    server = off_the_browser_loop(lambda: ServerProcess(home, neo4j_env))
    server.start()
    try:
        env = {"KNIT_SERVER": server.url, "KNIT_TOKEN": server.env["KNIT_TOKEN"], "HOME": str(root), "LANG": "C.UTF-8"}
        yield Console(server, env, root)
    finally:
        server.stop()


@dataclass(frozen=True)
class World:
    dataset: str
    upload_run: str
    train_plan: str
    train_run: str
    model: str
    train_log: str
    evaluate_plan: str
    evaluate_run: str
    report: str


@pytest.fixture(scope="package")
def world(console: Console) -> World:
    dataset = console.push("dataset", ["kind:console", "project:demo"])
    train_plan = console.apply_plan(
        "train", "echo training on $(cat /in/1/rows.csv | wc -l) rows; cp -r /in/1/. /out/1/; echo done",
        ["kind:console"], ["type:model"])
    train = console.wait(console.only_run(train_plan)["runId"])
    assert train["status"] == "done", train
    model = next(o["knitId"] for o in train["outputs"] if o["path"] == "/out/1")
    evaluate_plan = console.apply_plan("evaluate", "echo evaluating; echo accuracy 0.9 > /out/1/report.txt",
                                       ["type:model"], ["type:report"])
    evaluate = console.wait(console.only_run(evaluate_plan)["runId"])
    assert evaluate["status"] == "done", evaluate
    data = console.knit("data", "show", dataset)
    return World(
        dataset=dataset, upload_run=data["upstream"]["run"]["runId"], train_plan=train_plan, train_run=train["runId"],
        model=model, train_log=train["log"]["knitId"], evaluate_plan=evaluate_plan, evaluate_run=evaluate["runId"],
        report=evaluate["outputs"][0]["knitId"],
    )


def _local_only(route: Route) -> None:
    """Nothing leaves the machine: a request to any other host fails as it would offline."""
    host = re.sub(r":\d+$", "", route.request.url.split("//", 1)[-1].split("/", 1)[0])
    if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
        route.continue_()
    else:
        route.abort("internetdisconnected")


@pytest.fixture
def page(browser: Browser, console: Console) -> Iterator[Page]:
    """A fresh browser tab (its own sessionStorage) on a 1400×900 screen, cut off from the internet."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=console.url,
                                  accept_downloads=True)
    context.route("**/*", _local_only)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield tab
    finally:
        context.close()
    assert not errors, f"the page threw: {errors}"


def sign_in(page: Page, console: Console, path: str = "/") -> None:
    """Open ``path`` signed in, by the link `knitgraph console` prints."""
    page.goto(f"{path}#token={console.token}")


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"console-{name}.png"))
