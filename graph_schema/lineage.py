"""Lineage of a Data and the graph of Plans: bounded traversals, one round trip each.

Reads ``(:Data)-[:INPUT_TO]->(:Run)-[:PRODUCED]->(:Data)`` and ``(:Plan)-[:FEEDS_PLAN]->(:Plan)``.

A lineage step (reference §5.2) goes from a Data to the Run that produced it (upstream) or to
the Runs that read it (downstream); the Run brings all its inputs, outputs and log along. Upstream
edges all point *into* a Data or Run and downstream edges all point out of one, so walking
``<-[:PRODUCED|INPUT_TO*..n]-`` meets the Runs of step k at distance 2k-1. Neo4j evaluates that
pattern with a pruning breadth-first expansion (each node once, its shortest distance kept) when
only distinct end nodes and ``min(length(path))`` are asked for; a distance predicate in a WHERE
would instead enumerate every path, so the bound is written into the query as a literal.
"""

from __future__ import annotations

from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from .driver import Graph
from .errors import InvalidInputError, NotFoundError, plan_not_found
from .records import (
    Exit,
    Lineage,
    LineageData,
    LineageRun,
    Mountpoint,
    PlanGraph,
    PlanGraphLink,
    PlanGraphPlan,
    RunStatus,
    RunSummary,
)
from .summaries import input_mountpoint, metric_list, plan_summary, tag_list
from .tags import Tag

_UPSTREAM = "<-[:PRODUCED|INPUT_TO*{hops}]-"
_DOWNSTREAM = "-[:INPUT_TO|PRODUCED*{hops}]->"

# One branch per direction: every Run within reach with its step (negative upstream).
_RUNS_WITHIN = """
    MATCH hop = (start){arrow}(r:Run)
    WITH r, min(length(hop)) AS distance
    RETURN r, {sign}(distance + 1) / 2 AS step
"""

_LINEAGE = """
MATCH (start:Data {{knitId: $knitId}})
CALL (start) {{
    CALL (start) {{
{branches}
    }}
    WITH r, min(abs(step)) * sign(min(step)) AS step
    WHERE r.status <> 'invalidated' AND ($statuses IS NULL OR r.status IN $statuses)
      AND ($maxStep IS NULL OR abs(step) <= $maxStep)
    ORDER BY abs(step), r.updatedAt, r.runId
    // All of them are counted (the sort had to see them all anyway); the nearest are kept.
    WITH collect([r, step]) AS within
    UNWIND within[..$runLimit] AS kept
    WITH size(within) AS runsWithin, kept[0] AS r, kept[1] AS step
    MATCH (r)-[:OF_PLAN]->(p:Plan)
    WITH collect([r.runId, r.status, r.updatedAt, r.exitCode, r.exitMessage, p.planId, step,
                  [(d:Data)-[use:INPUT_TO]->(r) | [use.path, d.knitId]],
                  [(r)-[made:PRODUCED]->(d:Data) | [made.path, d.knitId, made.log]]]) AS runs,
        collect(DISTINCT p) AS planNodes, collect(r) AS reached, coalesce(max(runsWithin), 0) AS runsWithin
    // Each Plan's properties once, not once per Run of it.
    RETURN runs, [p IN planNodes | p {{.planId, .image, .entrypoint, .args, .name, .annotations}}] AS plans, reached,
        runsWithin
}}
CALL (start, reached) {{
    CALL (reached) {{
        UNWIND reached AS r
        WITH r  // rows must not carry the whole list: Neo4j counts it against memory per row
        MATCH (r)-[:PRODUCED|INPUT_TO]-(d:Data)
        RETURN collect(DISTINCT d) AS touched
    }}
    UNWIND [start] + touched AS d
    WITH DISTINCT d
    MATCH (d)<-[:PRODUCED]-(producer:Run)
    RETURN collect([d.knitId, [(d)-[:TAGGED]->(t:Tag) | [t.key, t.value]], producer.status, producer.finishedAt,
                    d.metricNames, d.metricValues]) AS data
}}
RETURN runs, plans, data, runsWithin
"""

_PLANS_WITHIN = """
        UNION
        MATCH hop = (start){arrow}(q:Plan)
        WITH q, min(length(hop)) AS distance
        RETURN q, {sign}distance AS step
"""

_PLAN_GRAPH = """
MATCH (start:Plan {{planId: $planId}})
CALL (start) {{
    CALL (start) {{
        RETURN start AS q, 0 AS step
{branches}
    }}
    WITH q, step
    WHERE $maxStep IS NULL OR abs(step) <= $maxStep
    ORDER BY abs(step), q.planId
    WITH collect([q, step]) AS within
    UNWIND within[..$planLimit] AS kept
    WITH size(within) AS plansWithin, kept[0] AS q, kept[1] AS step
    RETURN coalesce(max(plansWithin), 0) AS plansWithin, collect({plan_row}) AS plans
}}
RETURN plans, plansWithin
"""

