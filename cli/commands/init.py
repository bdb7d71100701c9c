"""``knit init``: register a server as a profile."""

from __future__ import annotations

import os
from pathlib import Path

import click

from .. import safe_yaml
from ..context import CliContext, pass_cli
from ..errors import KnitCliError
from ..output import log
from ..profiles import save_profile, split_api_root, store_path


@click.command()
@click.argument("knitprofile_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_cli
def init(cli: CliContext, knitprofile_file: Path) -> None:
    """Save the server named in KNITPROFILE_FILE ({apiRoot: URL}) as a profile and use it here.

    The profile is named by --profile (default: this directory's path) and recorded in
    ./.knitprofile, so knit uses it in this directory and below.
    """
    content = safe_yaml.read_file(knitprofile_file)[0] or {}
    if not isinstance(content, dict) or "apiRoot" not in content:
        raise KnitCliError(f"{knitprofile_file} has no apiRoot", "write it as `apiRoot: http://host:port`")
    api_root, path_token = split_api_root(str(content["apiRoot"]))
    name = cli.profile or os.getcwd()
    path = store_path(cli.profile_store)
    save_profile(path, name, api_root, (content.get("cert") or {}).get("ca"), content.get("token") or path_token)
    marker = Path(".knitprofile")
    fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(name + "\n")
    log("init", f"profile {name} is saved to {path}")
