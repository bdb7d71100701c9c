"""The lifecycle hooks file (Knitfab's ``hooks.yaml``): read and checked, when the server starts
(a broken file stops it with the reason) and whenever it changes (server/lifecycle_hooks.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

MAX_FILE_BYTES = 1 << 20


class HooksFileError(ValueError):
    """The hooks file cannot be used: the reason names the problem and how to fix it."""


@dataclass(frozen=True, slots=True)
class HookUrls:
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()


def read_hooks_file(path: Path) -> HookUrls:
    """Knitfab's ``lifecycle-hooks: {before: [url...], after: [url...]}``, checked."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise HooksFileError(f"hooks file {path} is larger than 1 MiB; it lists URLs only")
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise HooksFileError(f"hooks file {path} cannot be read: {exc.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise HooksFileError(f"hooks file {path} is not valid YAML: {exc}") from None
    hooks = document.get("lifecycle-hooks") if isinstance(document, dict) else None
    if not isinstance(hooks, dict) or set(hooks) - {"before", "after"}:
        raise HooksFileError(f"hooks file {path} must hold `lifecycle-hooks: {{before: [URL...], after: [URL...]}}`")
    found: dict[str, tuple[str, ...]] = {}
    for when in ("before", "after"):
        urls = hooks.get(when) or []
        if not isinstance(urls, list) or not all(isinstance(url, str) for url in urls):
            raise HooksFileError(f"hooks file {path}: lifecycle-hooks.{when} must be a list of URLs")
        for url in urls:
            parsed = httpx.URL(url) if url.startswith(("http://", "https://")) else None
            if parsed is None or not parsed.host:
                raise HooksFileError(f"hooks file {path}: {url!r} in lifecycle-hooks.{when} is not an http(s) URL")
        found[when] = tuple(urls)
    return HookUrls(found["before"], found["after"])
