"""Lineage of a Data and the graph of Plans around a Plan."""

from __future__ import annotations

from knitgraph.graph_schema import lineage as lineage_graph
from knitgraph.graph_schema.errors import NotFoundError
from knitgraph.graph_schema.records import Lineage, PlanGraph, RunStatus
from knitgraph.graph_schema.runs import parse_statuses
from knitgraph.pipeline.naming import PIPELINE_ANNOTATION

from .state import Services


async def get_lineage(
    services: Services, knit_id: str, upstream: bool, downstream: bool, depth: int | None, max_nodes: int,
    statuses: list[str] | None,
) -> tuple[Lineage, bool]:
    """The lineage, and whether it was filtered by Run status (impact analysis)."""
    wanted = [RunStatus(s) for s in parse_statuses(statuses)] if statuses is not None else None
    found = await lineage_graph.get_lineage(
        services.graph, knit_id, upstream=upstream, downstream=downstream, depth=depth, max_nodes=max_nodes,
        statuses=wanted,
    )
    return found, wanted is not None


async def get_plan_graph(
    services: Services, plan_id: str, upstream: bool, downstream: bool, depth: int | None, max_nodes: int
) -> PlanGraph:
    return await lineage_graph.get_plan_graph(
        services.graph, plan_id, upstream=upstream, downstream=downstream, depth=depth, max_nodes=max_nodes
    )


async def get_pipeline_graph(services: Services, name: str) -> PlanGraph:
    """A pipeline's active steps (``knit pipeline apply``), linked output to input."""
    found = await lineage_graph.get_annotated_plan_graph(services.graph, f"{PIPELINE_ANNOTATION}={name}")
    if not found.plans:
        raise NotFoundError(f"no pipeline named {name!r} is applied",
                            "apply it with `knit pipeline apply FILE.py`; `knit plan find` lists the Plans")
    return found
