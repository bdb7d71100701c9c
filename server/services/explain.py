"""``knit plan explain``: whether a Data is an input of a Plan, and why no Run came of it, in words."""

from __future__ import annotations

from dataclasses import dataclass

from knitgraph.graph_schema import explain as explain_graph
from knitgraph.graph_schema.plan_spec import SAME_ORIGIN_ANNOTATION, annotation_value
from knitgraph.graph_schema.records import InputMatch, PlanExplanation, RunStatus
from knitgraph.graph_schema.timefmt import format_ms

from .state import Services


@dataclass(frozen=True, slots=True)
class InputVerdict:
    path: str
    matches: bool
    reasons: tuple[str, ...]  # why it does not match (empty when it does)


@dataclass(frozen=True, slots=True)
class Explanation:
    record: PlanExplanation
    inputs: tuple[InputVerdict, ...]
    summary: str  # one sentence: is it an input, did it run, and if not why


def _input_verdict(data: PlanExplanation, found: InputMatch) -> InputVerdict:
    if found.nominated:
        return InputVerdict(found.path, True, ())
    reasons = []
    if found.missing:
        reasons.append("it lacks the tag" + ("s " if len(found.missing) > 1 else " ")
                       + ", ".join(str(t) for t in found.missing))
    if found.pin_knit_id is not None and found.pin_knit_id != data.knit_id:
        reasons.append(f"the input is pinned to knit#id:{found.pin_knit_id}")
    if found.pin_timestamp is not None and found.pin_timestamp != data.producer_finished_at:
        reasons.append(f"the input is pinned to knit#timestamp:{format_ms(found.pin_timestamp)}")
    if data.producer_status is not RunStatus.DONE:
        reasons.append(f"the Run that makes it is {data.producer_status.value}: only Data of done Runs are inputs")
    if data.superseded:
        reasons.append("it is superseded (the Run that made it, or one upstream, ran again, or it was invalidated): "
                       "it feeds no new Run")
    return InputVerdict(found.path, False, tuple(reasons) or ("it does not match (no reason found: a projection "
                                                               "may be pending)",))


def _summary(data: PlanExplanation, verdicts: tuple[InputVerdict, ...]) -> str:
    subject = f"knit#id:{data.knit_id}"
    matched = [v.path for v in verdicts if v.matches]
    if not matched:
        return f"{subject} is not an input of plan {data.plan_id}: it matches none of its inputs"
    where = " and ".join(matched)
    if data.runs:
        runs = ", ".join(f"{r.run_id} ({r.status.value})" for r in data.runs)
        return f"{subject} is an input of plan {data.plan_id} at {where}; it ran as Run{'s' * (len(data.runs) > 1)} {runs}"
    empty = [i.path for i in data.inputs if i.candidates == 0]
    if empty:
        return (f"{subject} is an input of plan {data.plan_id} at {where}, but no Run reads it: no Data matches "
                f"the input{'s' * (len(empty) > 1)} {', '.join(empty)} yet")
    origin = annotation_value(data.annotations, SAME_ORIGIN_ANNOTATION)
    if origin:
        return (f"{subject} is an input of plan {data.plan_id} at {where}, but no Run reads it: the plan takes "
                f"only Data of one origin ({SAME_ORIGIN_ANNOTATION}={origin}), and no Data of the other inputs "
                f"descends from the same {origin} Data as this one")
    return (f"{subject} is an input of plan {data.plan_id} at {where}, but no Run reads it yet: its Runs are "
            "being made (the server's projection catches up within seconds)")


async def explain(services: Services, plan_id: str, knit_id: str) -> Explanation:
    data = await explain_graph.explain(services.graph, plan_id, knit_id)
    verdicts = tuple(_input_verdict(data, i) for i in data.inputs)
    summary = _summary(data, verdicts)
    if not data.plan_active:
        summary += "; the plan is inactive: its Runs wait (deactivated) until `knit plan active yes`"
    return Explanation(data, verdicts, summary)
