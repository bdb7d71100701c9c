"""The ASGI application: GraphQL at /graphql, content transfer and Knitfab's REST API under /api,
health at /healthz, the web console at / (and its deep links).

The lifespan connects to Neo4j, migrates the schema, builds the :class:`Services`, and runs every
background loop under one :class:`Supervisor` until shutdown.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from knitgraph.executors.engine import find_engine
from knitgraph.graph_schema.driver import Graph
from knitgraph.graph_schema.errors import KnitError
from knitgraph.graph_schema.migrations import apply_migrations

from . import console
from .auth.gatekeeper import Gatekeeper
from .content_store import LocalContentStore
from .embedded_neo4j import connection
from .executor_choice import Runners
from .graphql.http import KnitGraphQL
from .graphql.schema import schema
from .knitfab_api import TrailingSlash
from .knitfab_api import routes as knitfab_routes
from .loops.projection import catch_up_forever
from .loops.retention import collect_forever
from .loops.run_manager import RunManager
from .loops.schedules import tick_forever
from .loops.supervisor import Supervisor
from .loops.sweep import sweep_forever, sweep_once
from .services import Services
from .services.system import check_health
from .serving import proxy as serving_proxy
from .settings import Settings
from .transfer import download, knit_error_handler, run_log, upload

logger = logging.getLogger("knitgraph.server")


async def healthz(request: Request) -> Response:
    supervisor: Supervisor = request.app.state.supervisor
    failing = {name: state.last_error for name, state in supervisor.loops.items() if state.failing}
    neo4j = await check_health(request.app.state.services)
    return JSONResponse({"status": "ok", "neo4j": neo4j, "failingLoops": failing})


async def _prepare(settings: Settings, graph: Graph) -> Services:
    await graph.verify()
    applied = await apply_migrations(graph)
    if applied:
        logger.info("schema migrated: %s", ", ".join(applied))
    engine = await anyio.to_thread.run_sync(find_engine, settings) if settings.executor in ("auto", "docker") else None
    logger.info("container engine: %s", engine or "none answers")
    services = Services(graph, LocalContentStore(settings.home, settings.upload_ttl_seconds), settings, engine)
    await sweep_once(services)
    return services


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        uri, user, password = connection(settings)
        graph = Graph(uri, user, password, settings.neo4j_database)
        try:
            services = await _prepare(settings, graph)
            supervisor = Supervisor()
            app.state.services, app.state.supervisor = services, supervisor
            async with anyio.create_task_group() as tasks:
                for name, loop in (("content sweep", sweep_forever), ("projection catch-up", catch_up_forever),
                                   ("schedules", tick_forever), ("retention", collect_forever)):
                    tasks.start_soon(supervisor.supervise, name, supervisor.loop(name, loop, services))
                if settings.execute_runs:  # false: an API-only replica; other servers execute
                    manager = RunManager(services, Runners(settings, services.engine), supervisor)
                    tasks.start_soon(manager.serve)
                yield
                tasks.cancel_scope.cancel()
        finally:
            await graph.close()

    routes = [
        Route("/graphql", KnitGraphQL(schema, graphql_ide="graphiql"), methods=["GET", "POST"]),
        Route("/api/uploads", upload, methods=["POST"]),
        Route("/api/data/{knit_id}/content", download, methods=["GET"]),
        Route("/api/runs/{run_id}/log", run_log, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        *knitfab_routes(),
        *serving_proxy.routes(),
        *console.routes(),
    ]
    gate = Middleware(Gatekeeper, allowed_hosts=settings.host_names, open_paths={"/healthz", *console.OPEN_PATHS},
                      open_prefixes=console.OPEN_PREFIXES)
    return Starlette(routes=routes, lifespan=lifespan, middleware=[gate, Middleware(TrailingSlash)],
                     exception_handlers={KnitError: knit_error_handler})
