"""A :class:`~.dsl.Pipeline` compiled to plain Plans (Knitfab's plan file shape).

Tags wire the steps: every output of step ``s`` named ``o`` carries ``pipeline:<pipeline>`` and
``pipeline-data:<s>.<o>``; the step reading it requires those two tags. A pipeline run starts from a
parameters Data tagged ``pipeline-parameters:<pipeline>``, which every first step reads (at
``/in/parameters`` unless the step names its own parameters input). Each Plan is annotated with
the pipeline, the step and the parameters' defaults, and with ``knitgraph.io/same-origin`` so that
a Run reads only Data of one pipeline run: a sweep of N parameter sets makes N pipeline runs, not
their cross product.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml

from knitgraph.graph_schema.plan_spec import SAME_ORIGIN_ANNOTATION

from .dsl import DataSelector, LogRef, OutputRef, ParametersRef, ParameterValue, Pipeline, PipelineError, Step
from .naming import (
    DATA_TAG,
    DEFAULTS_ANNOTATION,
    PARAMETERS_INPUT,
    PARAMETERS_TAG,
    PIPELINE_ANNOTATION,
    PIPELINE_TAG,
    STEP_ANNOTATION,
    STEP_TAG,
)


@dataclass(frozen=True, slots=True)
class CompiledStep:
    name: str
    where: str
    plan: dict[str, Any]  # a plan file, as `knit plan apply` reads it

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.plan, sort_keys=False, allow_unicode=True)


@dataclass(frozen=True, slots=True)
class CompiledPipeline:
    name: str
    defaults: dict[str, ParameterValue]
    steps: tuple[CompiledStep, ...]  # upstream steps first

    def to_yaml(self) -> str:
        """Every Plan as one YAML stream, each headed by the step it comes from."""
        return "".join(f"---\n# step {s.name} ({s.where})\n{s.to_yaml()}" for s in self.steps)


def parameters_tags(pipeline: str) -> list[str]:
    return [f"{PIPELINE_TAG}:{pipeline}", f"{PARAMETERS_TAG}:{pipeline}"]


def _source_tags(step: Step, input_name: str) -> list[str]:
    source = step.inputs[input_name]
    pipeline = step.pipeline.name
    if isinstance(source, DataSelector):
        return list(source.tags)
    if isinstance(source, ParametersRef):
        _same_pipeline(step, input_name, source.pipeline, "the parameters")
        return parameters_tags(pipeline)
    if isinstance(source, OutputRef):
        _same_pipeline(step, input_name, source.step.pipeline, f"step {source.step.name!r}")
        return [f"{PIPELINE_TAG}:{pipeline}", f"{DATA_TAG}:{source.step.name}.{source.name}"]
    _same_pipeline(step, input_name, source.step.pipeline, f"step {source.step.name!r}")
    return [f"{PIPELINE_TAG}:{pipeline}", f"{DATA_TAG}:{source.step.name}.log"]


def _same_pipeline(step: Step, input_name: str, other: Pipeline, what: str) -> None:
    if other is not step.pipeline:
        raise PipelineError(
            f"step {step.name!r}: input {input_name!r} reads {what} of pipeline {other.name!r}, "
            f"not of {step.pipeline.name!r}",
            "wire steps within one pipeline; read another pipeline's outputs with "
            "pipeline.data('name', tags=['pipeline-data:<step>.<output>', 'pipeline:<other>'])",
            step.input_origins[input_name])


def _upstream_steps(step: Step) -> list[Step]:
    return [s.step for s in step.inputs.values() if isinstance(s, OutputRef | LogRef)]


def _ordered(pipeline: Pipeline) -> list[Step]:
    """Steps with their upstream steps first; a cycle is an error naming its steps."""
    done: dict[str, bool] = {}  # False while being visited
    order: list[Step] = []

    def visit(step: Step, trail: list[Step]) -> None:
        if done.get(step.name) is False:
            cycle = [*trail[trail.index(step):], step]
            raise PipelineError(
                "steps make a cycle: " + " -> ".join(s.name for s in cycle),
                "a step cannot read, directly or through others, what it writes; remove one of these wires",
                cycle[-2].where)
        if step.name in done:
            return
        done[step.name] = False
        for upstream in _upstream_steps(step):
            visit(upstream, [*trail, step])
        done[step.name] = True
        order.append(step)

    for step in pipeline.steps.values():
        visit(step, [])
    return order


def _plan(step: Step) -> dict[str, Any]:
    pipeline = step.pipeline.name
    inputs = [{"path": f"/in/{name}", "tags": _source_tags(step, name)} for name in step.inputs]
    if not _upstream_steps(step) and not any(isinstance(s, ParametersRef) for s in step.inputs.values()):
        if PARAMETERS_INPUT in step.inputs:
            raise PipelineError(
                f"step {step.name!r} is a first step, so it reads the parameters at /in/{PARAMETERS_INPUT}; "
                f"its input {PARAMETERS_INPUT!r} is wired to something else",
                f"rename that input, or wire it: inputs={{'{PARAMETERS_INPUT}': pipeline.parameters}}", step.where)
        inputs.append({"path": f"/in/{PARAMETERS_INPUT}", "tags": parameters_tags(pipeline)})
    outputs = [{"path": f"/out/{name}",
                "tags": [f"{PIPELINE_TAG}:{pipeline}", f"{STEP_TAG}:{step.name}", f"{DATA_TAG}:{step.name}.{name}",
                         *extra]}
               for name, extra in step.outputs.items()]
    plan: dict[str, Any] = {"image": step.image}
    if step.entrypoint is not None:
        plan["entrypoint"] = list(step.entrypoint)
    if step.args is not None:
        plan["args"] = list(step.args)
    plan["inputs"] = inputs
    plan["outputs"] = outputs
    plan["log"] = {"tags": [f"{PIPELINE_TAG}:{pipeline}", f"{STEP_TAG}:{step.name}", f"{DATA_TAG}:{step.name}.log",
                            "type:log"]}
    plan["active"] = True
    if step.resources:
        plan["resources"] = dict(step.resources)
    plan["annotations"] = [
        f"{PIPELINE_ANNOTATION}={pipeline}",
        f"{STEP_ANNOTATION}={step.name}",
        f"{DEFAULTS_ANNOTATION}={json.dumps(step.pipeline.defaults, sort_keys=True, separators=(',', ':'))}",
        f"{SAME_ORIGIN_ANNOTATION}={PARAMETERS_TAG}:{pipeline}",
        *step.annotations,
    ]
    return plan


def compile_pipeline(pipeline: Pipeline) -> CompiledPipeline:
    """The pipeline's Plans, upstream steps first. Raises :class:`PipelineError` naming the step
    and line of the first problem."""
    if not pipeline.steps:
        raise PipelineError(f"pipeline {pipeline.name!r} has no steps", "add steps with pipeline.step(...)",
                            pipeline.where)
    steps = tuple(CompiledStep(s.name, str(s.where), _plan(s)) for s in _ordered(pipeline))
    return CompiledPipeline(pipeline.name, dict(pipeline.defaults), steps)
