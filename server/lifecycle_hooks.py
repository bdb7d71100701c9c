"""Lifecycle webhooks, configured as Knitfab configures them (reference §7.7).

The hooks file (``KNITGRAPH_HOOKS_FILE``) is Knitfab's ``hooks.yaml``::

    lifecycle-hooks:
      before: [http://audit.example/before]
      after: [http://audit.example/after]

Each URL gets a ``POST`` of the Run's detail JSON (as Knitfab's ``knit run show``) for each
transition the run manager makes: the Run as it is before the change for a before-hook, as it is
after for an after-hook. Every before-hook must answer 2xx or the change is not made now but
tried again later (at least once); after-hooks are called once, their failures only logged.
Only the ``ready -> starting`` before-hooks' answers are read: ``{"knitfabExtension": {"env":
{...}}}`` in an ``application/json`` answer sets variables for the Run's task, later URLs winning.
A changed file is read again at its next use; a broken one keeps the last good one (logged).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import httpx

from knitgraph.graph_schema.records import RunRecord

from .hooks_file import HooksFileError, HookUrls, read_hooks_file
from .knitfab_api.shape import run_json

logger = logging.getLogger("knitgraph.server.hooks")
REQUEST_SECONDS = 10.0
_ENV_NAME_FORBIDDEN = ("=", "\0")


class HookRefused(Exception):
    """A before-hook did not answer 2xx: the transition waits, and is tried again later."""


class LifecycleHooks:
    """The configured hooks, calling them; re-reads the file when it changes."""

    def __init__(self, path: Path | None, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.path = path
        self._stamp: tuple[float, int] | None = None
        self.urls = HookUrls()
        if path is not None:
            self.urls = read_hooks_file(path)
            self._stamp = _stamp(path)
        self._client = httpx.AsyncClient(timeout=REQUEST_SECONDS, transport=transport, follow_redirects=False)

    @property
    def configured(self) -> bool:
        self._reload_if_changed()
        return bool(self.urls.before or self.urls.after)

    def _reload_if_changed(self) -> None:
        if self.path is None:
            return
        stamp = _stamp(self.path)
        if stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            self.urls = read_hooks_file(self.path)
            logger.info("hooks file %s read again: %d before-hooks, %d after-hooks", self.path,
                        len(self.urls.before), len(self.urls.after))
        except HooksFileError as exc:
            logger.error("%s; the hooks read before stay in use", exc)

    async def before(self, run: RunRecord, transition: str) -> dict[str, str]:
        """Call every before-hook with the Run as it is now; the variables they set for its task.
        Raises :class:`HookRefused` at the first that does not answer 2xx."""
        env: dict[str, str] = {}
        body = run_json(run)
        for url in self.urls.before:
            try:
                response = await self._client.post(url, json=body)
            except httpx.HTTPError as exc:
                raise HookRefused(f"before-hook {url} for run {run.summary.run_id} ({transition}) failed: "
                                  f"{type(exc).__name__}: {exc}") from None
            if not response.is_success:
                raise HookRefused(f"before-hook {url} for run {run.summary.run_id} ({transition}) answered "
                                  f"{response.status_code}")
            env.update(_extension_env(response))
        return env

    async def after(self, run: RunRecord, transition: str) -> None:
        """Call every after-hook with the Run as it is now; failures are logged and ignored."""
        body = run_json(run)
        for url in self.urls.after:
            try:
                response = await self._client.post(url, json=body)
                if not response.is_success:
                    logger.warning("after-hook %s for run %s (%s) answered %d; ignored", url, run.summary.run_id,
                                   transition, response.status_code)
            except httpx.HTTPError as exc:
                logger.warning("after-hook %s for run %s (%s) failed: %s; ignored", url, run.summary.run_id,
                               transition, exc)

    async def aclose(self) -> None:
        await self._client.aclose()


def _stamp(path: Path) -> tuple[float, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_mtime, status.st_size


def _extension_env(response: httpx.Response) -> dict[str, str]:
    """Knitfab's ``{"knitfabExtension": {"env": {...}}}``, read only from an ``application/json`` answer."""
    if response.headers.get("content-type") != "application/json":
        return {}
    try:
        body: Any = json.loads(response.content)
    except ValueError:
        return {}
    extension = body.get("knitfabExtension") if isinstance(body, dict) else None
    env = extension.get("env") if isinstance(extension, dict) else None
    if not isinstance(env, dict):
        return {}
    return {str(name): str(value) for name, value in env.items()
            if name and not any(c in str(name) for c in _ENV_NAME_FORBIDDEN) and "\0" not in str(value)}
