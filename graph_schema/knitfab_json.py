"""Which optional fields Knitfab leaves out of its JSON (reference §5.5), for the CLI's output and the
server's Knitfab REST API alike: one rule, two edges. A pure rule: no Neo4j here."""

from __future__ import annotations

from typing import Any

# Knitfab leaves these out of its JSON when they are empty (reference §5.5).
_OMIT_WHEN_NULL = frozenset(
    {"mountpoint", "log", "exit", "image", "entrypoint", "args", "name", "on_node", "service_account", "executor",
     "notBefore", "supersededBy", "supersedes", "supersededAt"}
)
_OMIT_WHEN_EMPTY = frozenset({"annotations", "resources", "history", "metrics", "attempts"})  # metrics, attempts: knitgraph's own


def knitfab_shape(value: Any, keep_null: frozenset[str] = frozenset()) -> Any:
    """Drop the optional fields Knitfab omits, recursively; ``keep_null`` keys stay as null."""
    if isinstance(value, list):
        return [knitfab_shape(item, keep_null) for item in value]
    if not isinstance(value, dict):
        return value
    shaped = {}
    for key, item in value.items():
        if item is None and key in _OMIT_WHEN_NULL and key not in keep_null:
            continue
        if item in ([], {}) and key in _OMIT_WHEN_EMPTY:
            continue
        shaped[key] = knitfab_shape(item, keep_null)
    return shaped
