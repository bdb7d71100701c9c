"""Bulk-seeded Data look like uploads: found by tag, with knit#timestamp and no knit#transient."""

from __future__ import annotations

import uuid

from knitgraph.graph_schema.bulk import UploadedRow, create_uploaded_data_batch
from knitgraph.graph_schema.data import find_data
from knitgraph.graph_schema.driver import Graph
from knitgraph.graph_schema.records import DataRecord, RunStatus
from knitgraph.graph_schema.tags import KEY_TIMESTAMP, Tag
from knitgraph.graph_schema.timefmt import format_ms
from knitgraph.server.settings import Settings

from ..conftest import run_on_graph

NOW = 1_700_000_000_123


def test_seeded_data_are_found_like_uploads(clean_graph: Settings) -> None:
    rows = [
        UploadedRow(str(uuid.uuid4()), str(uuid.uuid4()), f"digest-{index}",
                    (Tag("bench", "bulk"), Tag("shard", str(index % 3))))
        for index in range(20)
    ]

    async def seed_and_find(graph: Graph) -> tuple[int, list[DataRecord], list[DataRecord]]:
        written = await create_uploaded_data_batch(graph, rows, NOW, batch_rows=7)
        stamp = Tag(KEY_TIMESTAMP, format_ms(NOW))
        return (written, await find_data(graph, [Tag("bench", "bulk"), stamp]),
                await find_data(graph, [Tag("shard", "1")]))

    written, found, shard_one = run_on_graph(clean_graph, seed_and_find)
    assert written == 20
    assert sorted(d.knit_id for d in found) == sorted(row.knit_id for row in rows)
    assert sorted(d.knit_id for d in shard_one) == sorted(row.knit_id for row in rows[1::3])
    for data in found:
        assert data.transient is None
        assert data.finished_at == NOW
        assert data.upstream.run.status is RunStatus.DONE
        assert data.upstream.run.plan.name == "knit#uploaded"
        assert data.upstream.mountpoint is not None and data.upstream.mountpoint.path == "/upload"
        assert data.nominations == ()
        assert Tag(KEY_TIMESTAMP, format_ms(NOW)) in data.tags
