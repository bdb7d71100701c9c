"""Where the time of one lineage query goes, layer by layer: ``python -m bench.lineage_layers``.

Seeds the graph of :mod:`bench.lineage` (same ``BENCH_LINEAGE_*`` variables; smaller sizes keep the
fan1k and fan10k neighbourhoods whole) and, for the fan1k and fan10k roots downstream, times each
layer on its own, p50 over ``BENCH_LINEAGE_SAMPLES`` after warm-ups:

1. Cypher: the lineage query as Neo4j reports it (available + consumed), with ``PROFILE``'s db hits
   and the start node's index;
2. driver: the same query read into a Python dict, less Neo4j's own time (Bolt and decoding);
3. shaping: the row into a :class:`records.Lineage` (graph_schema);
4. strawberry: ``schema.execute`` of the benchmark's query on that record (the service replaced by
   one that answers it), parse and validation included;
5. JSON: the result encoded as the HTTP view encodes it;
6. HTTP: the whole POST /graphql against the running server, for reference.

This process collects garbage as the server does (:mod:`knitgraph.server.gc_tuning`).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

import anyio
from neo4j import AsyncManagedTransaction

from knitgraph.graph_schema import lineage as lineage_graph
from knitgraph.graph_schema.driver import Graph
from knitgraph.server.gc_tuning import tune_gc
from knitgraph.server.graphql.context import Context
from knitgraph.server.graphql.http import KnitGraphQL
from knitgraph.server.graphql.schema import schema
from knitgraph.server.services import Services
from knitgraph.server.services import lineage as lineage_service
from knitgraph.server.settings import Settings

from .harness import connect_graph, graphql, isolated_knitgraph, positive_env, print_table
from .lineage import (
    CHAIN_LENGTH_ENV,
    CHAINS_ENV,
    DATA_ENV,
    DEFAULT_CHAIN_LENGTH,
    DEFAULT_CHAINS,
    DEFAULT_DATA,
    DEFAULT_SAMPLES,
    LINEAGE_QUERY,
    MAX_NODES,
    SAMPLES_ENV,
    WARM_UPS,
    Shape,
    Sizes,
    seed,
    shapes,
)


def _p50(seconds: list[float]) -> str:
    return f"{statistics.median(seconds) * 1000:.1f} ms"


def _profile_summary(plan: dict[str, Any]) -> tuple[int, int, list[str]]:
    """Total db hits, rows of the top operator, and the operators that touch an index."""
    hits, indexes, pending = 0, [], [plan]
    while pending:
        operator = pending.pop()
        hits += int(operator.get("dbHits", 0))
        details = str(operator.get("args", {}).get("Details", ""))
        if "Index" in str(operator.get("operatorType", "")):
            indexes.append(f"{operator['operatorType']}: {details[:80]}")
        pending.extend(operator.get("children", []))
    return hits, int(plan.get("rows", 0)), indexes


async def _cypher(graph: Graph, query: str, params: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    """Neo4j's own time for ``query`` (ms to first record + ms to consume), and its raw row."""
    async def work(tx: AsyncManagedTransaction) -> tuple[float, dict[str, Any]]:
        result = await tx.run(query, params)  # type: ignore[arg-type]
        record = await result.single()
        summary = await result.consume()
        server = ((summary.result_available_after or 0) + (summary.result_consumed_after or 0)) / 1000
        assert record is not None
        return server, dict(zip(record.keys(), record.values(), strict=True))

    return await graph.read(work)


async def _profiled(graph: Graph, query: str, params: dict[str, Any]) -> dict[str, Any]:
    async def work(tx: AsyncManagedTransaction) -> dict[str, Any]:
        result = await tx.run("PROFILE " + query, params)  # type: ignore[arg-type]
        summary = await result.consume()
        return dict(summary.profile or {})

    return await graph.read(work)


def _timed(samples: int, once: Callable[[], Any]) -> list[float]:
    seconds = []
    for n in range(WARM_UPS + samples):
        start = time.perf_counter()
        once()
        if n >= WARM_UPS:
            seconds.append(time.perf_counter() - start)
    return seconds


