"""``knitgraph``: run and administer a knitgraph server.

    knitgraph up | down | status | serve | console
    knitgraph neo4j install | start | stop | status
    knitgraph user add | role | list
    knitgraph token create | list | revoke
    knitgraph import FILE [--overwrite]
"""

from __future__ import annotations

import logging
import sys

import click
import uvicorn
from pydantic import ValidationError

from knitgraph.executors.engine import find_engine
from knitgraph.graph_schema.errors import KnitError

from ..embedded_neo4j import EmbeddedNeo4j
from ..gc_tuning import tune_gc
from ..settings import Settings
from . import access, importing
from .background import BackgroundServer
from .podman import ManagedPodman
from .tls import tls_files


def log(message: str) -> None:
    click.echo(f"[knitgraph] {message}", err=True)


class AdminGroup(click.Group):
    """Turns knitgraph's own errors into a readable message and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KnitError as exc:
            raise click.ClickException(f"{exc.reason}\n  advice: {exc.advice}") from exc
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
            raise click.ClickException(
                f"invalid setting: {problems}\n  advice: fix that environment variable (see `knitgraph --help`)"
            ) from exc


@click.group(cls=AdminGroup)
@click.pass_context
def main(ctx: click.Context) -> None:
    """Run knitgraph: the API server and, unless NEO4J_URI says otherwise, an embedded Neo4j.

    Settings come from the environment: KNITGRAPH_HOME (data, logs, password), KNITGRAPH_HOST and
    KNITGRAPH_PORT (API, default 127.0.0.1:8080), KNITGRAPH_NEO4J_BOLT_PORT / _HTTP_PORT (default
    7687 / 7474), NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD (use another Neo4j instead),
    KNITGRAPH_EXECUTOR (auto, process, docker or kubernetes; DOCKER_HOST for docker), KNITGRAPH_EXECUTOR_CONCURRENCY,
    KNITGRAPH_EXECUTE_RUNS (false: serve the API only). See docs/admin-guide.md.
    """
    ctx.obj = Settings()


pass_settings = click.make_pass_decorator(Settings)


@main.command()
@pass_settings
def up(settings: Settings) -> None:
    """Start Neo4j (unless NEO4J_URI is set), Podman (when plans' images would run there and no
    other container engine answers) and the API server in the background; wait for them."""
    if settings.embedded_neo4j:
        EmbeddedNeo4j(settings).start(log)
    else:
        log(f"using the Neo4j at {settings.neo4j_uri}")
    ManagedPodman(settings).start(log)
    server = BackgroundServer(settings)
    pid = server.start()
    log(f"API server is up at {settings.api_root} (pid {pid}; GraphiQL at {settings.api_root}/graphql)")
    log(f"knit will use it: profile written to {server.profile_file}")
    log(f"console: {settings.api_root}/  (sign in: knitgraph console)")


@main.command()
@click.argument("page", default="/", metavar="[PAGE]")
@pass_settings
def console(settings: Settings, page: str) -> None:
    """Print a link that opens the web console signed in as this machine's admin, at PAGE (a
    console path such as /lineage/KNIT_ID or /runs/RUN_ID; default: the start page).

    The link carries the admin token of the knitprofile `knitgraph up` writes (a new one if that
    token no longer works); the console keeps it for the browser tab only. Treat the link as a
    password: it is for your own browser, not for a chat.
    """
    if not page.startswith("/") or "#" in page:
        raise click.BadParameter("give a console path starting with /, e.g. /lineage/KNIT_ID", param_hint="PAGE")
    token = BackgroundServer(settings).write_profile()
    click.echo(f"{settings.api_root}{page}#token={token}")
    log("open it in your browser; the console removes the token from the address bar at once")


@main.command()
@pass_settings
def down(settings: Settings) -> None:
    """Stop what `knitgraph up` started; data stay under KNITGRAPH_HOME."""
    log("API server stopped" if BackgroundServer(settings).stop() else "API server was not running")
    ManagedPodman(settings).stop(log)
    if settings.embedded_neo4j:
        EmbeddedNeo4j(settings).stop(log)


@main.command()
@pass_settings
def status(settings: Settings) -> None:
    """Say what runs and whether it works: the API server, Neo4j, the background loops.

    Exits 1 unless the API server answers and reaches Neo4j.
    """
    health = BackgroundServer(settings).health()
    click.echo(f"api server: {'up' if health is not None else 'down'} ({settings.api_root})")
    where = f"{EmbeddedNeo4j(settings).bolt_uri}, Browser {EmbeddedNeo4j(settings).browser_url}" \
        if settings.embedded_neo4j else f"external {settings.neo4j_uri}"
    neo4j_up = health is not None and health.get("status") == "ok"
    if health is None:
        state = ("up" if EmbeddedNeo4j(settings).pid() else "down") if settings.embedded_neo4j else "unknown"
        click.echo(f"neo4j: {state} ({where})")
    elif neo4j_up:
        click.echo(f"neo4j: up ({where})")
    else:
        message = health.get("message") or {}
        click.echo(f"neo4j: DOWN: {message.get('reason', 'no answer')} ({where})")
        if message.get("advice"):
            click.echo(f"  advice: {message['advice']}")
    for name, error in ((health or {}).get("failingLoops") or {}).items():
        click.echo(f"loop {name}: failing ({error})")
    if settings.executor in ("auto", "docker"):
        engine = find_engine(settings)
        click.echo(f"container engine: {engine or 'none answers (plans run as sandboxed processes)'}")
    click.echo(f"home: {settings.home}")
    if not neo4j_up:
        sys.exit(1)


@main.command()
@pass_settings
def serve(settings: Settings) -> None:
    """Run the API server in the foreground (Ctrl-C stops it)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    tls = tls_files(settings)
    tune_gc()
    uvicorn.run(
        "knitgraph.server.app:create_app", factory=True, host=settings.host, port=settings.port,
        log_level="info", timeout_graceful_shutdown=10,
        ssl_certfile=str(tls.cert) if tls else None, ssl_keyfile=str(tls.key) if tls else None,
    )


@main.group()
def neo4j() -> None:
    """The embedded Neo4j server (ignored when NEO4J_URI is set)."""


@neo4j.command("install")
@pass_settings
def neo4j_install(settings: Settings) -> None:
    """Fetch Neo4j 5.26 Community from Maven Central with mvn (once)."""
    EmbeddedNeo4j(settings).install(log)


@neo4j.command("start")
@pass_settings
def neo4j_start(settings: Settings) -> None:
    """Start the embedded Neo4j and wait until it answers on Bolt."""
    EmbeddedNeo4j(settings).start(log)


@neo4j.command("stop")
@pass_settings
def neo4j_stop(settings: Settings) -> None:
    """Stop the embedded Neo4j."""
    EmbeddedNeo4j(settings).stop(log)


@neo4j.command("status")
@pass_settings
def neo4j_status(settings: Settings) -> None:
    """Say whether the embedded Neo4j runs, where, and where its data and password are."""
    server = EmbeddedNeo4j(settings)
    pid = server.pid()
    click.echo(f"neo4j: {'running, pid ' + str(pid) if pid else 'stopped'}")
    click.echo(f"bolt: {server.bolt_uri}  browser: {server.browser_url}  user: neo4j")
    click.echo(f"data: {server.dir / 'data'}  password file: {server.password_file}")


if __name__ == "__main__":
    sys.exit(main())


main.add_command(access.user)
main.add_command(access.token)
main.add_command(importing.import_data)
