"""Records as Knitfab's JSON (reference §5.5): the GraphQL types' shapes, so the REST API, GraphQL
and ``knit`` print one thing one way, minus what only knitgraph has (digests, history, executor),
minus the optional fields Knitfab leaves out."""

from __future__ import annotations

from enum import Enum
from typing import Any

from strawberry.types.base import get_object_definition
from strawberry.utils.str_converters import to_camel_case

from knitgraph.graph_schema import records
from knitgraph.graph_schema.knitfab_json import knitfab_shape

from ..graphql.types.data import Data
from ..graphql.types.plan import Plan
from ..graphql.types.run import Run

_KNITGRAPH_ONLY = frozenset({"contentDigest", "contentSize", "history", "readyAt", "startedAt", "finishedAt", "executor",
                             "attempt", "attempts", "notBefore", "retry", "concurrency",
                             "supersededBy", "supersedes", "supersededAt"})


def _plain(value: Any) -> Any:
    """A strawberry object as the dict GraphQL would answer with all its fields selected."""
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    definition = get_object_definition(value)
    if definition is None:
        return value
    shaped = {}
    for field in definition.fields:
        name = field.graphql_name or to_camel_case(field.python_name)
        if name not in _KNITGRAPH_ONLY:
            shaped[name] = _plain(getattr(value, field.python_name))
    return shaped


def data_json(data: records.DataRecord) -> Any:
    return knitfab_shape(_plain(Data.from_record(data)))


def plan_json(plan: records.PlanRecord) -> Any:
    return knitfab_shape(_plain(Plan.from_record(plan)))


def run_json(run: records.RunRecord) -> Any:
    """A run detail; its ``log`` stays ``null`` when the plan records none, as in Knitfab."""
    return knitfab_shape(_plain(Run.from_record(run)), keep_null=frozenset({"log"}))
