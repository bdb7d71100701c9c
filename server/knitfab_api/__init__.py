"""Knitfab's REST API under ``/api`` (reference §7.2), so Knitfab's CLI, its extensions and REST
scripts work against knitgraph. One small module per noun; each handler parses the request, makes
one call into ``server/services`` and answers Knitfab's JSON (``shape.py``). Errors are the
``{"message": {"reason", "advice", ...}}`` the app answers every ``KnitError`` with.

knitgraph's own transfer endpoints (``/api/uploads``, ``/api/data/{knitId}/content``) live beside
these; ``GET /api/runs/{runId}/log`` serves both CLIs.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from . import data, plans, runs


def routes() -> list[BaseRoute]:
    return [
        Route("/api/data", data.find_data, methods=["GET"]),
        Route("/api/data", data.upload_data, methods=["POST"]),
        Route("/api/data/{knit_id}", data.download_data, methods=["GET"]),
        Route("/api/data/{knit_id}", data.tag_data, methods=["PUT"]),
        Route("/api/plans", plans.find_plans, methods=["GET"]),
        Route("/api/plans", plans.register_plan, methods=["POST"]),
        Route("/api/plans/{plan_id}", plans.show_plan, methods=["GET"]),
        Route("/api/plans/{plan_id}/active", plans.set_active, methods=["PUT", "DELETE"]),
        Route("/api/plans/{plan_id}/resources", plans.change_resources, methods=["PUT"]),
        Route("/api/plans/{plan_id}/annotations", plans.annotate, methods=["PUT"]),
        Route("/api/plans/{plan_id}/serviceaccount", plans.set_service_account, methods=["PUT", "DELETE"]),
        Route("/api/runs", runs.find_runs, methods=["GET"]),
        Route("/api/runs/{run_id}", runs.show_run, methods=["GET"]),
        Route("/api/runs/{run_id}", runs.delete, methods=["DELETE"]),
        Route("/api/runs/{run_id}/tearoff", runs.tearoff, methods=["PUT"]),
        Route("/api/runs/{run_id}/abort", runs.abort, methods=["PUT"]),
        Route("/api/runs/{run_id}/retry", runs.retry, methods=["PUT"]),
    ]


class TrailingSlash:
    """``/api/plans/`` is ``/api/plans``, as Knitfab's server treats both (no redirect: a redirect
    would point at the path without the token a Knitfab profile carries)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith("/api/") and path.endswith("/"):
            scope["path"] = path.rstrip("/")
            if scope.get("raw_path"):
                scope["raw_path"] = scope["raw_path"].rstrip(b"/")
        await self.app(scope, receive, send)
