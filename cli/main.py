"""The root of ``knit``: global flags, the shared context, and the command groups."""

from __future__ import annotations

import os
import sys
import traceback

import click

from .commands import about, data, experiment, init, metrics, pipeline, plan, run, schedule, service
from .context import CliContext
from .errors import KnitCliError
from .extensions import KnitGroup


@click.group(cls=KnitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--profile", help="Profile to use (default: the nearest .knitprofile, or `knitgraph up`'s).")
@click.option("--profile-store", help="Profile store file (default: ~/.knit/profile).")
@click.option("--env", "env_file", help="knitenv file (default: the nearest knitenv).")
@click.version_option(package_name="knitgraph", prog_name="knit")
@click.pass_context
def cli(ctx: click.Context, profile: str | None, profile_store: str | None, env_file: str | None) -> None:
    """knit: push Data, apply Plans, follow Runs and their lineage on a knitgraph server.

    The server is KNIT_SERVER if set, else the profile, else the one `knitgraph up` started.
    An executable `knit-NAME` on PATH runs as `knit NAME ARGS...` (an extension).
    """
    if ctx.obj is None:
        ctx.obj = CliContext(profile, profile_store, env_file)


cli.add_command(data.data)
cli.add_command(init.init)
cli.add_command(plan.plan)
cli.add_command(run.run)
cli.add_command(pipeline.pipeline)
cli.add_command(experiment.experiment)
cli.add_command(metrics.metrics)
cli.add_command(service.service)
cli.add_command(schedule.schedule)
cli.add_command(about.version)
cli.add_command(about.license_)


def main() -> None:
    """Entry point: a bug still ends with a readable message (KNIT_DEBUG=1 shows the traceback)."""
    try:
        cli.main(prog_name="knit", standalone_mode=True)
    except Exception as exc:  # noqa: BLE001 - the CLI's last edge: nothing may escape as a traceback
        if os.environ.get("KNIT_DEBUG"):
            traceback.print_exc()
        KnitCliError(
            f"unexpected error: {type(exc).__name__}: {exc}",
            "this is a bug of knit; run again with KNIT_DEBUG=1 and report the traceback",
        ).show()
        sys.exit(1)
