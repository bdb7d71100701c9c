"""``knit pipeline``: apply a pipeline written in Python, show it, draw it, run it with parameters."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from knitgraph.pipeline import PipelineError, compile_pipeline, load_pipelines
from knitgraph.pipeline.compiler import parameters_tags
from knitgraph.pipeline.naming import DATA_TAG, DEFAULT_EXPERIMENT, STEP_ANNOTATION

from .. import graphs, pipelines
from ..context import CliContext, pass_cli
from ..errors import Interrupted, KnitCliError
from ..execution import execution_lines
from ..output import emit_json, log
from ..pipeline_runs import find_pipeline_run, is_finished, progress_line


def _compiled(pipeline_file: Path, name: str | None) -> list[Any]:
    try:
        found = load_pipelines(pipeline_file)
        if name is not None:
            found = [p for p in found if p.name == name]
            if not found:
                raise KnitCliError(f"{pipeline_file} defines no pipeline named {name!r}",
                                   "give the name passed to Pipeline(...), or leave --name out")
        return [compile_pipeline(p) for p in found]
    except PipelineError as exc:
        where = f"{exc.where}: " if exc.where else ""
        raise KnitCliError(f"{where}{exc.reason}", exc.advice) from exc


@click.group()
def pipeline() -> None:
    """Pipelines written in Python: steps wired output to input, compiled to plain Plans."""


@pipeline.command()
@click.option("--dry-run", is_flag=True, help="Print the Plans and register nothing.")
@click.option("--name", metavar="NAME", help="Only this pipeline of the file.")
@click.argument("pipeline_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_cli
def apply(cli: CliContext, dry_run: bool, name: str | None, pipeline_file: Path) -> None:
    """Compile the pipelines of PIPELINE_FILE, print their Plans as YAML and register them.

    A step whose Plan is registered already is left as it is; a changed step gets a new Plan, and
    the step's older Plan is deactivated (its Runs and Data stay).
    """
    for compiled in _compiled(pipeline_file, name):
        click.echo(compiled.to_yaml(), nl=False)
        if dry_run:
            log("pipeline apply", f"{compiled.name}: {len(compiled.steps)} step{'s' * (len(compiled.steps) != 1)} compiled; "
                "--dry-run registers nothing")
            continue
        outcomes = pipelines.apply_pipeline(cli.client, compiled)
        for outcome in outcomes:
            if outcome.what == "new":
                note = f"new Plan {outcome.plan_id}"
                if outcome.runs_started:
                    note += f"; {outcome.runs_started} Runs start for Data that match already"
            elif outcome.what == "reactivated":
                note = f"unchanged, Plan {outcome.plan_id} (it was inactive: activated again)"
            else:
                note = f"unchanged, Plan {outcome.plan_id}"
            for old in outcome.deactivated:
                note += f"; older Plan {old} deactivated (it makes no new Runs; its Runs and Data stay)"
            log("pipeline apply", f"{compiled.name} step {outcome.step}: {note}")
        _say_execution(cli, outcomes)
        new = sum(1 for o in outcomes if o.what != "unchanged")
        log("pipeline apply", f"{compiled.name}: {len(outcomes)} step{'s' * (len(outcomes) != 1)}, {new} registered or changed. "
            f"Start a run with: knit pipeline run {compiled.name} [-p name=value ...]")


def _say_execution(cli: CliContext, outcomes: list[pipelines.StepOutcome]) -> None:
    """How the steps' Runs will execute here, once per distinct answer, with the steps it concerns."""
    said: dict[str, list[str]] = {}
    for outcome in outcomes:
        for line in execution_lines(cli.client, outcome.plan_id):
            said.setdefault(line, []).append(outcome.step)
    for message, steps in said.items():
        where = "every step" if len(steps) == len(outcomes) else "steps " + ", ".join(steps)
        log("pipeline apply", f"{where}: {message}")


def _step_view(plan: dict[str, Any]) -> dict[str, Any]:
    return {
        "step": pipelines.annotation(plan, STEP_ANNOTATION),
        "planId": plan["planId"],
        "active": plan["active"],
        "image": plan["image"],
        "inputs": [{"path": i["path"], "tags": i["tags"]} for i in plan["inputs"]],
        "outputs": [{"path": o["path"], "tags": o["tags"]} for o in plan["outputs"]],
    }


@pipeline.command()
@click.option("--all", "everything", is_flag=True, help="Older, inactive Plans of the steps too.")
@click.argument("name")
@pass_cli
def show(cli: CliContext, everything: bool, name: str) -> None:
    """Print a pipeline: its parameters with their defaults and its steps' Plans, as JSON."""
    plans = pipelines.pipeline_plans(cli.client, name)
    defaults = pipelines.defaults_of(plans, name)
    shown = [p for p in plans if everything or p["active"]]
    emit_json({"pipeline": name, "parameters": defaults, "steps": [_step_view(p) for p in shown]})


