"""Which server ``knit`` talks to, and the user's knitenv defaults.

The API root is, first to last: ``KNIT_SERVER``; the named profile (``--profile``, ``KNIT_PROFILE``,
or the nearest ``.knitprofile`` file) from the profile store (``~/.knit/profile``, or
``KNIT_PROFILE_STORE``); the knitprofile ``knitgraph up`` wrote into ``$KNITGRAPH_HOME``;
``http://127.0.0.1:8080``.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import KnitCliError

DEFAULT_API_ROOT = "http://127.0.0.1:8080"


def find_upwards(name: str, start: Path | None = None) -> Path | None:
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / name).is_file():
            return candidate / name
    return None


def store_path(override: str | None) -> Path:
    return Path(override or os.environ.get("KNIT_PROFILE_STORE") or Path.home() / ".knit" / "profile")


def _read_yaml(path: Path) -> Any:
    """The file's content. What knit and ``knitgraph up`` write is JSON, which is YAML too: it is read
    without loading a YAML parser (a short command's biggest import); anything else as YAML."""
    text = path.read_text(errors="replace") if path.stat().st_size <= _JSON_BYTES else ""
    if text.lstrip().startswith("{"):
        with contextlib.suppress(ValueError):
            return json.loads(text)
    from . import safe_yaml

    content, _ = safe_yaml.read_file(path)
    return content or {}


_JSON_BYTES = 1 << 20


def split_api_root(api_root: str) -> tuple[str, str | None]:
    """The server's root, and the token an apiRoot carries in its path. Knitfab's knitprofiles end
    in ``/api``; one made for Knitfab's own CLI against knitgraph ends in ``/api/t/<token>``."""
    if not api_root.startswith(("http://", "https://")):
        raise KnitCliError(
            f"apiRoot '{api_root}' is not an absolute URL", "write it as http(s)://host:port"
        )
    root = api_root.rstrip("/")
    root, marker, token = root.rpartition("/api/t/")
    if marker and token and "/" not in token:
        return root, token
    return api_root.rstrip("/").removesuffix("/api"), None


def _server(entry: dict[str, Any]) -> Server:
    root, path_token = split_api_root(entry["apiRoot"])
    return Server(root, entry.get("token") or path_token, (entry.get("cert") or {}).get("ca"))


def load_store(path: Path) -> dict[str, Any]:
    return _read_yaml(path) if path.exists() else {}


def save_profile(path: Path, name: str, api_root: str, ca: str | None, token: str | None = None) -> None:
    store = load_store(path)
    store[name] = {"apiRoot": api_root, **({"cert": {"ca": ca}} if ca else {}), **({"token": token} if token else {})}
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".partial")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(json.dumps(store, indent=2) + "\n")  # JSON is YAML: Knitfab's knit reads this file too
    os.replace(temporary, path)


def profile_name(explicit: str | None) -> str | None:
    if explicit or os.environ.get("KNIT_PROFILE"):
        return explicit or os.environ["KNIT_PROFILE"]
    marker = find_upwards(".knitprofile")
    return marker.read_text().splitlines()[0].strip() if marker and marker.read_text().strip() else None


def _default_home() -> str:
    import platformdirs

    return platformdirs.user_data_dir("knitgraph")


@dataclass(frozen=True)
class Server:
    """Where knit sends its requests, and the API token it proves itself with."""

    api_root: str
    token: str | None
    ca: str | None = None  # base64 of the PEM CA to trust, as Knitfab's knitprofile carries it


def _profile(explicit_profile: str | None, store_override: str | None) -> Server:
    name = profile_name(explicit_profile)
    if name is not None:
        path = store_path(store_override)
        store = load_store(path)
        if name not in store:
            raise KnitCliError(
                f"profile '{name}' not found in the profile store ({path})",
                "register it with `knit init KNITPROFILE_FILE`, or set KNIT_SERVER",
            )
        return _server(store[name])
    home = Path(os.environ.get("KNITGRAPH_HOME") or _default_home())
    written_by_up = home / "knitprofile"
    if written_by_up.exists():
        return _server(_read_yaml(written_by_up))
    return Server(DEFAULT_API_ROOT, None)


def resolve_server(explicit_profile: str | None, store_override: str | None) -> Server:
    """KNIT_SERVER, else the profile; the token is KNIT_TOKEN, else the profile's (when the profile
    names the same server)."""
    profile = _profile(explicit_profile, store_override)
    api_root, path_token = split_api_root(os.environ["KNIT_SERVER"]) if os.environ.get("KNIT_SERVER") \
        else (profile.api_root, None)
    same = profile.api_root == api_root
    token = os.environ.get("KNIT_TOKEN") or path_token or (profile.token if same else None)
    return Server(api_root, token, profile.ca if same else None)


@dataclass(frozen=True)
class KnitEnv:
    """Defaults from the nearest ``knitenv`` file: tags added to pushes, resources for templates."""

    tags: list[str] = field(default_factory=list)
    resources: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, override: str | None) -> KnitEnv:
        path = Path(override) if override else find_upwards("knitenv")
        if path is None or not path.exists():
            return cls()
        content = _read_yaml(path)
        if not isinstance(content, dict):
            raise KnitCliError(f"{path} must be a YAML mapping with 'tag' and 'resource'", "fix the file")
        return cls(
            tags=[str(t) for t in content.get("tag") or []],
            resources={str(k): str(v) for k, v in (content.get("resource") or {}).items()},
        )
