"""Graphviz dot for lineages and plan graphs, in Knitfab's visual language (reference §6).

Data are green tables, Runs orange, Plans goldenrod clusters with a point per mountpoint; the
starting Data or Plan is highlighted; Runs without inputs (uploads) hang from ``root#N`` diamonds.
Plans and Runs are labelled by the plan's name (its ``name=`` annotation, a pipeline step's
``pipeline / step``, or a pseudo plan's name),
then its image or, without one, its entrypoint, so two plans of one image tell apart. Ids are cut
to their first ``SHORT_ID`` characters, the whole id in the node's tooltip (``full_ids`` keeps them).
"""

from __future__ import annotations

from datetime import tzinfo
from html import escape

from knitgraph.graph_schema.plan_spec import annotation_value
from knitgraph.graph_schema.records import (
    Lineage,
    LineageData,
    LineageRun,
    PlanGraph,
    PlanGraphPlan,
    PlanSummary,
    RunStatus,
)
from knitgraph.graph_schema.tags import KEY_TRANSIENT
from knitgraph.graph_schema.timefmt import format_ms
from knitgraph.pipeline.naming import DEFAULTS_ANNOTATION, PIPELINE_ANNOTATION, STEP_ANNOTATION

DATA_COLOR = "#1c9930"
START_DATA_BACKGROUND = "#d4ecc6"
METRICS_BACKGROUND = "#FFF6D5"  # metrics.json of the Data, one line each
RUN_COLOR = "orange"
PLAN_COLOR = "#DAA520"
START_PLAN_BACKGROUND = "#EDD9B4"
DONE_COLOR = "#007700"

_STATUS_COLORS = {
    RunStatus.DEACTIVATED: "gray",
    RunStatus.COMPLETING: DONE_COLOR,
    RunStatus.DONE: DONE_COLOR,
    RunStatus.ABORTING: "red",
    RunStatus.FAILED: "red",
}

_HEADER = "digraph G {\n\tnode [shape=record fontsize=10]\n\tedge [fontsize=10]\n\n"
SHORT_ID = 8


def _id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _node(node_id: str, color: str, rows: list[str], indent: str = "\t", tooltip: str | None = None) -> str:
    table = "".join(f"{indent}\t\t\t{row}\n" for row in rows)
    tip = f"{indent}\ttooltip={_id(tooltip)}\n" if tooltip else ""
    return (
        f"{indent}{_id(node_id)}[\n{indent}\tshape=none\n{indent}\tcolor={color}\n{tip}{indent}\tlabel=<\n"
        f'{indent}\t\t<TABLE CELLSPACING="0">\n{table}{indent}\t\t</TABLE>\n{indent}\t>\n{indent}];\n'
    )


def _header_cell(title: str, color: str) -> str:
    return f'<TD BGCOLOR="{color}"><FONT COLOR="#FFFFFF"><B>{title}</B></FONT></TD>'


def _pairs(pairs: list[tuple[str, str]], separator: str) -> str:
    return "<BR/>".join(f"<B>{escape(key)}</B>{separator}{escape(value)}" for key, value in pairs)


def _shown(identifier: str, full_ids: bool) -> str:
    return escape(identifier if full_ids or len(identifier) <= SHORT_ID else identifier[:SHORT_ID] + "…")


def plan_name(plan: PlanSummary) -> str | None:
    """What a person calls the plan: its ``name=`` annotation, else a pipeline step's
    ``pipeline / step``, else a pseudo plan's name."""
    for annotation in plan.annotations:
        key, _, value = annotation.partition("=")
        if key.strip() == "name" and value.strip():
            return value.strip()
    pipeline = annotation_value(plan.annotations, PIPELINE_ANNOTATION)
    step = annotation_value(plan.annotations, STEP_ANNOTATION)
    if pipeline and step:
        return f"{pipeline} / {step}"
    return plan.name


def _producer(plan: PlanSummary) -> str:
    """Name first (bold), then the image or, without one, the entrypoint and args."""
    parts = []
    if name := plan_name(plan):
        parts.append(f"<B>{escape(name)}</B>")
    if plan.image:
        parts.append(escape(f"image = {plan.image}"))
    elif plan.entrypoint:
        parts.append(escape("command = " + " ".join([*plan.entrypoint, *(plan.args or ())])))
    return "<BR/>".join(parts) or escape(plan.plan_id)


def _data_node(data: LineageData, start: bool, tz: tzinfo, full_ids: bool) -> str:
    background = START_DATA_BACKGROUND if start else "#FFFFFF"
    shown = _shown(data.knit_id, full_ids)
    rows = [f'<TR>{_header_cell("Data", DATA_COLOR)}<TD BGCOLOR="{background}">knit#id: {shown}</TD></TR>']
    system = []
    if data.finished_at is not None:
        system.append(format_ms(data.finished_at, tz))
    if data.transient is not None:
        system.append(f"{KEY_TRANSIENT}:{data.transient}")
    if system:
        rows.append(f'<TR><TD COLSPAN="2"><FONT POINT-SIZE="8">{escape(" | ".join(system))}</FONT></TD></TR>')
    if data.user_tags:
        rows.append(f'<TR><TD COLSPAN="2">{_pairs([(t.key, t.value) for t in data.user_tags], ":")}</TD></TR>')
    if data.metrics:
        metrics = _pairs([(m.name, f"{m.value:.4g}") for m in data.metrics], " = ")
        rows.append(f'<TR><TD COLSPAN="2" BGCOLOR="{METRICS_BACKGROUND}">{metrics}</TD></TR>')
    return _node("d" + data.knit_id, f'"{DATA_COLOR}"', rows, tooltip=f"knit#id:{data.knit_id}")


