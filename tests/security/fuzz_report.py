"""Counts of the fuzzing in this folder, printed at the end of the test session (conftest.py).
"Unexpected" is a 5xx or an INTERNAL error from the server, or any exception other than the
project's own refusals from the tar reader and the plan parsers."""

from __future__ import annotations

from collections import Counter

CASES: Counter[str] = Counter()
UNEXPECTED: Counter[str] = Counter()


def lines() -> list[str]:
    return [f"{target}: {CASES[target]} cases, {UNEXPECTED[target]} unexpected errors" for target in sorted(CASES)]
