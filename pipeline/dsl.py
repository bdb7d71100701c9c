"""The pipeline language: a :class:`Pipeline` holds :class:`Step` s; a step's inputs are wired to
another step's output (:meth:`Step.output`), to the pipeline's parameters (:attr:`Pipeline.parameters`)
or to Data chosen by tags (:meth:`Pipeline.data`). Every declaration remembers the file and line it
was written on, so that errors can point at it."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from knitgraph.graph_schema.plan_spec import CONCURRENCY_ANNOTATION, retry_annotations, service_annotations

ParameterValue = str | int | float | bool

_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_PORT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$")
_PARAMETER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,62}$")


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a declaration was written: the pipeline file and line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class PipelineError(Exception):
    """A pipeline that cannot be compiled: what is wrong, where, and how to fix it."""

    def __init__(self, reason: str, advice: str, where: Origin | None = None) -> None:
        super().__init__(f"{where}: {reason}" if where else reason)
        self.reason = reason
        self.advice = advice
        self.where = where


def _caller() -> Origin:
    """The first frame outside this package: the line of the user's pipeline file."""
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith(__package__ or "-"):
        frame = frame.f_back
    return Origin(frame.f_code.co_filename, frame.f_lineno)


def _check_name(kind: str, name: object, where: Origin) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise PipelineError(f"{kind} name {name!r} is not a valid name",
                            "use lowercase letters, digits and '-' (at most 63), e.g. 'train-model'", where)
    return name


def _check_tags(what: str, tags: object, where: Origin, *, writes: bool) -> tuple[str, ...]:
    if isinstance(tags, str) or not isinstance(tags, Iterable):
        raise PipelineError(f"{what}: tags must be a list of 'key:value' strings, not {tags!r}",
                            "write tags=['key:value', ...]", where)
    checked = []
    for tag in tags:
        if not isinstance(tag, str) or ":" not in tag or not tag.partition(":")[0].strip():
            raise PipelineError(f"{what}: tag {tag!r} is not 'key:value'", "write tags as 'key:value'", where)
        key = tag.partition(":")[0].strip()
        if key.startswith("knit#") or (writes and (key == "pipeline" or key.startswith("pipeline-"))):
            raise PipelineError(f"{what}: tag {tag!r} uses a reserved key",
                                "knit#..., pipeline and pipeline-... tags are set by knitgraph; choose another key",
                                where)
        checked.append(tag.strip())
    return tuple(checked)


def _check_words(what: str, words: object, where: Origin) -> tuple[str, ...] | None:
    if words is None:
        return None
    if isinstance(words, str) or not isinstance(words, Iterable) or not all(isinstance(w, str) for w in words):
        raise PipelineError(f"{what} must be a list of strings, not {words!r}",
                            f"write {what}=['python', 'script.py', ...]", where)
    return tuple(words)


@dataclass(frozen=True, slots=True, eq=False)
class OutputRef:
    """One output of a step, as another step's input."""

    step: Step
    name: str

    def __repr__(self) -> str:
        return f"<output {self.name!r} of step {self.step.name!r}>"


@dataclass(frozen=True, slots=True, eq=False)
class LogRef:
    """A step's log, read by the steps that run :meth:`Step.after` it."""

    step: Step


@dataclass(frozen=True, slots=True, eq=False)
class ParametersRef:
    """The parameters Data of a pipeline run (``knit pipeline run -p key=value``)."""

    pipeline: Pipeline


@dataclass(frozen=True, slots=True, eq=False)
class DataSelector:
    """Data from outside the pipeline, chosen by tags (Data you push, or another pipeline's outputs)."""

    name: str
    tags: tuple[str, ...]
    where: Origin


Source = OutputRef | LogRef | ParametersRef | DataSelector


