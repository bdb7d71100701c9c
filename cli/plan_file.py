"""Reading a plan file (Knitfab's YAML, at most 1 MiB, aliases bounded): errors name the field and the
line; unknown keys warn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from knitgraph.graph_schema.plan_spec import CONCURRENCY_ANNOTATION, retry_annotations, service_annotations

from . import safe_yaml
from .errors import KnitCliError

# Keys Knitfab's own documents use by mistake, and the keys they mean (reference §1.4).
_MISSPELLED = {"annotation": "annotations", "logs": "log", "resource": "resources"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="allow")


class MountpointFile(_Strict):
    path: str
    tags: list[str] = []


class LogFile(_Strict):
    tags: list[str] = []


class ServiceFile(_Strict):
    """``service:`` — the plan's Runs serve HTTP (docs/serving.md); written as annotations."""

    name: str
    port: int | None = None
    health: str | None = None


class RetryFile(_Strict):
    """``retry:`` — a failed Run runs again in place (docs/automation.md); written as annotations."""

    max: int
    backoff: str | int | float | None = None


class OnNodeFile(_Strict):
    may: list[str] = []
    prefer: list[str] = []
    must: list[str] = []


class PlanFile(_Strict):
    image: str
    inputs: list[MountpointFile]
    outputs: list[MountpointFile] = []
    log: LogFile | None = None
    entrypoint: list[str] | None = None
    args: list[str] | None = None
    active: bool | None = None
    resources: dict[str, str] = {}
    on_node: OnNodeFile | None = None
    service_account: str | None = None
    annotations: list[str] = []
    service: ServiceFile | None = None
    retry: RetryFile | None = None
    concurrency: int | None = None

    @field_validator("resources", mode="before")
    @classmethod
    def _quantities_as_text(cls, value: Any) -> Any:
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else value

    def to_spec_input(self) -> dict[str, Any]:
        """The ``PlanSpecInput`` of the GraphQL API."""
        spec = self.model_dump(exclude_none=True, include=set(PlanFile.model_fields))
        for mountpoints in ("inputs", "outputs"):
            spec[mountpoints] = [{"path": m["path"], "tags": m["tags"]} for m in spec.get(mountpoints, [])]
        if "log" in spec:
            spec["log"] = {"tags": spec["log"]["tags"]}
        if "on_node" in spec:
            spec["on_node"] = {mode: spec["on_node"][mode] for mode in ("may", "prefer", "must")}
        if self.service is not None:
            del spec["service"]
            spec["annotations"] = [*spec.get("annotations", []),
                                   *service_annotations(self.service.name, self.service.port, self.service.health)]
        if self.retry is not None:
            del spec["retry"]
            spec["annotations"] = [*spec.get("annotations", []), *retry_annotations(self.retry.max, self.retry.backoff)]
        if self.concurrency is not None:
            del spec["concurrency"]
            spec["annotations"] = [*spec.get("annotations", []), f"{CONCURRENCY_ANNOTATION}={self.concurrency}"]
        return spec


def _lines(node: yaml.Node, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """Line number (1-based) of every key and item, by its path in the document."""
    found = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            found.update(_lines(value, (*path, key.value)))
            found[(*path, key.value)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found.update(_lines(item, (*path, index)))
    return found


def _where(location: tuple[Any, ...]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in location).lstrip(".")


def _unknown_keys(model: BaseModel, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [(*path, key) for key in (model.model_extra or {})]
    for name in type(model).model_fields:
        value = getattr(model, name)
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            if isinstance(item, BaseModel):
                where = (*path, name, index) if isinstance(value, list) else (*path, name)
                found += _unknown_keys(item, where)
    return found


def read_plan_file(file: Path) -> tuple[PlanFile, list[str]]:
    """The plan in ``file`` and warnings about keys knitgraph does not know."""
    content, node = safe_yaml.read_file(file)
    if node is None or not isinstance(content, dict):
        raise KnitCliError(f"{file} is not a plan: it must be a YAML mapping", "start from `knit plan template`")
    lines = _lines(node)
    try:
        plan = PlanFile.model_validate(content)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            location = tuple(error["loc"])
            line = lines.get(location) or lines.get(location[:-1]) or lines.get(())
            problems.append(f"{file}:{line}: {_where(location)}: {error['msg']}")
        raise KnitCliError("the plan file is invalid:\n  " + "\n  ".join(problems),
                           "fix those fields; `knit plan template --scratch` shows every key") from exc
    warnings = []
    for location in _unknown_keys(plan):
        hint = _MISSPELLED.get(str(location[-1]))
        meant = f" (did you mean '{hint}'?)" if hint else ""
        warnings.append(f"{file}:{lines.get(location, '?')}: unknown key '{_where(location)}' is ignored{meant}")
    return plan, warnings
