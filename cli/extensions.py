"""CLI extensions, as Knitfab has them: an executable ``knit-NAME`` on PATH runs as
``knit NAME ARGS...`` (the first on PATH wins; a built-in command always wins over an extension).

knit consumes its global flags and hands the extension what they chose, in its environment:
``KNIT_PROFILE``, ``KNIT_PROFILE_STORE`` and ``KNIT_ENV`` as Knitfab does, and knitgraph's own
``KNIT_SERVER`` (the API root) and ``KNIT_TOKEN``, so an extension reaches the same server as knit.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from .context import CliContext, pass_cli
from .errors import Interrupted

PREFIX = "knit-"


def find_extensions() -> dict[str, Path]:
    """Every ``knit-NAME`` executable on PATH, by NAME; the first on PATH wins."""
    found: dict[str, Path] = {}
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        try:
            entries = sorted(os.scandir(folder or "."), key=lambda entry: entry.name)
        except OSError:  # a PATH entry that does not exist or cannot be read names no extension
            continue
        for entry in entries:
            name = entry.name[len(PREFIX):]
            if entry.name.startswith(PREFIX) and name and entry.is_file() and os.access(entry.path, os.X_OK):
                found.setdefault(name, Path(entry.path))
    return found


def extension_env(cli: CliContext) -> dict[str, str]:
    """What knit would use, for the extension: profile, profile store, knitenv (absolute paths, so the
    extension may change directory), server and token."""
    from .profiles import find_upwards, profile_name, resolve_server, store_path

    server = resolve_server(cli.profile, cli.profile_store)
    env = {"KNIT_SERVER": server.api_root, "KNIT_PROFILE_STORE": str(store_path(cli.profile_store).absolute())}
    if (name := profile_name(cli.profile)) is not None:
        env["KNIT_PROFILE"] = name
    if server.token:
        env["KNIT_TOKEN"] = server.token
    if (knitenv := Path(cli.env) if cli.env else find_upwards("knitenv")) is not None:
        env["KNIT_ENV"] = str(knitenv.absolute())
    return env


def extension_command(name: str, executable: Path) -> click.Command:
    """``knit NAME ARGS...``: replaces knit with the extension, which gets every argument as is."""

    @click.command(name=name, help=f"Extension: {executable}", add_help_option=False,
                   context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    @pass_cli
    def run_extension(cli: CliContext, args: tuple[str, ...]) -> None:
        environment = {**os.environ, **extension_env(cli)}
        sys.stdout.flush()
        os.execve(executable, [str(executable), *args], environment)

    return run_extension


class KnitGroup(click.Group):
    """The root group: built-in commands, imported when they are used (``lazy_commands``: name to
    ``module:attribute``), then ``knit-NAME`` extensions found on PATH. A Ctrl-C that no command
    explains exits 130 with a short message (click's own is a bare "Aborted!", exit 1)."""

    def __init__(self, *args: Any, lazy_commands: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def _import(self, name: str) -> click.Command:
        module, _, attribute = self.lazy_commands[name].partition(":")
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.lazy_commands[name]} is not a click command")
        self.add_command(command, name)
        return command

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted(
                "interrupted before the command completed",
                "run it again; `knit data find`, `knit plan find` and `knit run find` show what it did so far",
            ) from None

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in self.lazy_commands:
            return self._import(cmd_name)
        if command is None and (executable := find_extensions().get(cmd_name)) is not None:
            return extension_command(cmd_name, executable)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_commands(ctx, formatter)
        found = {name: path for name, path in find_extensions().items() if name not in self.list_commands(ctx)}
        if found:
            with formatter.section("Extensions (knit-NAME on PATH)"):
                formatter.write_dl([(name, str(path)) for name, path in sorted(found.items())])
