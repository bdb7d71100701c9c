"""Retention: purge the content of Data that plans' policies let go (graph_schema/retention.py)."""

from __future__ import annotations

from dataclasses import dataclass

import anyio.to_thread

from knitgraph.graph_schema import retention
from knitgraph.graph_schema.plan_spec import KEEP_LAST_ANNOTATION, PURGE_FAILED_AFTER_ANNOTATION, retention_of
from knitgraph.graph_schema.quantities import duration_seconds
from knitgraph.graph_schema.timefmt import now_ms

from .state import Services


@dataclass(frozen=True, slots=True)
class Collection:
    dry_run: bool
    data: tuple[retention.Purgeable, ...]  # purged, or (dry run) to be purged

    @property
    def bytes(self) -> int:
        return sum(d.size for d in self.data)


async def _policies(services: Services, now: int) -> list[retention.PlanPolicy]:
    default = services.settings.purge_failed_after
    default_seconds = duration_seconds(default) if default is not None else None
    plans = await retention.plans_with_policies(services.graph, every_plan=default_seconds is not None,
                                                keep_last_key=KEEP_LAST_ANNOTATION,
                                                failed_after_key=PURGE_FAILED_AFTER_ANNOTATION)
    policies = []
    for plan_id, plan_annotations in plans:
        keep_last, after = retention_of(plan_annotations)
        after = after if after is not None else default_seconds
        if keep_last is not None or after is not None:
            policies.append(retention.PlanPolicy(plan_id, keep_last, now - int(after * 1000) if after is not None else None))
    return policies


async def collect(services: Services, *, dry_run: bool) -> Collection:
    """Apply every plan's retention now: purge (or, dry run, list) what it lets go."""
    now = now_ms()
    found = await retention.find_purgeable(services.graph, await _policies(services, now))
    if dry_run or not found:
        return Collection(dry_run, tuple(found))
    purged = set(await retention.mark_purged(services.graph, [d.knit_id for d in found], now=now))
    for knit_id in purged:  # after the mark: a crash in between leaves content the sweep removes
        await anyio.to_thread.run_sync(services.store.discard, knit_id)
    return Collection(False, tuple(d for d in found if d.knit_id in purged))
