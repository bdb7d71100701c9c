"""Reading, pushing and tagging Data."""

from __future__ import annotations

from enum import Enum

import strawberry

from ...auth.roles import CanEdit
from ...services import data as data_service
from ...services import retention as retention_service
from ..context import Info
from ..types.data import Data
from ..types.retention import GarbageCollection


@strawberry.enum(description="Filter on the knit#transient tag: any, only transient, only settled.")
class Transient(Enum):
    BOTH = "both"
    YES = "yes"
    NO = "no"


_TRANSIENT = {Transient.BOTH: None, Transient.YES: True, Transient.NO: False}


@strawberry.type
class DataQuery:
    @strawberry.field(description="One Data by its knitId.")
    async def data(self, info: Info, knit_id: strawberry.ID) -> Data:
        return Data.from_record(await data_service.get_data(info.context.services, str(knit_id)))

    @strawberry.field(
        description="Data carrying every given tag (system tags knit#id, knit#timestamp and "
        "knit#transient included), ordered by knit#timestamp then knitId. since (RFC3339) and "
        "duration (Go syntax, e.g. 2h) select knit#timestamp (or last update) in [since, since+duration)."
    )
    async def find_data(
        self,
        info: Info,
        tags: list[str] | None = None,
        transient: Transient = Transient.BOTH,
        since: str | None = None,
        duration: str | None = None,
    ) -> list[Data]:
        found = await data_service.find_data(info.context.services, tags or [], _TRANSIENT[transient], since, duration)
        return [Data.from_record(d) for d in found]

    @strawberry.field(
        description="Tags of Data starting with prefix (a key, or key:value), the most used first, with how many "
        "Data carry each: the completions of a tag search box. limit: 1 to 100."
    )
    async def tag_suggestions(self, info: Info, prefix: str = "", limit: int = 20) -> list[TagSuggestion]:
        found = await data_service.suggest_tags(info.context.services, prefix, limit)
        return [TagSuggestion(tag=str(tag), data_count=uses) for tag, uses in found]


@strawberry.type(description="A tag and how many Data carry it.")
class TagSuggestion:
    tag: str
    data_count: int


@strawberry.type
class DataMutation:
    @strawberry.mutation(
        permission_classes=[CanEdit],
        description="Apply every plan's retention now (keep-last, purge-failed-after; never what is upstream of a "
        "keep:true Data): purge the content of what it lets go, keeping lineage (knit#transient:purged). "
        "dryRun changes nothing and lists what would be freed."
    )
    async def collect_garbage(self, info: Info, dry_run: bool = False) -> GarbageCollection:
        return GarbageCollection.from_record(await retention_service.collect(info.context.services, dry_run=dry_run))

    @strawberry.mutation(
        permission_classes=[CanEdit],
        description="Turn a completed upload (POST /api/uploads) into a Data, verified against the "
        "client's digest; the Data appears with its tags at once, as the output of a knit#uploaded Run."
    )
    async def push_data(
        self, info: Info, upload_id: strawberry.ID, digest: str, tags: list[str] | None = None
    ) -> Data:
        pushed = await data_service.push_data(info.context.services, info.context.actor, str(upload_id), digest, tags or [])
        return Data.from_record(pushed)

    @strawberry.mutation(
        permission_classes=[CanEdit],
        description="Change a Data's tags in one step: remove by key, then remove, then add."
    )
    async def tag_data(
        self,
        info: Info,
        knit_id: strawberry.ID,
        add: list[str] | None = None,
        remove: list[str] | None = None,
        remove_key: list[str] | None = None,
    ) -> Data:
        changed = await data_service.tag_data(
            info.context.services, info.context.actor, str(knit_id), add or [], remove or [], remove_key or []
        )
        return Data.from_record(changed)
