"""Commands on a pseudo-terminal, as a person runs them: progress bars, prompts and Ctrl-C.

A command whose output is a pipe behaves otherwise (no progress, no colours), so a test that only
pipes misses what every user sees: ``knit data pull`` crashed on a terminal for exactly this reason.
"""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pexpect

from ..e2e.processes import BIN

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")


class Terminal:
    """One command on a pty of 120 columns, its screen text read as it comes."""

    def __init__(self, command: str, *, env: dict[str, str], cwd: Path, timeout: float = 60.0) -> None:
        self.child = pexpect.spawn(
            "/bin/bash", ["-c", command], env={**env, "PATH": f"{BIN}:{os.environ['PATH']}", "TERM": "xterm"},
            cwd=str(cwd), timeout=timeout, dimensions=(40, 120), encoding="utf-8", codec_errors="replace",
            preexec_fn=_default_ctrl_c,
        )

    def expect(self, pattern: str) -> str:
        """Wait until ``pattern`` (a regular expression) shows; returns the text up to it."""
        self.child.expect(pattern)
        return str(self.child.before) + str(self.child.after)

    def interrupt(self) -> None:
        """Ctrl-C, typed: the terminal sends SIGINT to the foreground command."""
        self.child.sendintr()

    def finish(self) -> tuple[int, str]:
        """Wait for the command to end; its exit status and everything it printed, plain."""
        self.child.expect(pexpect.EOF)
        self.child.close()
        status = self.child.exitstatus if self.child.exitstatus is not None else 128 + int(self.child.signalstatus or 0)
        return status, plain(str(self.child.before))


def _default_ctrl_c() -> None:
    """A person's terminal delivers Ctrl-C; a test run started in the background inherits SIGINT
    ignored, which Python (and so knit) would then keep ignoring."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def plain(screen: str) -> str:
    """Screen text without colour codes and carriage returns."""
    return _ANSI.sub("\n", screen)


def run_on_terminal(command: str, *, env: dict[str, str], cwd: Path, timeout: float = 60.0) -> tuple[int, str]:
    return Terminal(command, env=env, cwd=cwd, timeout=timeout).finish()
