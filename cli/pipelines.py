"""What ``knit pipeline`` does with the API: apply a compiled pipeline step by step, find a
pipeline's Plans, and turn ``-p key=value`` into a parameters Data."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knitgraph.graph_schema.plan_spec import annotation_value
from knitgraph.pipeline import CompiledPipeline, CompiledStep
from knitgraph.pipeline.naming import (
    DEFAULTS_ANNOTATION,
    EXPERIMENT_TAG,
    PARAMETER_TAG_PREFIX,
    PARAMETERS_FILE,
    PIPELINE_ANNOTATION,
    STEP_ANNOTATION,
)

from .client import KnitClient
from .errors import KnitCliError
from .plan_file import PlanFile
from .transfer import push_directory

ParameterValue = str | int | float | bool


@dataclass(frozen=True)
class StepOutcome:
    step: str
    plan_id: str
    what: str  # "new", "unchanged", "reactivated"
    deactivated: tuple[str, ...]  # older Plans of the step, now inactive
    runs_started: int  # Runs the new Plan made at once for Data that match already


def annotation(plan: dict[str, Any], key: str) -> str | None:
    """The value of annotation ``key`` of a Plan as the API gives it."""
    return annotation_value(plan.get("annotations") or [], key)


def pipeline_plans(client: KnitClient, pipeline: str) -> list[dict[str, Any]]:
    """Every Plan of the pipeline, older versions of its steps included."""
    return list(client.graphql("PipelinePlans", annotations=[f"{PIPELINE_ANNOTATION}={pipeline}"])["findPlans"])


def _sync_annotations(client: KnitClient, plan: dict[str, Any], wanted: list[str]) -> None:
    """Annotations are not part of a Plan's identity: an equivalent Plan gets the compiled ones."""
    have = set(plan.get("annotations") or [])
    add, remove = sorted(set(wanted) - have), sorted(have - set(wanted))
    if add or remove:
        client.graphql("AnnotatePlan", planId=plan["planId"], add=add, remove=remove, removeKey=[])


def _sync_resources(client: KnitClient, plan: dict[str, Any], wanted: dict[str, str]) -> None:
    have = {str(k): str(v) for k, v in (plan.get("resources") or {}).items()}
    changed = {k: v for k, v in wanted.items() if have.get(k) != v}
    if changed:
        client.graphql("ChangePlanResources", planId=plan["planId"], set=changed, unset=[])


def apply_step(client: KnitClient, step: CompiledStep, before: list[dict[str, Any]]) -> StepOutcome:
    """Register one step's Plan unless an equivalent one exists; the step's other Plans (``before``)
    are deactivated, so only this one makes new Runs."""
    spec = PlanFile.model_validate(step.plan).to_spec_input()
    try:
        applied = client.graphql("ApplyPlan", spec=spec)["applyPlan"]
        what = "new"
    except KnitCliError as exc:
        if exc.code != "CONFLICT" or not exc.see:
            raise KnitCliError(f"step {step.name} ({step.where}): {exc.reason}", exc.advice, exc.see) from exc
        applied = client.graphql("ShowPlan", planId=exc.see)["plan"]
        what = "unchanged"
        if not applied["active"]:
            applied = client.graphql("SetPlanActive", planId=applied["planId"], active=True)["setPlanActive"]
            what = "reactivated"
        _sync_annotations(client, applied, step.plan["annotations"])
        _sync_resources(client, applied, step.plan.get("resources") or {})
    deactivated = []
    for old in before:
        if old["planId"] != applied["planId"] and old["active"]:
            client.graphql("SetPlanActive", planId=old["planId"], active=False)
            deactivated.append(old["planId"])
    started = 0
    if what == "new":
        started = len(client.graphql("FindRuns", planIds=[applied["planId"]])["findRuns"])
    return StepOutcome(step.name, applied["planId"], what, tuple(deactivated), started)


def apply_pipeline(client: KnitClient, compiled: CompiledPipeline) -> list[StepOutcome]:
    registered = pipeline_plans(client, compiled.name)
    return [apply_step(client, step, [p for p in registered if annotation(p, STEP_ANNOTATION) == step.name])
            for step in compiled.steps]


def defaults_of(plans: list[dict[str, Any]], pipeline: str) -> dict[str, ParameterValue]:
    """The parameters a pipeline takes, with their defaults, as its active Plans declare them."""
    active = [p for p in plans if p["active"]] or plans
    if not active:
        raise KnitCliError(f"no pipeline named {pipeline!r} is applied",
                           "apply it first: knit pipeline apply FILE.py (knit plan find lists Plans)")
    text = annotation(active[0], DEFAULTS_ANNOTATION) or "{}"
    try:
        found = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KnitCliError(f"pipeline {pipeline!r}: the annotation {DEFAULTS_ANNOTATION} is not JSON",
                           "apply the pipeline again: knit pipeline apply FILE.py") from exc
    return dict(found) if isinstance(found, dict) else {}


def _coerce(name: str, text: str, default: ParameterValue) -> ParameterValue:
    if isinstance(default, bool):
        truth = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
        if text.lower() not in truth:
            raise KnitCliError(f"parameter {name}: {text!r} is not a boolean", f"write -p {name}=true or -p {name}=false")
        return truth[text.lower()]
    try:
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
    except ValueError:
        kind = "a whole number" if isinstance(default, int) else "a number"
        raise KnitCliError(f"parameter {name}: {text!r} is not {kind}",
                           f"give {kind}, like its default: -p {name}={default}") from None
    return text


def parameters(defaults: dict[str, ParameterValue], given: list[str], pipeline: str) -> dict[str, ParameterValue]:
    """The defaults overlaid with ``key=value`` pairs; an unknown key is refused with the known ones."""
    values = dict(defaults)
    for pair in given:
        name, equals, text = pair.partition("=")
        name = name.strip()
        if not equals or not name:
            raise KnitCliError(f"-p {pair!r} is not key=value", "write -p name=value")
        if name not in defaults:
            known = ", ".join(sorted(defaults)) or "none"
            raise KnitCliError(f"pipeline {pipeline!r} has no parameter {name!r} (its parameters: {known})",
                               "use one of its parameters, or add it to the pipeline and apply it again")
        values[name] = _coerce(name, text.strip(), defaults[name])
    return values


def _tag_value(value: ParameterValue) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text or '""'


def push_parameters(client: KnitClient, pipeline: str, values: dict[str, ParameterValue],
                    experiment: str, tags: list[str]) -> dict[str, Any]:
    """One pipeline run: a Data holding ``parameters.json``, tagged with the pipeline, the
    experiment and each parameter."""
    all_tags = [*tags, f"{EXPERIMENT_TAG}:{experiment}",
                *(f"{PARAMETER_TAG_PREFIX}{name}:{_tag_value(value)}" for name, value in sorted(values.items()))]
    with tempfile.TemporaryDirectory(prefix=f"{pipeline}-parameters-") as folder:
        (Path(folder) / PARAMETERS_FILE).write_text(json.dumps(values, indent=2, sort_keys=True) + "\n")
        return push_directory(client, Path(folder), all_tags, dereference=False)
