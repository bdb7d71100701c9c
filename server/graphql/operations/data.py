"""Reading, pushing and tagging Data."""

from __future__ import annotations

import uuid
from enum import Enum

import anyio.to_thread
import strawberry

from knitgraph.graph_schema import data as data_graph
from knitgraph.graph_schema.errors import InvalidInputError
from knitgraph.graph_schema.tags import Tag, parse_user_tags, reject_system_key
from knitgraph.graph_schema.timefmt import now_ms, parse_duration_ms, parse_instant

from ...projector import project
from ..context import Info
from ..types.data import Data

MAX_MILLIS = 2**63 - 1


@strawberry.enum(description="Filter on the knit#transient tag: any, only transient, only settled.")
class Transient(Enum):
    BOTH = "both"
    YES = "yes"
    NO = "no"


def window(since: str | None, duration: str | None) -> tuple[int | None, int | None]:
    if since is None:
        if duration is not None:
            raise InvalidInputError(
                "duration needs since", "give since and duration together, or since alone"
            )
        return None, None
    start = parse_instant(since)
    return start, start + parse_duration_ms(duration) if duration is not None else MAX_MILLIS


@strawberry.type
class DataQuery:
    @strawberry.field(description="One Data by its knitId.")
    async def data(self, info: Info, knit_id: strawberry.ID) -> Data:
        return Data.from_record(await data_graph.get_data(info.context.graph, str(knit_id)))

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
        wanted = [Tag.parse(text) for text in tags or []]
        start, end = window(since, duration)
        found = await data_graph.find_data(info.context.graph, wanted, start, end)
        if transient is not Transient.BOTH:
            found = [d for d in found if (d.transient is not None) == (transient is Transient.YES)]
        return [Data.from_record(d) for d in found]


@strawberry.type
class DataMutation:
    @strawberry.mutation(
        description="Turn a completed upload (POST /api/uploads) into a Data, verified against the "
        "client's digest; the Data appears with its tags at once, as the output of a knit#uploaded Run."
    )
    async def push_data(
        self, info: Info, upload_id: strawberry.ID, digest: str, tags: list[str] | None = None
    ) -> Data:
        user_tags = parse_user_tags(tags or [])
        knit_id, run_id = str(uuid.uuid4()), str(uuid.uuid4())
        store, graph = info.context.store, info.context.graph
        staged = await anyio.to_thread.run_sync(store.commit, str(upload_id), knit_id, digest)
        # On failure the content stays, marked pending: the sweep keeps it if the write did land.
        plans = await data_graph.create_uploaded_data(
            graph, knit_id=knit_id, run_id=run_id, tags=user_tags, digest=staged.digest, now=now_ms()
        )
        store.confirm(knit_id)
        await project(graph, plans)
        return Data.from_record(await data_graph.get_data(graph, knit_id))

    @strawberry.mutation(
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
        keys = [key.strip() for key in remove_key or []]
        for key in keys:
            reject_system_key(key)
        graph = info.context.graph
        plans = await data_graph.update_data_tags(
            graph,
            str(knit_id),
            add=parse_user_tags(add or []),
            remove=parse_user_tags(remove or []),
            remove_keys=keys,
            now=now_ms(),
        )
        await project(graph, plans)
        return Data.from_record(await data_graph.get_data(graph, str(knit_id)))
