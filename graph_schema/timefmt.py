"""Instants as knitgraph stores and shows them.

Stored: integer milliseconds since the epoch (UTC), so a ``knit#timestamp`` copied from the output
matches exactly (Knitfab's sub-millisecond quirk, reference §2.2, is avoided by design).
Shown: RFC3339 with milliseconds and a numeric offset, trailing zeros of the fraction dropped, as
Knitfab prints them (``2024-11-18T05:12:32.075+00:00``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import InvalidInputError

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_DURATION_UNITS = {
    "ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0,
}


def now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def to_ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return round(moment.timestamp() * 1000)


def from_ms(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, UTC)


def format_ms(millis: int, tz: tzinfo | None = UTC) -> str:
    moment = from_ms(millis).astimezone(tz)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{millis % 1000:03d}".rstrip("0")
    if fraction:
        text += "." + fraction
    offset = moment.strftime("%z")
    return f"{text}{offset[:3]}:{offset[3:]}"


def parse_instant(text: str) -> int:
    """Parse RFC3339 (``Z`` or an offset, any fraction) into epoch milliseconds."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInputError(
            f"'{text}' is not a timestamp", "write it as RFC3339, e.g. 2024-11-18T05:12:32.075+00:00"
        ) from exc
    if moment.tzinfo is None:
        raise InvalidInputError(f"'{text}' has no time zone", "add Z or an offset such as +09:00")
    return to_ms(moment)


def parse_duration_ms(text: str) -> int:
    """Parse a Go duration (``1h30m``, ``90s``, ``1.5h``) into milliseconds."""
    stripped = text.strip()
    parts = _DURATION_PART.findall(stripped)
    if not parts or "".join(number + unit for number, unit in parts) != stripped:
        raise InvalidInputError(
            f"'{text}' is not a duration", "write it as Go does, e.g. 90s, 15m, 1h30m"
        )
    seconds = sum(float(number) * _DURATION_UNITS[unit] for number, unit in parts)
    return round(seconds * 1000)


_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


def parse_timezone(text: str) -> tzinfo:
    """An IANA zone name (``Asia/Tokyo``), ``UTC``/``Z``, or a numeric offset (``+09:00``)."""
    if text in ("Z", "UTC"):
        return UTC
    offset = _OFFSET.match(text)
    if offset:
        sign, hours, minutes = offset.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        return timezone(-delta if sign == "-" else delta)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInputError(
            f"'{text}' is not a time zone", "give an IANA name such as Asia/Tokyo, UTC, or an offset such as +09:00"
        ) from exc
