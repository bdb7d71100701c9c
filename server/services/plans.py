"""Plans: register (apply), show, find, and change what may change after registration."""

from __future__ import annotations

import uuid

from knitgraph.graph_schema import plans as plan_graph
from knitgraph.graph_schema.plan_spec import PlanSpec
from knitgraph.graph_schema.records import PlanRecord
from knitgraph.graph_schema.tags import Tag
from knitgraph.graph_schema.timefmt import now_ms

from .state import Services


async def get_plan(services: Services, plan_id: str) -> PlanRecord:
    return await plan_graph.get_plan(services.graph, plan_id)


async def find_plans(
    services: Services, active: bool | None, image: str | None, in_tags: list[str], out_tags: list[str],
    annotations: list[str] | None = None,
) -> list[PlanRecord]:
    return await plan_graph.find_plans(
        services.graph, active=active, image=image, in_tags=[Tag.parse(t) for t in in_tags],
        out_tags=[Tag.parse(t) for t in out_tags], annotations=annotations or [],
    )


async def apply_plan(services: Services, actor: str | None, spec: PlanSpec) -> PlanRecord:
    """Register a plan; the Runs for Data that already match exist on return."""
    plan_id = str(uuid.uuid4())
    await plan_graph.register_plan(services.graph, spec, plan_id=plan_id, now=now_ms(), creation=uuid.uuid4().hex,
                                   by=actor)
    services.runs_waiting.notify()
    return await plan_graph.get_plan(services.graph, plan_id)


async def set_plan_active(services: Services, plan_id: str, active: bool) -> PlanRecord:
    changed = await plan_graph.set_plan_active(services.graph, plan_id, active)
    services.runs_waiting.notify()
    return changed


async def change_plan_resources(
    services: Services, plan_id: str, set_: dict[str, str], unset: list[str]
) -> PlanRecord:
    return await plan_graph.change_plan(
        services.graph, plan_id, now=now_ms(), resources_set=set_, resources_unset=unset
    )


async def annotate_plan(
    services: Services, plan_id: str, add: list[str], remove: list[str], remove_keys: list[str]
) -> PlanRecord:
    return await plan_graph.change_plan(
        services.graph, plan_id, now=now_ms(),
        annotations_add=add, annotations_remove=remove, annotations_remove_keys=remove_keys,
    )


async def set_plan_service_account(services: Services, plan_id: str, service_account: str | None) -> PlanRecord:
    return await plan_graph.change_plan(
        services.graph, plan_id, now=now_ms(), service_account=(service_account or None,)
    )
