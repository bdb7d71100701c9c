"""The root of ``knit``: global flags, the shared context, and the command groups."""

from __future__ import annotations

import os
import sys

import click

from . import __version__
from .context import CliContext
from .errors import KnitCliError
from .extensions import KnitGroup

# Each command's module is imported when the command runs: a short command pays for its own imports only.
COMMANDS = {
    "data": "knitgraph.cli.commands.data:data",
    "init": "knitgraph.cli.commands.init:init",
    "plan": "knitgraph.cli.commands.plan:plan",
    "run": "knitgraph.cli.commands.run:run",
    "pipeline": "knitgraph.cli.commands.pipeline:pipeline",
    "experiment": "knitgraph.cli.commands.experiment:experiment",
    "metrics": "knitgraph.cli.commands.metrics:metrics",
    "service": "knitgraph.cli.commands.service:service",
    "schedule": "knitgraph.cli.commands.schedule:schedule",
    "version": "knitgraph.cli.commands.about:version",
    "license": "knitgraph.cli.commands.about:license_",
}


@click.group(cls=KnitGroup, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--profile", help="Profile to use (default: the nearest .knitprofile, or `knitgraph up`'s).")
@click.option("--profile-store", help="Profile store file (default: ~/.knit/profile).")
@click.option("--env", "env_file", help="knitenv file (default: the nearest knitenv).")
@click.version_option(__version__, prog_name="knit")
@click.pass_context
def cli(ctx: click.Context, profile: str | None, profile_store: str | None, env_file: str | None) -> None:
    """knit: push Data, apply Plans, follow Runs and their lineage on a knitgraph server.

    The server is KNIT_SERVER if set, else the profile, else the one `knitgraph up` started.
    An executable `knit-NAME` on PATH runs as `knit NAME ARGS...` (an extension).
    """
    if ctx.obj is None:
        ctx.obj = CliContext(profile, profile_store, env_file)


def main() -> None:
    """Entry point: a bug still ends with a readable message (KNIT_DEBUG=1 shows the traceback)."""
    try:
        cli.main(prog_name="knit", standalone_mode=True)
    except Exception as exc:  # noqa: BLE001 - the CLI's last edge: nothing may escape as a traceback
        if os.environ.get("KNIT_DEBUG"):
            import traceback

            traceback.print_exc()
        KnitCliError(
            f"unexpected error: {type(exc).__name__}: {exc}",
            "this is a bug of knit; run again with KNIT_DEBUG=1 and report the traceback",
        ).show()
        sys.exit(1)