@dataclass(eq=False)
class Step:
    """One container step: it becomes one Plan. Inputs are mounted at ``/in/<name>``, outputs at
    ``/out/<name>``; the parameters at ``/in/<name>/parameters.json``."""

    pipeline: Pipeline
    name: str
    image: str
    where: Origin
    entrypoint: tuple[str, ...] | None = None
    args: tuple[str, ...] | None = None
    outputs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    inputs: dict[str, Source] = field(default_factory=dict)
    input_origins: dict[str, Origin] = field(default_factory=dict)
    resources: dict[str, str] = field(default_factory=dict)
    annotations: tuple[str, ...] = ()

    def output(self, name: str) -> OutputRef:
        """This step's output ``name``, to wire into another step's inputs."""
        if name not in self.outputs:
            known = ", ".join(self.outputs) or "none"
            raise PipelineError(f"step {self.name!r} has no output {name!r} (its outputs: {known})",
                                f"declare it in outputs=[...] of step {self.name!r}, or use one of its outputs",
                                _caller())
        return OutputRef(self, name)

    @property
    def log(self) -> LogRef:
        return LogRef(self)

    def input(self, name: str, source: Source) -> Step:
        """Wire input ``name`` (mounted at ``/in/<name>``) to ``source``; returns the step."""
        where = _caller()
        if not isinstance(name, str) or not _PORT.match(name):
            raise PipelineError(f"step {self.name!r}: input name {name!r} is not valid",
                                "use letters, digits, '_', '.' and '-'", where)
        if not isinstance(source, OutputRef | LogRef | ParametersRef | DataSelector):
            raise PipelineError(
                f"step {self.name!r}: input {name!r} is wired to {source!r}, which is no output",
                "wire it to another step's output (step.output('name')), to pipeline.parameters, "
                "or to pipeline.data('name', tags=[...])", where)
        if name in self.inputs:
            raise PipelineError(f"step {self.name!r}: input {name!r} is wired twice",
                                "give each input one source", where)
        if name in self.outputs:
            raise PipelineError(f"step {self.name!r}: {name!r} is both an input and an output",
                                "name inputs and outputs differently", where)
        self.inputs[name] = source
        self.input_origins[name] = where
        return self

    def after(self, *steps: Step) -> Step:
        """Run only after ``steps`` ended: their logs become inputs (``/in/after-<step>``), as
        knitgraph chains Runs through Data only."""
        for step in steps:
            if not isinstance(step, Step):
                raise PipelineError(f"step {self.name!r}: after({step!r}) needs a step",
                                    "pass the steps this one waits for", _caller())
            self.input(f"after-{step.name}", step.log)
        return self


