"""Request bodies of Knitfab's REST API (api-types' JSON), validated at the edge by pydantic.

Tags arrive as ``"key:value"`` or ``{"key": ..., "value": ...}``, annotations and node labels as
``"key=value"`` or ``{"key": ..., "value": ...}``; both become the string form the services take.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ConfigDict, StrictStr, ValidationError

from knitgraph.graph_schema.errors import InvalidInputError
from knitgraph.graph_schema.plan_spec import PlanSpec

Model = TypeVar("Model", bound=BaseModel)
Quantity = StrictStr | int | float


class Pair(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: StrictStr
    value: StrictStr


def _tags(items: list[StrictStr | Pair]) -> list[str]:
    return [item if isinstance(item, str) else f"{item.key}:{item.value}" for item in items]


def _labels(items: list[StrictStr | Pair]) -> list[str]:
    return [item if isinstance(item, str) else f"{item.key}={item.value}" for item in items]


class TagChange(BaseModel):
    """``PUT /api/data/{knitId}``: unknown fields are refused, as Knitfab does."""

    model_config = ConfigDict(extra="forbid")
    add: list[StrictStr | Pair] = []
    remove: list[StrictStr | Pair] = []
    remove_key: list[StrictStr] = []

    def added(self) -> list[str]:
        return _tags(self.add)

    def removed(self) -> list[str]:
        return _tags(self.remove)


class Mountpoint(BaseModel):
    path: StrictStr
    tags: list[StrictStr | Pair] = []


class LogPoint(BaseModel):
    tags: list[StrictStr | Pair] = []


class OnNode(BaseModel):
    may: list[StrictStr | Pair] = []
    prefer: list[StrictStr | Pair] = []
    must: list[StrictStr | Pair] = []


class PlanSpecBody(BaseModel):
    """``POST /api/plans``: Knitfab's PlanSpec; unknown keys are ignored, as Knitfab's decoder does."""

    image: StrictStr
    inputs: list[Mountpoint] = []
    outputs: list[Mountpoint] = []
    log: LogPoint | None = None
    entrypoint: list[StrictStr] | None = None
    args: list[StrictStr] | None = None
    active: bool | None = None
    resources: dict[str, Quantity] | None = None
    on_node: OnNode | None = None
    service_account: StrictStr | None = None
    annotations: list[StrictStr | Pair] = []

    def to_spec(self) -> PlanSpec:
        on_node = self.on_node or OnNode()
        return PlanSpec.build(
            image=self.image,
            inputs=[(m.path, _tags(m.tags)) for m in self.inputs],
            outputs=[(m.path, _tags(m.tags)) for m in self.outputs],
            log=_tags(self.log.tags) if self.log is not None else None,
            entrypoint=self.entrypoint, args=self.args, active=self.active,
            resources={kind: str(quantity) for kind, quantity in (self.resources or {}).items()},
            on_node={"may": _labels(on_node.may), "prefer": _labels(on_node.prefer), "must": _labels(on_node.must)},
            service_account=self.service_account, annotations=_labels(self.annotations),
        )


class ResourceChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    set: dict[str, Quantity] = {}
    unset: list[StrictStr] = []

    def quantities(self) -> dict[str, str]:
        return {kind: str(quantity) for kind, quantity in self.set.items()}


class AnnotationChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    add: list[StrictStr | Pair] = []
    remove: list[StrictStr | Pair] = []
    remove_key: list[StrictStr] = []

    def added(self) -> list[str]:
        return _labels(self.add)

    def removed(self) -> list[str]:
        return _labels(self.remove)


class ServiceAccount(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service_account: StrictStr


def parse_body(body: bytes, model: type[Model], reason: str) -> Model:
    """``body`` as ``model``, or ``InvalidInputError(reason)`` saying what is wrong with it."""
    try:
        return model.model_validate_json(body or b"null")
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "the body"
        raise InvalidInputError(reason, f"{where}: {first['msg']} (expected JSON like Knitfab's API types)") from exc
