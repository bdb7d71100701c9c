"""What ``knit`` prints: results as JSON on stdout, logs and progress on stderr."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from knitgraph.graph_schema.knitfab_json import knitfab_shape as knitfab_shape  # re-exported for the commands


def json_text(value: Any) -> str:
    """Results as every command prints them: indented by 4, not ASCII-escaped, one newline."""
    return json.dumps(value, indent=4, ensure_ascii=False) + "\n"


def emit_json(value: Any) -> None:
    click.echo(json_text(value), nl=False)


def log(command: str, message: str) -> None:
    click.echo(f"[knit {command}] {message}", err=True)


# tqdm's own format leaves the unit off "done/total"; a user reads "1.50MB/20.0MB" (SI units, as tqdm
# names them: with 1024 as divisor it would still write "MB").
_SIZED = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}B/{total_fmt}B [{elapsed}<{remaining}, {rate_fmt}]"
_LABEL_WIDTH = 48


def _short(label: str) -> str:
    """``[knit data push] /a/long/path`` keeps its prefix and the tail of what it names."""
    prefix, cut, subject = label.rpartition("] ")
    room = _LABEL_WIDTH - len(prefix + cut)
    return label if len(subject) <= room else f"{prefix}{cut}…{subject[-(room - 1):]}"


class Progress:
    """Bytes moved so far, with throughput (and size and percentage when known), on a terminal;
    silence elsewhere. The label is cut to its tail so that the numbers always fit on the line.
    """

    def __init__(self, label: str, total: int | None) -> None:
        self._bar: Any = None
        if sys.stderr.isatty():
            from tqdm import tqdm  # only a terminal pays for the import

            self._bar = tqdm(
                total=total, desc=_short(label), unit="B", unit_scale=True, file=sys.stderr,
                dynamic_ncols=True, mininterval=0.2, leave=True, bar_format=None if total is None else _SIZED,
            )

    def advance(self, count: int) -> None:
        if self._bar is not None:
            self._bar.update(count)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

