"""The CLI's errors: a reason and the advice, shown on stderr with exit code 1 (130 for Ctrl-C)."""

from __future__ import annotations

from typing import IO, Any

import click


class KnitCliError(click.ClickException):
    def __init__(self, reason: str, advice: str = "", see: str = "", code: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.advice = advice
        self.see = see
        self.code = code  # the API's error code (CONFLICT, NOT_FOUND...), when the API gave one

    def show(self, file: IO[Any] | None = None) -> None:
        lines = [f"Error: {self.reason}"]
        if self.see:
            lines.append(f"  see: {self.see}")
        if self.advice:
            lines.append(f"  advice: {self.advice}")
        click.echo("\n".join(lines), err=True)


class Interrupted(KnitCliError):
    """Ctrl-C: says what was kept (after a transfer: nothing) and exits 130, as a shell expects."""

    exit_code = 130
