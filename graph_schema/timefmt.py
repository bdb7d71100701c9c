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


# Zone names that are UTC for good (tzdata links to Etc/UTC): formatted without zone rules.
_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"})
_EPOCH = datetime(1970, 1, 1)
_FIXED: dict[tzinfo, tuple[timedelta, str] | None] = {}  # by zone: its offset and how it is written


def _fixed_offset(tz: tzinfo) -> tuple[timedelta, str] | None:
    """The offset of a zone that never changes it, in whole minutes, and its text; else None."""
    if tz not in _FIXED:
        offset: timedelta | None = None
        if isinstance(tz, ZoneInfo) and tz.key in _UTC_NAMES:
            offset = timedelta(0)
        elif isinstance(tz, timezone) and tz.utcoffset(None) % timedelta(minutes=1) == timedelta(0):
            offset = tz.utcoffset(None)
        if offset is None:
            _FIXED[tz] = None
        else:
            hours, minutes = divmod(abs(offset // timedelta(minutes=1)), 60)
            _FIXED[tz] = (offset, f"{'-' if offset < timedelta(0) else '+'}{hours:02d}:{minutes:02d}")
    return _FIXED[tz]


def format_ms(millis: int, tz: tzinfo | None = UTC) -> str:
    fixed = _fixed_offset(tz) if tz is not None else None
    if fixed is not None:
        # A lineage formats thousands of instants: datetime arithmetic and isoformat() take a
        # fraction of the time of a zone conversion and two strftime() calls, and write the same.
        try:
            moment = _EPOCH + timedelta(seconds=millis // 1000) + fixed[0]
        except OverflowError:
            moment = None
        if moment is not None and moment.year >= 1000:  # strftime does not pad earlier years
            fraction = f"{millis % 1000:03d}".rstrip("0")
            return f"{moment.isoformat()}{'.' + fraction if fraction else ''}{fixed[1]}"
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
