"""``since`` and ``duration`` as every search takes them: the half-open window [since, since+duration)."""

from __future__ import annotations

from knitgraph.graph_schema.errors import InvalidInputError
from knitgraph.graph_schema.timefmt import parse_duration_ms, parse_instant

MAX_MILLIS = 2**63 - 1


def time_window(since: str | None, duration: str | None) -> tuple[int | None, int | None]:
    """Epoch milliseconds ``(start, end)``; ``(None, None)`` when no window is asked for."""
    if since is None:
        if duration is not None:
            raise InvalidInputError("duration needs since", "give since and duration together, or since alone")
        return None, None
    start = parse_instant(since)
    return start, start + parse_duration_ms(duration) if duration is not None else MAX_MILLIS
