"""What ``knit data lineage`` and ``knit plan graph`` share: flags, the local zone, rendering."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from .errors import KnitCliError
from .output import json_text, log

FORMATS = ("dot", "svg", "png", "json")


def depth(text: str) -> int | None:
    """``-n``: a positive number of steps, or ``all``."""
    if text.lower() == "all":
        return None
    if not text.isdigit() or int(text) < 1:
        raise click.UsageError("--numbers must be a positive integer or 'all'")
    return int(text)


def graph_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The flags both graph commands take, in Knitfab's spelling plus format and output."""
    for option in reversed([
        click.option("-u", "--upstream", is_flag=True, help="Walk upstream (neither -u nor -d: both ways)."),
        click.option("-d", "--downstream", is_flag=True, help="Walk downstream."),
        click.option("-n", "--numbers", default="3", metavar="N|all", show_default=True,
                     help="How many steps to walk; 'all' walks to the ends."),
        click.option("--max-nodes", default=10_000, type=click.IntRange(min=1), show_default=True,
                     help="Most nodes to draw, nearest first; a warning says when the graph was cut."),
        click.option("--format", "fmt", type=click.Choice(FORMATS), default="dot", show_default=True,
                     help="dot text, svg or png (rendered with graphviz's `dot`), or json (nodes and edges)."),
        click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), metavar="FILE",
                     help="Write to FILE instead of stdout."),
        click.option("--full-ids", is_flag=True,
                     help="Show whole ids (by default cut to 8 characters, the whole id in each node's tooltip)."),
    ]):
        command = option(command)
    return command


def local_timezone() -> str:
    """This machine's zone as the server understands it: an IANA name where one is known."""
    if os.environ.get("TZ"):
        return os.environ["TZ"].lstrip(":")
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    offset = datetime.now().astimezone().strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"


def warn_if_truncated(command: str, answer: dict[str, Any], max_nodes: int) -> None:
    if answer["truncated"]:
        omitted = answer.get("omittedRuns", answer.get("omittedPlans"))
        what = "Runs" if "omittedRuns" in answer else "Plans"
        left_out = f": {omitted} more {what} within reach are left out" if omitted else ""
        log(command, f"[WARN] the graph was cut at {max_nodes} nodes (nearest first){left_out}; "
                     "raise --max-nodes or lower --numbers to see all of it")


def emit(command: str, fmt: str, output: str | None, dot_text: str | None, answer: dict[str, Any]) -> None:
    """Print or save the graph in ``fmt``: json and dot as they are, svg/png through graphviz."""
    if fmt == "json":
        data = json_text(answer).encode()
    else:
        assert dot_text is not None
        data = dot_text.encode() if fmt == "dot" else _render(dot_text, fmt)
    if output:
        Path(output).write_bytes(data)
        log(command, f"{fmt} written to {output}")
    else:
        click.echo(data, nl=False)


def _render(dot_text: str, fmt: str) -> bytes:
    graphviz = shutil.which("dot")
    if graphviz is None:
        raise KnitCliError(
            f"--format {fmt} needs graphviz, and its `dot` command is not on PATH",
            "install graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz), "
            "or use --format dot and render the text elsewhere",
        )
    done = subprocess.run([graphviz, f"-T{fmt}"], input=dot_text.encode(), capture_output=True, check=False)
    if done.returncode != 0:
        raise KnitCliError(f"graphviz could not render the graph: {done.stderr.decode(errors='replace').strip()}",
                           "report this with the output of --format dot")
    return done.stdout