# One Plan of a plan graph: its mountpoints and where its outputs feed (inserted by format()).
_PLAN_ROW = """{
        plan: q {.planId, .image, .entrypoint, .args, .name, .annotations, .active},
        step: step,
        inputs: [(q)-[:HAS_INPUT]->(i:Input) |
                 i {.path, .pinKnitId, .pinTimestamp, tags: [(i)-[:REQUIRES]->(t:Tag) | [t.key, t.value]]}],
        outputs: [(q)-[:HAS_OUTPUT]->(o:Output) | {
            path: o.path, isLog: o.isLog, tags: [(o)-[:PUTS]->(t:Tag) | [t.key, t.value]],
            feeds: [(o)-[:FEEDS]->(i:Input)<-[:HAS_INPUT]-(down:Plan) | [down.planId, i.path]]}]
    }"""

# The active Plans carrying an annotation (a pipeline's steps), each at step 0.
_ANNOTATED_PLANS = """
MATCH (q:Plan) WHERE q.active AND $annotation IN q.annotations
WITH q, 0 AS step ORDER BY q.planId
RETURN count(q) AS plansWithin, collect({plan_row}) AS plans
"""


# Deeper than this, the walk is written unbounded and the steps are cut by ``$maxStep`` instead:
# Neo4j's planner estimates a bounded var-length pattern length by length, and a bound in the
# billions makes it fail ("selectivity was Infinity") or never finish planning.
LITERAL_DEPTH_LIMIT = 32


def _bound(depth: int | None, *, runs: bool) -> str:
    """The relationship-count bound of a traversal ``depth`` steps deep (``None``: no bound)."""
    if depth is None:
        return ""  # no bound
    if depth < 1:
        raise InvalidInputError(f"depth must be a positive integer, not {depth}", "give 1 or more, or leave it out for all")
    if depth > LITERAL_DEPTH_LIMIT:
        return ""  # cut by $maxStep
    return f"..{2 * depth - 1 if runs else depth}"


def lineage_query(upstream: bool, downstream: bool, depth: int | None) -> LiteralString:
    """The lineage query for these directions and this depth (validated: an int or ``None``)."""
    hops = _bound(depth, runs=True)
    branches = []
    if upstream:
        branches.append(_RUNS_WITHIN.format(arrow=_UPSTREAM.format(hops=hops), sign="-"))
    if downstream:
        branches.append(_RUNS_WITHIN.format(arrow=_DOWNSTREAM.format(hops=hops), sign=""))
    body = "    UNION\n".join(branches)
    return _LINEAGE.format(branches=_indent(body))


def plan_graph_query(upstream: bool, downstream: bool, depth: int | None) -> LiteralString:
    hops = _bound(depth, runs=False)
    branches = []
    if upstream:
        branches.append(_PLANS_WITHIN.format(arrow=f"<-[:FEEDS_PLAN*{hops}]-", sign="-"))
    if downstream:
        branches.append(_PLANS_WITHIN.format(arrow=f"-[:FEEDS_PLAN*{hops}]->", sign=""))
    return _PLAN_GRAPH.format(branches="".join(branches), plan_row=_PLAN_ROW)


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else line for line in text.splitlines())


def _lineage(start: str, row: dict[str, Any], max_nodes: int) -> Lineage:
    # Plain loops and per-answer memos: a 10,000-node lineage goes through here item by item.
    plans = {plan["planId"]: plan_summary(plan) for plan in row["plans"]}  # each Plan once, shared by its Runs
    kept: list[LineageRun] = []
    data_ids = {start: None}  # ordered as a reader meets them: the start, then Run by Run
    for run_id, status, updated_at, exit_code, exit_message, plan_id, step, inputs, outputs in row["runs"]:
        ins = sorted(map(tuple, inputs))
        outs: list[tuple[str, str]] = []
        log = None
        for path, knit_id, is_log in outputs:
            if not is_log:
                outs.append((path, knit_id))
            elif log is None:
                log = knit_id
        outs.sort()
        touched = [k for _, k in ins] + [k for _, k in outs] + ([log] if log else [])
        new = [k for k in dict.fromkeys(touched) if k not in data_ids]
        if len(kept) + 1 + len(data_ids) + len(new) > max_nodes:  # Runs and Data share the budget
            break
        data_ids.update(dict.fromkeys(new))
        summary = RunSummary(run_id, _STATUSES[status], updated_at,
                             Exit(exit_code, exit_message or "") if exit_code is not None else None, plans[plan_id])
        kept.append(LineageRun(summary=summary, step=step, inputs=tuple(ins), outputs=tuple(outs), log=log))
    found = {data[0]: data for data in row["data"]}
    tag_lists: dict[tuple[tuple[str, str], ...], tuple[Tag, ...]] = {}  # Data written to one output share tags
    data = []
    for knit_id in data_ids:
        if knit_id not in found:
            continue
        _, pairs, status, finished_at, metric_names, metric_values = found[knit_id]
        key = tuple(map(tuple, pairs))
        if key not in tag_lists:
            tag_lists[key] = tag_list(pairs)
        data.append(LineageData(knit_id=knit_id, user_tags=tag_lists[key], finished_at=finished_at,
                                transient=_TRANSIENTS[status],
                                metrics=metric_list(metric_names, metric_values) if metric_names else ()))
    omitted = row["runsWithin"] - len(kept)
    return Lineage(start=start, runs=tuple(kept), data=tuple(data), truncated=omitted > 0, omitted_runs=omitted)


