"""``knit data``: push, pull, find, show and tag Data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .. import flags, graphs
from ..context import CliContext, pass_cli
from ..output import emit_json, knitfab_shape, log
from .run import print_rerun


def _print_data(data: Any) -> None:
    emit_json(knitfab_shape(data))


@click.group()
def data() -> None:
    """Data: directories with key:value tags."""


@data.command()
@click.option("-t", "--tag", "tags", multiple=True, metavar="KEY:VALUE", help="Tag to put on the Data (repeatable).")
@click.option("-n", "--name", is_flag=True, help="Also tag name:<directory name>.")
@click.option("-L", "--dereference", is_flag=True, help="Store what symlinks point to, not the links.")
@click.argument("sources", nargs=-1, required=True, metavar="DIRECTORY...")
@pass_cli
def push(cli: CliContext, tags: tuple[str, ...], name: bool, dereference: bool, sources: tuple[str, ...]) -> None:
    """Upload each DIRECTORY as a new Data and print it as JSON.

    The Data appears, with its tags, only once the whole directory arrived and its checksum
    matched. Tags from the nearest knitenv file are added.
    """
    from .. import transfer  # the archive code: only the commands that move content load it

    user_tags = [flags.tag(text, user=True) for text in (*tags, *cli.knitenv.tags)]
    for source in sources:
        path = Path(source)
        if not path.is_dir():
            log("data push", f"{source} is not a directory -- skipped")
            continue
        pushed_tags = [*user_tags, f"name:{path.resolve().name}"] if name else user_tags
        log("data push", f"pushing {source} ...")
        pushed = transfer.push_directory(cli.client, path, pushed_tags, dereference)
        log("data push", f"pushed {source} as knit#id:{pushed['knitId']}")
        _print_data(pushed)


@data.command()
@click.option("-x", "--extract", is_flag=True, help="Extract into DEST/KNIT_ID/ instead of saving DEST/KNIT_ID.tar.")
@click.argument("knit_id")
@click.argument("dest", default=".")
@pass_cli
def pull(cli: CliContext, extract: bool, knit_id: str, dest: str) -> None:
    """Download a Data into DEST (default: here); DEST '-' writes the tar to stdout.

    What arrives is checked against the Data's digest; on a mismatch nothing is kept.
    """
    if extract and dest == "-":
        raise click.UsageError("-x/--extract cannot write to '-' (stdout); give a directory")
    from .. import transfer

    target = transfer.pull(cli.client, knit_id, dest, extract)
    if target is not None:
        log("data pull", f"knit#id:{knit_id} saved to {target}")


@data.command()
@click.option("-t", "--tag", "tags", multiple=True, metavar="KEY:VALUE",
              help="Required tag (repeatable, all must match); knit#id, knit#timestamp, knit#transient too.")
@click.option("--transient", default="both", metavar="both|yes|no", help="Only transient Data (yes), only settled (no).")
@click.option("--since", metavar="YYYY-mm-dd[THH[:MM[:SS]]][TZ]", help="Finished at or after this time.")
@click.option("--duration", metavar="DURATION", help="With --since: finished before since+duration (e.g. 2h30m).")
@pass_cli
def find(cli: CliContext, tags: tuple[str, ...], transient: str, since: str | None, duration: str | None) -> None:
    """List Data carrying every given tag, as a JSON array."""
    if duration is not None and since is None:
        raise click.UsageError("since and duration must be specified together")
    found = cli.client.graphql(
        "FindData",
        tags=[flags.tag(text, user=False) for text in tags],
        transient=flags.transient(transient),
        since=flags.since(since) if since else None,
        duration=duration,
    )["findData"]
    _print_data(found)


@data.command()
@click.argument("knit_id")
@pass_cli
def show(cli: CliContext, knit_id: str) -> None:
    """Print one Data as JSON."""
    _print_data(cli.client.graphql("ShowData", knitId=knit_id)["data"])


@data.command()
@click.option("--add", multiple=True, metavar="KEY:VALUE", help="Tag to add (repeatable).")
@click.option("--remove", multiple=True, metavar="KEY:VALUE", help="Tag to remove (repeatable).")
@click.option("--remove-key", multiple=True, metavar="KEY", help="Remove every tag with this key (repeatable).")
@click.argument("knit_id")
@pass_cli
def tag(cli: CliContext, add: tuple[str, ...], remove: tuple[str, ...], remove_key: tuple[str, ...], knit_id: str) -> None:
    """Change a Data's tags at once: remove keys, then tags, then add; print the Data.

    Adding a tag it has, or removing one it lacks, changes nothing. Plans whose inputs the new
    tags match start Runs at once.
    """
    for key in remove_key:
        if key.strip().startswith("knit#"):
            raise click.UsageError(f"Tag starting knit# is reserved: '{key}'")
    changed = cli.client.graphql(
        "TagData",
        knitId=knit_id,
        add=[flags.tag(text, user=True) for text in add],
        remove=[flags.tag(text, user=True) for text in remove],
        removeKey=list(remove_key),
    )["tagData"]
    log("data tag", f"[OK] Tags are updated for data knit#id:{knit_id}")
    _print_data(changed)


@data.command()
@graphs.graph_options
@click.option("-s", "--status", "statuses", multiple=True, metavar="STATUS",
              help="Only Runs in this status (repeatable), e.g. `-d -s failed`: what downstream is broken.")
@click.argument("knit_id")
@pass_cli
def lineage(cli: CliContext, upstream: bool, downstream: bool, numbers: str, max_nodes: int, fmt: str,
            output: str | None, statuses: tuple[str, ...], full_ids: bool, knit_id: str) -> None:
    """Draw the Data and Runs around a Data as graphviz dot (or svg, png, json).

    A step goes from a Data to the Run that made it (upstream) or to the Runs that read it
    (downstream), with all of that Run's inputs, outputs and log. With --status, only Runs in
    those statuses are drawn, each linked to KNIT_ID by a dashed edge saying how many steps away.
    """
    variables = dict(knitId=knit_id, upstream=upstream, downstream=downstream, depth=graphs.depth(numbers),
                     maxNodes=max_nodes, statuses=flags.statuses(statuses))
    if fmt == "json":
        answer = cli.client.graphql("DataLineageJson", **variables)["lineage"]
    else:
        answer = cli.client.graphql(
            "DataLineageDot", **variables, timezone=graphs.local_timezone(), fullIds=full_ids
        )["lineage"]
    graphs.warn_if_truncated("data lineage", answer, max_nodes)
    graphs.emit("data lineage", fmt, output, answer.get("dot"), answer)


@data.command()
@click.option("--dry-run", is_flag=True, help="Change nothing: list exactly what would run again or end.")
@click.argument("knit_id")
@pass_cli
def invalidate(cli: CliContext, dry_run: bool, knit_id: str) -> None:
    """A Data found bad: the Run that made it runs again, with everything derived from it.

    As `knit run rerun --downstream` of the Run that made it. An uploaded Data has no Run to run
    again: it and everything derived from it stop feeding new Runs; push the corrected Data.
    Prints what was (or, with --dry-run, would be) done as JSON; a summary goes to stderr."""
    answer = cli.client.graphql("InvalidateData", knitId=knit_id, dryRun=dry_run)["invalidateData"]
    print_rerun("data invalidate", answer)
    if not answer["dryRun"] and answer["newRunId"] is None:
        log("data invalidate", f"knit#id:{knit_id} feeds no new Run from now on; push the corrected Data")
    emit_json(answer)


@data.command()
@click.option("--dry-run", is_flag=True, help="Change nothing: list what would be purged and the bytes freed.")
@pass_cli
def gc(cli: CliContext, dry_run: bool) -> None:
    """Apply the plans' retention now: purge the content of the Data their policies let go.

    A plan keeps the outputs of its N latest done Runs (annotation knitgraph.io/keep-last=N) and
    lets failed Runs' outputs go after a while (knitgraph.io/purge-failed-after=7d); anything
    upstream of a Data tagged keep:true stays. A purged Data keeps its tags and lineage, shows
    knit#transient:purged and feeds no new Run. Prints what was purged as JSON; a summary goes to
    stderr. The server also does this every ten minutes."""
    answer = cli.client.graphql("CollectGarbage", dryRun=dry_run)["collectGarbage"]
    prefix = "[dry run] " if dry_run else ""
    for found in answer["data"]:
        log("data gc", f"{prefix}knit#id:{found['knitId']} of plan {found['plan']} (run {found['runId']}): "
            f"{found['rule']}, {_bytes(found['size'])}")
    verb = "would free" if dry_run else "freed"
    log("data gc", f"{prefix}{verb} {_bytes(answer['freedBytes'])} in {len(answer['data'])} Data")
    emit_json(answer)



def _bytes(count: float) -> str:
    """As the progress bars write sizes: SI units (1.50MB)."""
    from tqdm import tqdm

    return str(tqdm.format_sizeof(count, "B"))
