"""The ASGI application: GraphQL at /graphql, content transfer under /api, health at /healthz."""

from __future__ import annotations

import contextlib
import logging
from typing import AsyncIterator

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL

from knitgraph.graph_schema.data import find_existing_knit_ids
from knitgraph.graph_schema.driver import Graph
from knitgraph.graph_schema.errors import KnitError
from knitgraph.graph_schema.migrations import apply_migrations

from .content_store import LocalContentStore
from .embedded_neo4j import connection
from .graphql.context import Context
from .graphql.schema import schema
from .executor_choice import create_executor
from .projector import catch_up_forever
from .run_manager import RunManager
from .settings import Settings
from .transfer import download, knit_error_handler, run_log, upload

logger = logging.getLogger("knitgraph.server")
SWEEP_INTERVAL_SECONDS = 600


class KnitGraphQL(GraphQL[Context, None]):
    async def get_context(self, request: Request, response: Response | None) -> Context:  # type: ignore[override]
        state = request.app.state
        return Context(graph=state.graph, store=state.store, settings=state.settings, runs=state.runs)


async def healthz(request: Request) -> Response:
    await request.app.state.graph.verify()
    return JSONResponse({"status": "ok", "neo4j": request.app.state.graph.uri})


async def _sweep_forever(store: LocalContentStore, graph: Graph) -> None:
    while True:
        await anyio.sleep(SWEEP_INTERVAL_SECONDS)
        try:
            await store.sweep(lambda ids: find_existing_knit_ids(graph, ids))
        except KnitError as exc:
            logger.warning("content sweep skipped: %s", exc)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        uri, user, password = connection(settings)
        graph = Graph(uri, user, password, settings.neo4j_database)
        try:
            await graph.verify()
            applied = await apply_migrations(graph)
            if applied:
                logger.info("schema migrated: %s", ", ".join(applied))
            store = LocalContentStore(settings.home, settings.upload_ttl_seconds)
            removed = await store.sweep(lambda ids: find_existing_knit_ids(graph, ids))
            if removed:
                logger.info("removed %d unfinished uploads or unrecorded contents", removed)
            manager = RunManager(
                graph, store, create_executor(settings), settings.executor_concurrency, settings.run_lease_seconds,
                settings.run_limits,
            )
            app.state.graph, app.state.store, app.state.settings = graph, store, settings
            app.state.runs = manager
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(_sweep_forever, store, graph)
                tasks.start_soon(catch_up_forever, graph)
                if settings.execute_runs:  # false: an API-only replica; other servers execute
                    tasks.start_soon(manager.run_forever)
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
    ]
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers={KnitError: knit_error_handler})
