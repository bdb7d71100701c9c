"""The one error of the archive format."""

from __future__ import annotations


class UnsafeArchiveError(Exception):
    """An entry would land outside the target directory, or is of a kind knitgraph does not store."""

    def __init__(self, reason: str, advice: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.advice = advice
