"""Parsing flag values the way Knitfab's CLI does, before anything is sent."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import click

from .errors import KnitCliError

_LOOSE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)


def tag(text: str, *, user: bool) -> str:
    """Check a ``key:value`` flag; ``user`` tags may not use the reserved ``knit#`` prefix."""
    key, colon, _ = text.partition(":")
    if not colon:
        raise click.UsageError(f"tag '{text}' has no ':'; write tags as key:value")
    if user and key.strip().startswith("knit#"):
        raise click.UsageError(f"Tag starting knit# is reserved: '{text}'")
    return text


def since(text: str) -> str:
    """``YYYY-mm-dd[THH[:MM[:SS]]][TZ]`` (``T`` or a space; local time without TZ) as RFC3339."""
    match = _LOOSE.match(text.strip())
    if not match:
        raise click.UsageError(f"--since '{text}' is not a date; write YYYY-mm-dd[THH[:MM[:SS]]][TZ]")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")),
        )
    except ValueError as exc:
        raise click.UsageError(f"--since '{text}': {exc}") from exc
    if zone is None:
        return moment.astimezone().isoformat()
    if zone == "Z":
        return moment.replace(tzinfo=UTC).isoformat()
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return moment.replace(tzinfo=timezone(offset if zone[0] == "+" else -offset)).isoformat()


def transient(text: str) -> str:
    mapping = {"both": "BOTH", "yes": "YES", "true": "YES", "no": "NO", "false": "NO"}
    if text.lower() not in mapping:
        raise click.UsageError(f"--transient '{text}': choose both, yes, true, no or false")
    return mapping[text.lower()]


SEARCHABLE_STATUSES = ("deactivated", "waiting", "ready", "starting", "running", "completing", "aborting", "done",
                       "failed")


def statuses(texts: tuple[str, ...]) -> list[str] | None:
    """``-s`` values as the server's RunStatus enum takes them (none given: no filter); Knitfab's
    wording for one it does not know."""
    for text in texts:
        if text not in SEARCHABLE_STATUSES:
            raise KnitCliError(f'"status" should be one of {", ".join(SEARCHABLE_STATUSES)}; not {text!r}',
                               "pick statuses from that list")
    return list(texts) or None