def _status(status: RunStatus) -> str:
    color = _STATUS_COLORS.get(status)
    return f'<FONT COLOR="{color}"><B>{status.value}</B></FONT>' if color else status.value


def _run_node(run: LineageRun, tz: tzinfo, full_ids: bool) -> str:
    summary = run.summary
    rows = [
        f"<TR>{_header_cell('Run', RUN_COLOR)}<TD>{_status(summary.status)}</TD>"
        f"<TD>id: {_shown(summary.run_id, full_ids)}</TD></TR>",
        f'<TR><TD COLSPAN="3"><FONT POINT-SIZE="8">last updated: {format_ms(summary.updated_at, tz)}</FONT></TD></TR>',
        f'<TR><TD COLSPAN="3">{_producer(summary.plan)}</TD></TR>',
    ]
    return _node("r" + summary.run_id, RUN_COLOR, rows, tooltip=f"runId:{summary.run_id}")


def _edge(source: str, target: str, label: str | None = None, extra: str = "") -> str:
    attributes = [f"label={_id(label)}"] if label is not None else []
    if extra:
        attributes.append(extra)
    suffix = f" [{' '.join(attributes)}]" if attributes else ""
    return f"\t{_id(source)} -> {_id(target)}{suffix};\n"


def lineage_dot(lineage: Lineage, tz: tzinfo, connect_distant: bool = False, full_ids: bool = False) -> str:
    """The lineage as dot. ``connect_distant`` (for filtered lineages, whose Runs may not touch
    the start) adds a dashed edge between the start and each Run more than one step away."""
    nodes = [_data_node(data, data.knit_id == lineage.start, tz, full_ids) for data in lineage.data]
    nodes += [_run_node(run, tz, full_ids) for run in lineage.runs]
    edges: list[str] = []
    roots = 0
    start = "d" + lineage.start
    for run in lineage.runs:
        run_node = "r" + run.summary.run_id
        if not run.inputs:
            nodes.append(f"\t{_id(f'root#{roots}')}[shape=Mdiamond];\n")
            edges.append(_edge(f"root#{roots}", run_node))
            roots += 1
        edges += [_edge("d" + knit_id, run_node, path) for path, knit_id in run.inputs]
        edges += [_edge(run_node, "d" + knit_id, path) for path, knit_id in run.outputs]
        if run.log is not None:
            edges.append(_edge(run_node, "d" + run.log, "(log)"))
        if connect_distant and abs(run.step) > 1:
            label = f"{abs(run.step)} steps"
            pair = (start, run_node) if run.step > 0 else (run_node, start)
            edges.append(_edge(*pair, label, "style=dashed"))
    return _HEADER + "".join(nodes) + "\n" + "".join(edges) + "\n}\n"


def _point(plan_id: str, path: str) -> str:
    return f"p{plan_id}@{path}"


def _plan_cluster(plan: PlanGraphPlan, start: bool, full_ids: bool) -> str:
    plan_id = plan.summary.plan_id
    node = "p" + plan_id
    activeness = f'<FONT COLOR="{DONE_COLOR}"><B>active</B></FONT>' if plan.active else '<FONT COLOR="gray"><B>inactive</B></FONT>'
    background = f' BGCOLOR="{START_PLAN_BACKGROUND}"' if start else ""
    rows = [
        f"<TR>{_header_cell('Plan', PLAN_COLOR)}<TD>{activeness}</TD><TD{background}>id: {_shown(plan_id, full_ids)}</TD></TR>",
        f'<TR><TD COLSPAN="3">{_producer(plan.summary)}</TD></TR>',
    ]
    # A pipeline step's own annotations are its title already (pipeline / step); the defaults are
    # in `knit pipeline show`.
    pairs = [(key, value) for key, _, value in (text.partition("=") for text in plan.summary.annotations)
             if key not in (PIPELINE_ANNOTATION, STEP_ANNOTATION, DEFAULTS_ANNOTATION)]
    if pairs:
        rows.append(f'<TR><TD COLSPAN="3">{_pairs(pairs, "=")}</TD></TR>')
    body = [f'\t\t{_id(_point(plan_id, m.path))}[shape=point color="{DATA_COLOR}"];\n'
            f"\t\t{_id(_point(plan_id, m.path))} -> {_id(node)} [label={_id(m.path)} weight=10 penwidth=0.3];\n"
            for m in plan.inputs]
    body.append(_node(node, f'"{PLAN_COLOR}"', rows, indent="\t\t", tooltip=f"planId:{plan_id}"))
    outputs = [(m.path, m.path) for m in plan.outputs] + ([("log", "(log)")] if plan.log is not None else [])
    body += [f'\t\t{_id(_point(plan_id, point))}[shape=point color="{DATA_COLOR}"];\n'
             f"\t\t{_id(node)} -> {_id(_point(plan_id, point))} [label={_id(label)} weight=10 penwidth=0.3];\n"
             for point, label in outputs]
    return ("\tsubgraph {\n\t\tcluster=true\n\t\tstyle=solid\n\t\tpenwidth=0.3\n"
            f'\t\tcolor="{PLAN_COLOR}"\n\t\tmargin="0,0"\n' + "".join(body) + "\t}\n")


def plan_graph_dot(graph: PlanGraph, full_ids: bool = False) -> str:
    clusters = [_plan_cluster(plan, plan.summary.plan_id == graph.start, full_ids) for plan in graph.plans]
    edges = [
        _edge(_point(link.from_plan_id, "log" if link.is_log else link.from_path), _point(link.to_plan_id, link.to_path))
        for link in graph.links
    ]
    return _HEADER + "".join(clusters) + "\n" + "".join(edges) + "\n}\n"