class Pipeline:
    """A named set of steps. ``parameters`` are the defaults of ``knit pipeline run -p``."""

    def __init__(self, name: str, parameters: Mapping[str, ParameterValue] | None = None,
                 description: str = "") -> None:
        self.where = _caller()
        self.name = _check_name("pipeline", name, self.where)
        self.description = description
        self.defaults: dict[str, ParameterValue] = {}
        for key, value in (parameters or {}).items():
            if not isinstance(key, str) or not _PARAMETER.match(key):
                raise PipelineError(f"parameter name {key!r} is not valid",
                                    "use letters, digits, '_' and '-', starting with a letter", self.where)
            if not isinstance(value, str | int | float | bool):
                raise PipelineError(f"parameter {key!r}: default {value!r} is not a string, number or boolean",
                                    "give a str, int, float or bool default", self.where)
            self.defaults[key] = value
        self.steps: dict[str, Step] = {}
        self.selectors: list[DataSelector] = []

    def __repr__(self) -> str:
        return f"<pipeline {self.name!r}: {len(self.steps)} steps>"

    @property
    def parameters(self) -> ParametersRef:
        """The parameters of a pipeline run, as an input (a folder holding ``parameters.json``)."""
        return ParametersRef(self)

    def data(self, name: str, tags: Sequence[str]) -> DataSelector:
        """Data with all these tags, as an input: every such Data starts Runs of the steps reading it."""
        where = _caller()
        checked = _check_tags(f"data {name!r}", tags, where, writes=False)
        if not checked:
            raise PipelineError(f"data {name!r} has no tags", "give at least one 'key:value' tag", where)
        selector = DataSelector(_check_name("data", name, where), checked, where)
        self.selectors.append(selector)
        return selector

    def step(
        self,
        name: str,
        *,
        image: str,
        entrypoint: Sequence[str] | None = None,
        args: Sequence[str] | None = None,
        inputs: Mapping[str, Source] | None = None,
        outputs: Sequence[str] | Mapping[str, Sequence[str]] = (),
        resources: Mapping[str, str | int | float] | None = None,
        annotations: Mapping[str, str] | None = None,
        service: Mapping[str, str | int] | None = None,
        retry: Mapping[str, str | int | float] | None = None,
        concurrency: int | None = None,
    ) -> Step:
        """Declare a step. ``outputs`` is a list of names, or names with extra tags for each
        (``{"model": ["type:model"]}``). ``resources`` as in a Plan (``cpu``, ``memory``, ``timeout``...).
        ``service={"name": ..., "port": ..., "health": ...}`` makes it a service that serves its
        inputs at /serve/<name>/ (docs/serving.md). ``retry={"max": 3, "backoff": "30s"}`` runs a
        failed Run again, ``concurrency=N`` lets at most N of its Runs execute at once
        (docs/automation.md)."""
        where = _caller()
        _check_name("step", name, where)
        if name in self.steps:
            raise PipelineError(f"step {name!r} is declared twice (first at {self.steps[name].where})",
                                "give every step its own name", where)
        if not isinstance(image, str) or not image:
            raise PipelineError(f"step {name!r}: image must be 'repository:tag'", "give image='repository:tag'", where)
        declared: dict[str, tuple[str, ...]] = {}
        if isinstance(outputs, str):
            raise PipelineError(f"step {name!r}: outputs must be a list of names", f"write outputs=[{outputs!r}]", where)
        for output in outputs:
            if not isinstance(output, str) or not _PORT.match(output):
                raise PipelineError(f"step {name!r}: output name {output!r} is not valid",
                                    "use letters, digits, '_', '.' and '-'", where)
            extra = outputs[output] if isinstance(outputs, Mapping) else ()
            declared[output] = _check_tags(f"step {name!r} output {output!r}", extra, where, writes=True)
        step = Step(
            pipeline=self, name=name, image=image, where=where,
            entrypoint=_check_words("entrypoint", entrypoint, where), args=_check_words("args", args, where),
            outputs=declared,
            resources={str(k): str(v) for k, v in (resources or {}).items()},
            annotations=(*(f"{k}={v}" for k, v in (annotations or {}).items()), *_service(name, service, where),
                         *_automation(name, retry, concurrency, where)),
        )
        self.steps[name] = step
        for input_name, source in (inputs or {}).items():
            step.input(input_name, source)
        return step


def _automation(step: str, retry: Mapping[str, str | int | float] | None, concurrency: int | None,
                where: Origin) -> list[str]:
    found = []
    if retry is not None:
        unknown = set(retry) - {"max", "backoff"}
        if "max" not in retry or unknown or not str(retry["max"]).isdigit():
            raise PipelineError(f"step {step!r}: retry must be {{'max': N, 'backoff': DURATION}}"
                                + (f", not with {sorted(unknown)}" if unknown else ""),
                                "give retry={'max': 3, 'backoff': '30s'}", where)
        found += retry_annotations(int(retry["max"]), retry.get("backoff"))
    if concurrency is not None:
        if isinstance(concurrency, bool) or not isinstance(concurrency, int):
            raise PipelineError(f"step {step!r}: concurrency {concurrency!r} is not a whole number",
                                "give concurrency=2: at most two of its Runs execute at once", where)
        found.append(f"{CONCURRENCY_ANNOTATION}={concurrency}")
    return found


def _service(step: str, service: Mapping[str, str | int] | None, where: Origin) -> list[str]:
    if service is None:
        return []
    unknown = set(service) - {"name", "port", "health"}
    if "name" not in service or unknown:
        raise PipelineError(f"step {step!r}: service must be {{'name': ..., 'port': ..., 'health': ...}}"
                            + (f", not with {sorted(unknown)}" if unknown else ""),
                            "give service={'name': 'my-model', 'port': 8080, 'health': '/healthz'}", where)
    port, health = service.get("port"), service.get("health")
    if port is not None and not str(port).isdigit():
        raise PipelineError(f"step {step!r}: service port {port!r} is not a number", "give the port as 8080", where)
    return service_annotations(str(service["name"]), int(port) if port is not None else None,
                               str(health) if health is not None else None)
