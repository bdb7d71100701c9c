"""Bulk-seeded Data look like uploads: found by tag, with knit#timestamp and no knit#transient.
Bulk-seeded Runs look like finished Runs of their plan: in lineage, in run details, tagged outputs."""

from __future__ import annotations

import uuid

import pytest

from knitgraph.graph_schema.bulk import (
    FinishedRunRow,
    UploadedRow,
    create_finished_runs_batch,
    create_uploaded_data_batch,
)
from knitgraph.graph_schema.data import find_data, get_data
from knitgraph.graph_schema.driver import Graph
from knitgraph.graph_schema.errors import InvalidInputError, NotFoundError
from knitgraph.graph_schema.lineage import get_lineage
from knitgraph.graph_schema.maintenance import count_nodes
from knitgraph.graph_schema.plan_spec import PlanSpec
from knitgraph.graph_schema.plans import register_plan
from knitgraph.graph_schema.records import DataRecord, Lineage, RunRecord, RunStatus
from knitgraph.graph_schema.runs import get_run
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


def test_finished_runs_batch_seeds_a_chain_seen_by_lineage(clean_graph: Settings) -> None:
    plan_id = str(uuid.uuid4())
    spec = PlanSpec.build(image="bench/step:v1", inputs=[("/in/1", ["bench:never"])],
                          outputs=[("/out/1", ["bench:out"])])
    root = UploadedRow(str(uuid.uuid4()), str(uuid.uuid4()), "digest-root", (Tag("bench", "root"),))
    data = [root.knit_id] + [str(uuid.uuid4()) for _ in range(5)]
    statuses = ["done", "done", "failed", "done", "done"]
    rows = [FinishedRunRow(str(uuid.uuid4()), statuses[i], (("/in/1", data[i]),), (("/out/1", data[i + 1]),))
            for i in range(5)]

    async def seed_and_read(graph: Graph) -> tuple[int, Lineage, Lineage, RunRecord, DataRecord, dict[str, int]]:
        await register_plan(graph, spec, plan_id=plan_id, now=NOW)
        await create_uploaded_data_batch(graph, [root], NOW)
        written = await create_finished_runs_batch(graph, plan_id, rows, NOW, batch_rows=2)
        again = await create_finished_runs_batch(graph, plan_id, rows[:2], NOW)  # retries are harmless
        assert again == 2
        return (written, await get_lineage(graph, data[-1], upstream=True, downstream=False, depth=None),
                await get_lineage(graph, root.knit_id, downstream=True, depth=None, statuses=[RunStatus.FAILED]),
                await get_run(graph, rows[2].run_id), await get_data(graph, data[3]), await count_nodes(graph))

    written, upstream, failed, run, output, counts = run_on_graph(clean_graph, seed_and_read)
    assert written == 5
    assert counts["Data"] == 6 and counts["Run"] == 6  # the upload Run and five Runs of the plan
    assert not upstream.truncated
    assert [d.knit_id for d in upstream.data] == list(reversed(data))
    by_id = {r.summary.run_id: r for r in upstream.runs}
    assert len(by_id) == 6  # the five plan Runs and the upload of the root
    for i, row in enumerate(rows):
        seen = by_id[row.run_id]
        assert seen.summary.status.value == statuses[i]
        assert seen.summary.plan.plan_id == plan_id
        assert seen.step == -(5 - i)
        assert seen.inputs == (("/in/1", data[i]),)
        assert seen.outputs == (("/out/1", data[i + 1]),)
        assert seen.log is None
    assert [r.summary.run_id for r in failed.runs] == [rows[2].run_id]
    assert failed.runs[0].step == 3
    assert [(a.mountpoint.path, a.knit_id) for a in run.inputs] == [("/in/1", data[2])]
    assert [(a.mountpoint.path, a.knit_id) for a in run.outputs] == [("/out/1", data[3])]
    assert output.upstream.run.run_id == rows[2].run_id
    assert output.transient == "failed"
    assert Tag("bench", "out") in output.tags
    assert [d.run.run_id for d in output.downstreams] == [rows[3].run_id]


def test_finished_runs_batch_refuses_rows_that_do_not_fit(clean_graph: Settings) -> None:
    plan_id = str(uuid.uuid4())
    spec = PlanSpec.build(image="bench/step:v1", inputs=[("/in/1", ["bench:never"])], outputs=[("/out/1", [])])

    async def seed(graph: Graph, row: FinishedRunRow) -> int:
        return await create_finished_runs_batch(graph, plan_id, [row], NOW)

    run_on_graph(clean_graph, lambda graph: register_plan(graph, spec, plan_id=plan_id, now=NOW))
    wrong_path = FinishedRunRow(str(uuid.uuid4()), "done", (("/in/2", "x"),), (("/out/1", "y"),))
    with pytest.raises(InvalidInputError):
        run_on_graph(clean_graph, lambda graph: seed(graph, wrong_path))
    running = FinishedRunRow(str(uuid.uuid4()), "running", (("/in/1", "x"),), (("/out/1", "y"),))
    with pytest.raises(InvalidInputError):
        run_on_graph(clean_graph, lambda graph: seed(graph, running))
    missing_input = FinishedRunRow(str(uuid.uuid4()), "done", (("/in/1", str(uuid.uuid4())),), (("/out/1", "y"),))
    with pytest.raises(NotFoundError):
        run_on_graph(clean_graph, lambda graph: seed(graph, missing_input))
    with pytest.raises(NotFoundError):
        run_on_graph(clean_graph, lambda graph: create_finished_runs_batch(graph, "no-such-plan", [running], NOW))
    assert run_on_graph(clean_graph, count_nodes)["Run"] == 0  # nothing was written


def test_a_plan_pinned_to_a_timestamp_nominates_only_the_data_of_that_instant(clean_graph: Settings) -> None:
    """Registration finds pinned Data through the Runs' finishedAt index (it once scanned every Data)."""
    early, late = (UploadedRow(str(uuid.uuid4()), str(uuid.uuid4()), "digest", (Tag("bench", "pin"),)) for _ in range(2))
    plan_id = str(uuid.uuid4())
    spec = PlanSpec.build(image="bench/pin:v1", inputs=[("/in/1", [f"{KEY_TIMESTAMP}:{format_ms(NOW)}"])],
                          outputs=[("/out/1", [])])

    async def seed_and_register(graph: Graph) -> list[str]:
        await create_uploaded_data_batch(graph, [early], NOW)
        await create_uploaded_data_batch(graph, [late], NOW + 1000)
        await register_plan(graph, spec, plan_id=plan_id, now=NOW + 2000)
        found = await get_data(graph, early.knit_id)
        return [d.run.plan.plan_id for d in found.downstreams] + [
            d.run.plan.plan_id for d in (await get_data(graph, late.knit_id)).downstreams]

    assert run_on_graph(clean_graph, seed_and_register) == [plan_id]
