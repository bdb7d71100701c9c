"""What retention purged, or would purge."""

from __future__ import annotations

import strawberry

from ...services.retention import Collection


@strawberry.type(description="A Data whose content retention purges: its lineage stays.")
class PurgedData:
    knit_id: strawberry.ID
    plan_id: strawberry.ID
    plan: str = strawberry.field(description="The plan's name, else its image.")
    run_id: strawberry.ID = strawberry.field(description="The Run that made it.")
    rule: str = strawberry.field(description="keep-last or purge-failed-after: which of its plan's policies lets it go.")
    size: float = strawberry.field(description="Bytes of its content.")


@strawberry.type(description="What a garbage collection purged (dryRun: would purge; nothing was changed).")
class GarbageCollection:
    dry_run: bool
    freed_bytes: float
    data: list[PurgedData]

    @classmethod
    def from_record(cls, collected: Collection) -> GarbageCollection:
        return cls(dry_run=collected.dry_run, freed_bytes=float(collected.bytes),
                   data=[PurgedData(knit_id=strawberry.ID(d.knit_id), plan_id=strawberry.ID(d.plan_id), plan=d.plan,
                                    run_id=strawberry.ID(d.run_id), rule=d.rule, size=float(d.size))
                         for d in collected.data])
