"""Registering, reading, searching and changing Plans."""

from __future__ import annotations

import uuid

import strawberry
from strawberry.scalars import JSON

from knitgraph.graph_schema import plans as plan_graph
from knitgraph.graph_schema.errors import InvalidInputError
from knitgraph.graph_schema.plan_spec import PlanSpec
from knitgraph.graph_schema.tags import Tag
from knitgraph.graph_schema.timefmt import now_ms

from ...projector import project
from ..context import Info
from ..types.plan import Plan


@strawberry.input
class MountpointInput:
    path: str
    tags: list[str]


@strawberry.input
class LogInput:
    tags: list[str]


@strawberry.input
class OnNodeInput:
    may: list[str] | None = None
    prefer: list[str] | None = None
    must: list[str] | None = None


@strawberry.input(description="A plan definition, with the keys of Knitfab's plan YAML.")
class PlanSpecInput:
    image: str
    inputs: list[MountpointInput]
    outputs: list[MountpointInput] | None = None
    log: LogInput | None = None
    entrypoint: list[str] | None = None
    args: list[str] | None = None
    active: bool | None = None
    resources: JSON | None = None
    on_node: OnNodeInput | None = strawberry.field(name="on_node", default=None)
    service_account: str | None = strawberry.field(name="service_account", default=None)
    annotations: list[str] | None = None

    def to_spec(self) -> PlanSpec:
        resources = self.resources or {}
        if not isinstance(resources, dict):
            raise InvalidInputError("resources must map a type to a quantity", 'write e.g. {"cpu": "1"}')
        on_node = self.on_node or OnNodeInput()
        return PlanSpec.build(
            image=self.image,
            inputs=[(m.path, m.tags) for m in self.inputs],
            outputs=[(m.path, m.tags) for m in self.outputs or []],
            log=self.log.tags if self.log is not None else None,
            entrypoint=self.entrypoint, args=self.args, active=self.active,
            resources={str(k): str(v) for k, v in resources.items()},
            on_node={"may": on_node.may or [], "prefer": on_node.prefer or [], "must": on_node.must or []},
            service_account=self.service_account, annotations=self.annotations or [],
        )


def _tags(texts: list[str] | None) -> list[Tag]:
    return [Tag.parse(text) for text in texts or []]


@strawberry.type
class PlanQuery:
    @strawberry.field(description="One plan by id (pseudo plans knit#uploaded and knit#imported too).")
    async def plan(self, info: Info, plan_id: strawberry.ID) -> Plan:
        return Plan.from_record(await plan_graph.get_plan(info.context.graph, str(plan_id)))

    @strawberry.field(
        description="Plans matching every condition: active, image (repository[:tag]), one input "
        "carrying all inTags, one output or log carrying all outTags. Sorted by planId."
    )
    async def find_plans(
        self, info: Info, active: bool | None = None, image: str | None = None,
        in_tags: list[str] | None = None, out_tags: list[str] | None = None,
    ) -> list[Plan]:
        found = await plan_graph.find_plans(
            info.context.graph, active=active, image=image, in_tags=_tags(in_tags), out_tags=_tags(out_tags)
        )
        return [Plan.from_record(p) for p in found]


@strawberry.type
class PlanMutation:
    @strawberry.mutation(
        description="Register a plan. Refused if an equivalent plan exists (see: its id) or if its "
        "tags make a cycle of plans. Runs for existing matching Data are created at once."
    )
    async def apply_plan(self, info: Info, spec: PlanSpecInput) -> Plan:
        graph = info.context.graph
        plan_id = str(uuid.uuid4())
        await plan_graph.register_plan(graph, spec.to_spec(), plan_id=plan_id, now=now_ms())
        await project(graph, [plan_id])
        return Plan.from_record(await plan_graph.get_plan(graph, plan_id))

    @strawberry.mutation(description="Activate or deactivate a plan; its waiting Runs follow.")
    async def set_plan_active(self, info: Info, plan_id: strawberry.ID, active: bool) -> Plan:
        return Plan.from_record(await plan_graph.set_plan_active(info.context.graph, str(plan_id), active))

    @strawberry.mutation(description="Set resource limits, then unset the listed types.")
    async def change_plan_resources(
        self, info: Info, plan_id: strawberry.ID, set: JSON | None = None, unset: list[str] | None = None
    ) -> Plan:
        if set is not None and not isinstance(set, dict):
            raise InvalidInputError("set must map a type to a quantity", 'write e.g. {"cpu": "2"}')
        record = await plan_graph.change_plan(
            info.context.graph, str(plan_id), now=now_ms(),
            resources_set={str(k): str(v) for k, v in (set or {}).items()}, resources_unset=unset or [],
        )
        return Plan.from_record(record)

    @strawberry.mutation(description="Remove annotations by key, then exact ones, then add.")
    async def annotate_plan(
        self, info: Info, plan_id: strawberry.ID, add: list[str] | None = None,
        remove: list[str] | None = None, remove_key: list[str] | None = None,
    ) -> Plan:
        record = await plan_graph.change_plan(
            info.context.graph, str(plan_id), now=now_ms(),
            annotations_add=add, annotations_remove=remove, annotations_remove_keys=remove_key,
        )
        return Plan.from_record(record)

    @strawberry.mutation(description="Set the service account of a plan's Runs; null unsets it.")
    async def set_plan_service_account(
        self, info: Info, plan_id: strawberry.ID, service_account: str | None = None
    ) -> Plan:
        record = await plan_graph.change_plan(
            info.context.graph, str(plan_id), now=now_ms(), service_account=(service_account or None,)
        )
        return Plan.from_record(record)
