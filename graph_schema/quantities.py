"""Kubernetes resource quantities (``500m``, ``1.5``, ``2Gi``, ``1e3``): the one reading of them.

Plans carry resources as Kubernetes writes them; every executor turns them into its own limits
through these functions, and plan validation refuses what they cannot read.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

QUANTITY = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[KMGTPE]i?|[munk])?$")
_SUFFIX = {
    "Ki": Decimal(2) ** 10, "Mi": Decimal(2) ** 20, "Gi": Decimal(2) ** 30, "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50, "Ei": Decimal(2) ** 60, "n": Decimal("1e-9"), "u": Decimal("1e-6"),
    "m": Decimal("1e-3"), "k": Decimal("1e3"), "K": Decimal("1e3"), "M": Decimal("1e6"), "G": Decimal("1e9"),
    "T": Decimal("1e12"), "P": Decimal("1e15"), "E": Decimal("1e18"),
}


def quantity_value(text: str) -> Decimal | None:
    """The quantity's value in base units (bytes, cores), or None if it is no quantity."""
    match = QUANTITY.match(text.strip())
    if match is None:
        return None
    number, suffix = text.strip(), match.group(3) or ""
    try:
        if suffix and suffix[0] not in "eE":
            return Decimal(number[: -len(suffix)]) * _SUFFIX[suffix]
        return Decimal(number)
    except InvalidOperation:
        return None


def memory_bytes(text: str) -> int | None:
    """A memory quantity in bytes, rounded up; None unless a positive quantity."""
    value = quantity_value(text)
    if value is None or value <= 0:
        return None
    return int(value.to_integral_value(rounding="ROUND_CEILING"))


def cpu_nanos(text: str) -> int | None:
    """A CPU quantity in billionths of a core (Docker's NanoCpus); None unless a positive quantity."""
    value = quantity_value(text)
    if value is None or value <= 0:
        return None
    return int(value * 1_000_000_000)


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd]?)$")
_DURATION_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def duration_seconds(text: str) -> float | None:
    """A duration (``90``, ``90s``, ``30m``, ``2h``, ``1d``) in seconds; None unless positive.

    Not a Kubernetes quantity on purpose: there ``30m`` would be 0.03, and a timeout written
    ``30m`` means thirty minutes to anyone who writes it.
    """
    match = _DURATION.match(text.strip())
    if match is None:
        return None
    seconds = float(match.group(1)) * _DURATION_UNIT[match.group(2)]
    return seconds if 0 < seconds < 2**31 else None


def count(text: str) -> int | None:
    """A positive whole number (a process limit); None otherwise."""
    value = quantity_value(text)
    if value is None or value <= 0 or value != value.to_integral_value() or value >= 2**31:
        return None
    return int(value)
