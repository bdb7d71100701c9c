"""Prints how many cases each fuzzer ran and how many server errors it met."""

from __future__ import annotations

import pytest

from . import fuzz_report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if fuzz_report.CASES:
        terminalreporter.section("fuzzing")
        for line in fuzz_report.lines():
            terminalreporter.write_line(line)