@pipeline.command()
@click.option("--format", "fmt", type=click.Choice(graphs.FORMATS), default="dot", show_default=True,
              help="dot text, svg or png (rendered with graphviz's `dot`), or json (nodes and edges).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), metavar="FILE",
              help="Write to FILE instead of stdout.")
@click.option("--full-ids", is_flag=True, help="Show whole ids (by default cut to 8 characters).")
@click.argument("name")
@pass_cli
def graph(cli: CliContext, fmt: str, output: str | None, full_ids: bool, name: str) -> None:
    """Draw a pipeline's active steps (its Plans) and how they feed each other."""
    if fmt == "json":
        answer = cli.client.graphql("PipelineGraphJson", name=name)["pipelineGraph"]
    else:
        answer = cli.client.graphql("PipelineGraphDot", name=name, fullIds=full_ids)["pipelineGraph"]
    graphs.emit("pipeline graph", fmt, output, answer.get("dot"), answer)


def _incomplete(found: dict[str, Any], plans: list[dict[str, Any]]) -> KnitCliError:
    """Which steps never ran: the first ones of them (the others wait on those)."""
    by_step = {str(pipelines.annotation(p, STEP_ANNOTATION)): p for p in plans}
    missing = set(by_step) - {r["step"] for r in found["runs"]}

    def upstream(plan: dict[str, Any]) -> set[str]:
        return {tag.partition(":")[2].rpartition(".")[0] for i in plan["inputs"] for tag in i["tags"]
                if tag.startswith(f"{DATA_TAG}:")}

    first = sorted(s for s in missing if not upstream(by_step[s]) & missing)
    after = len(missing) - len(first)
    return KnitCliError(
        f"pipeline run {found['knitId']} ended incomplete: no Run of {', '.join(first)}"
        + (f" (nor of the {after} steps after them)" if after else ""),
        "a step runs when Data match every input it reads; see which input has none: "
        + "; ".join(f"knit plan show {by_step[s]['planId']}" for s in first[:3]))


def _wait(cli: CliContext, name: str, found: dict[str, Any]) -> dict[str, Any]:
    """Poll until every step has finished, printing a line whenever progress changes."""
    last = ""
    while not is_finished(found):
        line = progress_line(found)
        if line != last:
            log("pipeline run", line)
            last = line
        time.sleep(0.5)
        found = find_pipeline_run(cli.client, name, found["knitId"])
    log("pipeline run", progress_line(found))
    return found


@pipeline.command()
@click.option("-p", "--param", "given", multiple=True, metavar="NAME=VALUE", help="A parameter (repeatable).")
@click.option("-e", "--experiment", default=DEFAULT_EXPERIMENT, show_default=True, metavar="EXPERIMENT",
              help="The experiment this run belongs to.")
@click.option("-t", "--tag", "tags", multiple=True, metavar="KEY:VALUE", help="Another tag for the parameters Data.")
@click.option("--wait", is_flag=True, help="Wait until every step has finished; exit 1 if one failed.")
@click.argument("name")
@pass_cli
def run(cli: CliContext, given: tuple[str, ...], experiment: str, tags: tuple[str, ...], wait: bool,
        name: str) -> None:
    """Start a pipeline run: push a parameters Data (parameters.json) that its first steps read.

    Prints the pipeline run (its parameters Data's knitId, parameters and status) as JSON.
    """
    plans = pipelines.pipeline_plans(cli.client, name)
    values = pipelines.parameters(pipelines.defaults_of(plans, name), list(given), name)
    pushed = pipelines.push_parameters(cli.client, name, values, experiment, [*parameters_tags(name), *tags])
    knit_id = pushed["knitId"]
    started = [d["run"]["runId"] for d in pushed.get("downstreams", [])]
    log("pipeline run", f"{name}: parameters knit#id:{knit_id} (experiment {experiment}); "
        f"{len(started)} first-step Runs started")
    found = find_pipeline_run(cli.client, name, knit_id)
    if wait:
        try:
            found = _wait(cli, name, found)
        except KeyboardInterrupt:
            raise Interrupted(f"interrupted: stopped waiting for pipeline run {knit_id}; it goes on",
                              f"follow it with `knit experiment show {experiment}`") from None
    emit_json(found)
    if wait and found["status"] == "incomplete":
        raise _incomplete(found, [p for p in plans if p["active"]])
    if wait and found["status"] != "done":
        raise KnitCliError(f"pipeline run {knit_id} ended {found['status']}",
                           f"see its Runs: knit experiment show {experiment}; knit run show --log RUN_ID")

