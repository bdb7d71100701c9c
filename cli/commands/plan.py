"""``knit plan``: template, apply, show, find, active, resource, annotate, serviceaccount, graph, explain."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, BinaryIO

import click

from .. import flags, graphs, plan_template
from ..context import CliContext, pass_cli
from ..errors import KnitCliError
from ..execution import execution_lines
from ..output import emit_json, knitfab_shape, log
from ..plan_file import read_plan_file


def _print_plan(plan: Any) -> None:
    emit_json(knitfab_shape(plan))


def _say_execution(cli: CliContext, command: str, plan_id: str) -> None:
    """On stderr: how the plan's Runs will execute here, and what would make them fail."""
    for line in execution_lines(cli.client, plan_id):
        log(command, line)


def _active_flag(text: str) -> bool | None:
    mapping = {"both": None, "yes": True, "true": True, "no": False, "false": False}
    if text.lower() not in mapping:
        raise click.UsageError(f"--active '{text}': choose both, yes, true, no or false")
    return mapping[text.lower()]


@click.group()
def plan() -> None:
    """Plans: which image runs on Data with which tags, and how its outputs are tagged."""


@plan.command()
@click.option("--scratch", is_flag=True, help="A template without an image tarball.")
@click.option("-i", "--input", "image_tar", metavar="IMAGE_TAR|-", default="-",
              help="`docker save` tarball to read (default: stdin).")
@click.argument("image", required=False, metavar="[IMAGE:TAG]")
@pass_cli
def template(cli: CliContext, scratch: bool, image_tar: str, image: str | None) -> None:
    """Print a commented plan YAML, guessed from an image (`docker save IMAGE | knit plan template`)."""
    if scratch:
        if image is not None:
            raise click.UsageError("--scratch and IMAGE:TAG exclude each other")
        click.echo(plan_template.scratch_template(cli.knitenv), nl=False)
    else:
        if image_tar == "-" and sys.stdin.isatty():
            raise click.UsageError("pipe a `docker save` tarball into stdin, give -i IMAGE_TAR, or use --scratch")
        source: BinaryIO
        with sys.stdin.buffer if image_tar == "-" else open(image_tar, "rb") as source:
            click.echo(plan_template.image_template(source, image, cli.knitenv), nl=False)
    log("plan template", plan_template.GENERATED_MESSAGE)


@plan.command()
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_cli
def apply(cli: CliContext, plan_file: Path) -> None:
    """Register the plan in PLAN_FILE and print it; Runs for matching Data start at once."""
    parsed, warnings = read_plan_file(plan_file)
    for warning in warnings:
        log("plan apply", f"[WARN] {warning}")
    try:
        applied = cli.client.graphql("ApplyPlan", spec=parsed.to_spec_input())["applyPlan"]
    except KnitCliError as exc:
        raise KnitCliError(f"failed to apply Plan: {exc.reason}", exc.advice, exc.see) from exc
    _print_plan(applied)
    _say_execution(cli, "plan apply", applied["planId"])


@plan.command()
@click.argument("plan_id")
@pass_cli
def show(cli: CliContext, plan_id: str) -> None:
    """Print one plan as JSON."""
    _print_plan(cli.client.graphql("ShowPlan", planId=plan_id)["plan"])


@plan.command()
@click.option("--active", default="both", metavar="both|yes|no", help="Only active (yes) or inactive (no) plans.")
@click.option("--image", metavar="IMAGE[:TAG]", help="Only plans of this image repository (and tag).")
@click.option("-i", "--in-tag", "in_tags", multiple=True, metavar="KEY:VALUE", help="One input carries all these.")
@click.option("-o", "--out-tag", "out_tags", multiple=True, metavar="KEY:VALUE", help="One output or log carries all.")
@click.option("-a", "--annotation", "annotations", multiple=True, metavar="KEY=VALUE",
              help="The plan has this annotation (e.g. knitgraph.io/pipeline=taxi).")
@pass_cli
def find(cli: CliContext, active: str, image: str | None, in_tags: tuple[str, ...], out_tags: tuple[str, ...],
         annotations: tuple[str, ...]) -> None:
    """List plans matching every condition, as a JSON array."""
    for annotation in annotations:
        if "=" not in annotation:
            raise click.UsageError(f"--annotation '{annotation}': write KEY=VALUE")
    found = cli.client.graphql(
        "FindPlans", active=_active_flag(active), image=image,
        inTags=[flags.tag(t, user=False) for t in in_tags], outTags=[flags.tag(t, user=False) for t in out_tags],
        annotations=list(annotations),
    )["findPlans"]
    _print_plan(found)


