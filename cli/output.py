"""What ``knit`` prints: results as JSON on stdout, logs and progress on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
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


class Progress:
    """Bytes moved so far, with throughput (and size when known), on a terminal; silence elsewhere.

    tqdm counts without a total, which a pull needs: its size is known only once it has arrived.
    """

    def __init__(self, label: str, total: int | None) -> None:
        self._bar: Any = None
        if sys.stderr.isatty():
            from tqdm import tqdm  # only a terminal pays for the import

            self._bar = tqdm(
                total=total, desc=label, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr,
                dynamic_ncols=True, mininterval=0.2, leave=True,
            )

    def advance(self, count: int) -> None:
        if self._bar is not None:
            self._bar.update(count)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def chunks_with_progress(chunks: Iterator[bytes], progress: Progress) -> Iterator[bytes]:
    for chunk in chunks:
        progress.advance(len(chunk))
        yield chunk