_STATUSES = {status.value: status for status in RunStatus}
_TRANSIENTS = {status.value: status.transient for status in RunStatus}


async def _single_row(tx: AsyncManagedTransaction, /, query: LiteralString, **params: Any) -> dict[str, Any] | None:
    record = await (await tx.run(query, **params)).single()
    # Not record.data(): it re-walks every nested value, which costs more than the query itself.
    return dict(zip(record.keys(), record.values(), strict=True)) if record else None


def _check_budget(max_nodes: int) -> None:
    if max_nodes < 1:
        raise InvalidInputError(f"maxNodes must be a positive integer, not {max_nodes}", "give 1 or more")


async def get_lineage(
    graph: Graph, knit_id: str, *, upstream: bool = True, downstream: bool = True, depth: int | None = 3,
    max_nodes: int = 10_000, statuses: list[RunStatus] | None = None,
) -> Lineage:
    """The Data and Runs within ``depth`` steps of a Data (``None``: all), at most ``max_nodes``
    of them (nearest first; ``truncated`` says a budget cut the answer). With ``statuses``, only
    the Runs in those statuses (each with its ``step``, so a reader knows how far it is)."""
    _check_budget(max_nodes)
    if not upstream and not downstream:
        upstream = downstream = True
    query = lineage_query(upstream, downstream, depth)
    row = await graph.read(
        _single_row, query, knitId=knit_id, runLimit=max_nodes, maxStep=depth,
        statuses=[s.value for s in statuses] if statuses is not None else None,
    )
    if row is None:
        raise NotFoundError(f"data not found: {knit_id}", "list Data with `knit data find` to get a valid knitId")
    return _lineage(knit_id, row, max_nodes)


def _plan_graph(start: str, rows: list[dict[str, Any]], omitted: int) -> PlanGraph:
    plans: list[PlanGraphPlan] = []
    links: list[PlanGraphLink] = []
    for row in rows:
        outputs = [o for o in row["outputs"] if not o["isLog"]]
        log = next((o for o in row["outputs"] if o["isLog"]), None)
        plans.append(PlanGraphPlan(
            summary=plan_summary(row["plan"]), active=bool(row["plan"].get("active", True)), step=row["step"],
            inputs=tuple(sorted((input_mountpoint(i) for i in row["inputs"]), key=lambda m: m.path)),
            outputs=tuple(sorted((Mountpoint(o["path"], tag_list(o["tags"])) for o in outputs), key=lambda m: m.path)),
            log=Mountpoint(log["path"], tag_list(log["tags"])) if log else None,
        ))
        for output in row["outputs"]:
            for to_plan, to_path in output["feeds"]:
                links.append(PlanGraphLink(row["plan"]["planId"], output["path"], bool(output["isLog"]), to_plan, to_path))
    included = {p.summary.plan_id for p in plans}
    return PlanGraph(
        start=start, plans=tuple(plans),
        links=tuple(sorted((link for link in links if link.to_plan_id in included),
                           key=lambda link: (link.from_plan_id, link.from_path, link.to_plan_id, link.to_path))),
        truncated=omitted > 0,
        omitted_plans=omitted,
    )


async def get_annotated_plan_graph(graph: Graph, annotation: str) -> PlanGraph:
    """The active Plans carrying ``annotation`` (``key=value``: a pipeline's steps), linked output to
    input; empty when there are none."""
    query: LiteralString = _ANNOTATED_PLANS.format(plan_row=_PLAN_ROW)
    row = await graph.read(_single_row, query, annotation=annotation)
    return _plan_graph("", row["plans"] if row else [], omitted=0)


async def get_plan_graph(
    graph: Graph, plan_id: str, *, upstream: bool = True, downstream: bool = True, depth: int | None = 3,
    max_nodes: int = 10_000,
) -> PlanGraph:
    """The Plans within ``depth`` plan hops of a Plan, linked output to input (reference §3.6)."""
    _check_budget(max_nodes)
    if not upstream and not downstream:
        upstream = downstream = True
    query = plan_graph_query(upstream, downstream, depth)
    row = await graph.read(_single_row, query, planId=plan_id, planLimit=max_nodes, maxStep=depth)
    if row is None:
        raise plan_not_found(plan_id)
    return _plan_graph(plan_id, row["plans"], omitted=row["plansWithin"] - len(row["plans"]))
