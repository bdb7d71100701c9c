"""Registering, reading, searching and changing Plans."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from knitgraph.graph_schema.errors import InvalidInputError
from knitgraph.graph_schema.plan_spec import PlanSpec

from ...auth.roles import CanEdit
from ...services import execution as execution_service
from ...services import explain as explain_service
from ...services import plans as plan_service
from ..context import Info
from ..types.explanation import PlanExplanation
from ..types.plan import Plan, PlanExecution


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
        on_node = self.on_node or OnNodeInput()
        return PlanSpec.build(
            image=self.image,
            inputs=[(m.path, m.tags) for m in self.inputs],
            outputs=[(m.path, m.tags) for m in self.outputs or []],
            log=self.log.tags if self.log is not None else None,
            entrypoint=self.entrypoint, args=self.args, active=self.active,
            resources=_quantities(self.resources, "resources"),
            on_node={"may": on_node.may or [], "prefer": on_node.prefer or [], "must": on_node.must or []},
            service_account=self.service_account, annotations=self.annotations or [],
        )


def _quantities(value: JSON | None, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInputError(f"{name} must map a type to a quantity", 'write e.g. {"cpu": "2"}')
    return {str(k): str(v) for k, v in value.items()}


@strawberry.type
class PlanQuery:
    @strawberry.field(description="One plan by id (pseudo plans knit#uploaded and knit#imported too).")
    async def plan(self, info: Info, plan_id: strawberry.ID) -> Plan:
        return Plan.from_record(await plan_service.get_plan(info.context.services, str(plan_id)))

    @strawberry.field(
        description="Plans matching every condition: active, image (repository[:tag]), one input "
        "carrying all inTags, one output or log carrying all outTags, all annotations (key=value). "
        "Sorted by planId."
    )
    async def find_plans(
        self, info: Info, active: bool | None = None, image: str | None = None,
        in_tags: list[str] | None = None, out_tags: list[str] | None = None,
        annotations: list[str] | None = None,
    ) -> list[Plan]:
        found = await plan_service.find_plans(info.context.services, active, image, in_tags or [], out_tags or [],
                                              annotations or [])
        return [Plan.from_record(p) for p in found]

    @strawberry.field(
        description="How the plan's Runs execute on this server (executor, network) and warnings about them: "
        "an image that will not be used or is not in the container engine, a missing command."
    )
    async def plan_execution(self, info: Info, plan_id: strawberry.ID) -> PlanExecution:
        return PlanExecution.from_record(await execution_service.plan_execution(info.context.services, str(plan_id)))

    @strawberry.field(
        description="Whether a Data is an input of the plan (per input: the tags it lacks, pins, its producing "
        "Run's status), and if it is, the Runs that read it or why there are none."
    )
    async def explain_plan(self, info: Info, plan_id: strawberry.ID, knit_id: strawberry.ID) -> PlanExplanation:
        found = await explain_service.explain(info.context.services, str(plan_id), str(knit_id))
        return PlanExplanation.from_explanation(found)


@strawberry.type
class PlanMutation:
    @strawberry.mutation(
        permission_classes=[CanEdit],
        description="Register a plan. Refused if an equivalent plan exists (see: its id) or if its "
        "tags make a cycle of plans. Runs for existing matching Data are created at once."
    )
    async def apply_plan(self, info: Info, spec: PlanSpecInput) -> Plan:
        return Plan.from_record(await plan_service.apply_plan(info.context.services, info.context.actor, spec.to_spec()))

    @strawberry.mutation(permission_classes=[CanEdit], description="Activate or deactivate a plan; its waiting Runs follow.")
    async def set_plan_active(self, info: Info, plan_id: strawberry.ID, active: bool) -> Plan:
        return Plan.from_record(await plan_service.set_plan_active(info.context.services, str(plan_id), active))

    @strawberry.mutation(permission_classes=[CanEdit], description="Set resource limits, then unset the listed types.")
    async def change_plan_resources(
        self, info: Info, plan_id: strawberry.ID, set: JSON | None = None, unset: list[str] | None = None
    ) -> Plan:
        changed = await plan_service.change_plan_resources(
            info.context.services, str(plan_id), _quantities(set, "set"), unset or []
        )
        return Plan.from_record(changed)

    @strawberry.mutation(permission_classes=[CanEdit], description="Remove annotations by key, then exact ones, then add.")
    async def annotate_plan(
        self, info: Info, plan_id: strawberry.ID, add: list[str] | None = None,
        remove: list[str] | None = None, remove_key: list[str] | None = None,
    ) -> Plan:
        changed = await plan_service.annotate_plan(
            info.context.services, str(plan_id), add or [], remove or [], remove_key or []
        )
        return Plan.from_record(changed)

    @strawberry.mutation(permission_classes=[CanEdit], description="Set the service account of a plan's Runs; null unsets it.")
    async def set_plan_service_account(
        self, info: Info, plan_id: strawberry.ID, service_account: str | None = None
    ) -> Plan:
        changed = await plan_service.set_plan_service_account(info.context.services, str(plan_id), service_account)
        return Plan.from_record(changed)