async def _timed_async(samples: int, once: Callable[[], Awaitable[Any]]) -> list[float]:
    seconds = []
    for n in range(WARM_UPS + samples):
        start = time.perf_counter()
        await once()
        if n >= WARM_UPS:
            seconds.append(time.perf_counter() - start)
    return seconds


async def layers(graph: Graph, shape: Shape, samples: int) -> tuple[list[str], list[str]]:
    query = lineage_graph.lineage_query(shape.upstream, not shape.upstream, None)
    params = {"knitId": shape.knit_id, "runLimit": MAX_NODES, "maxStep": None, "statuses": None}
    server: list[float] = []
    totals: list[float] = []
    row: dict[str, Any] = {}
    for n in range(WARM_UPS + samples):
        start = time.perf_counter()
        server_seconds, row = await _cypher(graph, query, params)
        if n >= WARM_UPS:
            totals.append(time.perf_counter() - start)
            server.append(server_seconds)
    hits, rows, indexes = _profile_summary(await _profiled(graph, query, params))
    decode = [t - s for t, s in zip(totals, server, strict=True)]
    shaping = _timed(samples, lambda: lineage_graph._lineage(shape.knit_id, row, MAX_NODES))
    record = lineage_graph._lineage(shape.knit_id, row, MAX_NODES)

    async def answer(*_: Any, **__: Any) -> Any:
        return record, False

    lineage_service.get_lineage = answer  # type: ignore[assignment]
    context = Context(services=Services(graph=graph, store=cast(Any, None), settings=Settings()), principal=None)
    variables = {"knitId": shape.knit_id, "upstream": shape.upstream, "downstream": not shape.upstream,
                 "statuses": None}
    result: list[Any] = []

    async def execute() -> None:
        result[:] = [await schema.execute(LINEAGE_QUERY, variable_values=variables, context_value=context)]

    strawberry_seconds = await _timed_async(samples, execute)
    assert not result[0].errors, result[0].errors
    data = {"data": result[0].data}
    view = KnitGraphQL(schema)
    encoding = _timed(samples, lambda: view.encode_json(data))
    figures = [_p50(server), _p50(decode), _p50(shaping), _p50(strawberry_seconds), _p50(encoding)]
    return figures, [f"{shape.label}: {hits:,} db hits, {rows} row(s); index: {'; '.join(indexes) or 'none'}"]


def run() -> None:
    tune_gc()  # as the server runs
    sizes = Sizes(positive_env(DATA_ENV, DEFAULT_DATA), positive_env(CHAINS_ENV, DEFAULT_CHAINS),
                  positive_env(CHAIN_LENGTH_ENV, DEFAULT_CHAIN_LENGTH), positive_env(SAMPLES_ENV, DEFAULT_SAMPLES))
    with isolated_knitgraph({"KNITGRAPH_EXECUTE_RUNS": "false"}) as knitgraph, \
            knitgraph.http_client(timeout=600.0) as client:
        seeded = seed(knitgraph, client, sizes)
        cases = [s for s in shapes(sizes, seeded) if not s.dot and s.statuses is None and not s.upstream]
        http = {}
        for shape in cases:
            variables = {"knitId": shape.knit_id, "upstream": False, "downstream": True, "statuses": None}
            http[shape.label] = _timed(sizes.samples, lambda v=variables: graphql(client, LINEAGE_QUERY, **v))

        async def measure() -> list[tuple[Shape, list[str], list[str]]]:
            graph = connect_graph(knitgraph)
            try:
                return [(shape, *await layers(graph, shape, sizes.samples)) for shape in cases]
            finally:
                await graph.close()

        measured = anyio.run(measure)
    print(f"== lineage layers, p50 of {sizes.samples}; load average {os.getloadavg()[0]:.1f}")
    print_table(["case", "nodes", "Cypher (Neo4j)", "driver (Bolt+decode)", "shaping", "strawberry", "JSON",
                 "HTTP total"],
                [[s.label, f"{s.nodes:,}", *figures, _p50(http[s.label])] for s, figures, _ in measured])
    for _, _, notes in measured:
        print("\n".join(notes))


if __name__ == "__main__":
    run()