@plan.command()
@click.argument("mode", metavar="yes|no")
@click.argument("plan_id")
@pass_cli
def active(cli: CliContext, mode: str, plan_id: str) -> None:
    """Activate (yes) or deactivate (no) a plan; its waiting Runs follow."""
    mapping = {"yes": True, "true": True, "no": False, "false": False}
    if mode.lower() not in mapping:
        raise click.UsageError(f"mode '{mode}': choose yes or no")
    wanted = mapping[mode.lower()]
    _print_plan(cli.client.graphql("SetPlanActive", planId=plan_id, active=wanted)["setPlanActive"])


@plan.command()
@click.option("-s", "--set", "to_set", multiple=True, metavar="TYPE=QUANTITY", help="e.g. cpu=500m, memory=2Gi.")
@click.option("-u", "--unset", "to_unset", multiple=True, metavar="TYPE", help="Remove this limit.")
@click.argument("plan_id")
@pass_cli
def resource(cli: CliContext, to_set: tuple[str, ...], to_unset: tuple[str, ...], plan_id: str) -> None:
    """Set, then unset, resource limits of the plan's future Runs (a type both set and unset ends unset)."""
    if not to_set and not to_unset:
        log("plan resource", "Nothing to do.")
        return
    changes = {}
    for text in to_set:
        kind, equals, quantity = text.partition("=")
        if not equals or not kind.strip():
            raise click.UsageError(f"--set '{text}': write TYPE=QUANTITY, e.g. cpu=500m")
        changes[kind.strip()] = quantity.strip()
    changed = cli.client.graphql("ChangePlanResources", planId=plan_id, set=changes, unset=list(to_unset))
    log("plan resource", f"Plan:{plan_id} is updated.")
    _print_plan(changed["changePlanResources"])


@plan.command()
@click.option("--add", multiple=True, metavar="KEY=VALUE")
@click.option("--remove", multiple=True, metavar="KEY=VALUE")
@click.option("--remove-key", multiple=True, metavar="KEY")
@click.argument("plan_id")
@pass_cli
def annotate(cli: CliContext, add: tuple[str, ...], remove: tuple[str, ...], remove_key: tuple[str, ...],
             plan_id: str) -> None:
    """Change annotations: remove keys, then exact annotations, then add."""
    changed = cli.client.graphql(
        "AnnotatePlan", planId=plan_id, add=list(add), remove=list(remove), removeKey=list(remove_key)
    )
    _print_plan(changed["annotatePlan"])
    _say_execution(cli, "plan annotate", plan_id)


@plan.command()
@click.option("--set", "name", metavar="NAME", help="Service account for the plan's Runs.")
@click.option("--unset", is_flag=True, help="Remove the service account.")
@click.argument("plan_id")
@pass_cli
def serviceaccount(cli: CliContext, name: str | None, unset: bool, plan_id: str) -> None:
    """Set (--set NAME) or remove (--unset) the service account of the plan's Runs."""
    if (name is None) == (not unset):
        raise click.UsageError("give exactly one of --set NAME and --unset")
    changed = cli.client.graphql("SetPlanServiceAccount", planId=plan_id, serviceAccount=name)
    _print_plan(changed["setPlanServiceAccount"])


@plan.command()
@graphs.graph_options
@click.argument("plan_id")
@pass_cli
def graph(cli: CliContext, upstream: bool, downstream: bool, numbers: str, max_nodes: int, fmt: str,
          output: str | None, full_ids: bool, plan_id: str) -> None:
    """Draw the Plans around a Plan as graphviz dot (or svg, png, json).

    Plans are linked where an output or log of one feeds an input of another; a step is one
    such link.
    """
    variables = dict(planId=plan_id, upstream=upstream, downstream=downstream, depth=graphs.depth(numbers),
                     maxNodes=max_nodes)
    if fmt == "json":
        answer = cli.client.graphql("PlanGraphJson", **variables)["planGraph"]
    else:
        answer = cli.client.graphql("PlanGraphDot", **variables, fullIds=full_ids)["planGraph"]
    graphs.warn_if_truncated("plan graph", answer, max_nodes)
    graphs.emit("plan graph", fmt, output, answer.get("dot"), answer)


@plan.command()
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
@click.argument("plan_id")
@click.argument("knit_id")
@pass_cli
def explain(cli: CliContext, fmt: str, plan_id: str, knit_id: str) -> None:
    """Say whether Data KNIT_ID is an input of the plan, and why no Run came of it.

    Per input: does the Data match, and if not, the tags it lacks, the pins it fails, or its
    producing Run's status; then the Runs that read it, or why there are none.
    """
    found = cli.client.graphql("ExplainPlan", planId=plan_id, knitId=knit_id)["explainPlan"]
    if fmt == "json":
        emit_json(found)
        return
    lines = [found["summary"]]
    for item in found["inputs"]:
        if item["matches"]:
            lines.append(f"  {item['path']}: matches ({item['candidates']} Data feed it)")
        else:
            lines.append(f"  {item['path']}: no: {'; '.join(item['reasons'])}")
            lines.append(f"      requires {', '.join(item['requiredTags']) or 'no tag'}")
    click.echo("\n".join(lines))
