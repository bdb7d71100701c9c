"""A Run's status as a GraphQL enum, with Knitfab's lowercase names on the wire."""

from __future__ import annotations

from enum import Enum

import strawberry

from knitgraph.graph_schema.records import RunStatus


@strawberry.enum(name="RunStatus", description="Where a Run is in its lifecycle (Knitfab's states).")
class RunStatusValue(Enum):
    DEACTIVATED = strawberry.enum_value("deactivated", name="deactivated", description="its plan is inactive")
    WAITING = strawberry.enum_value("waiting", name="waiting", description="no worker took it yet")
    READY = strawberry.enum_value("ready", name="ready", description="a worker took it")
    STARTING = strawberry.enum_value("starting", name="starting", description="its task is being started")
    RUNNING = strawberry.enum_value("running", name="running", description="its task runs")
    COMPLETING = strawberry.enum_value("completing", name="completing", description="ended well; being recorded")
    ABORTING = strawberry.enum_value("aborting", name="aborting", description="ended badly; being recorded")
    DONE = strawberry.enum_value("done", name="done", description="its outputs are done")
    FAILED = strawberry.enum_value("failed", name="failed", description="its outputs are failed")
    INVALIDATED = strawberry.enum_value("invalidated", name="invalidated", description="deleted; kept as a tombstone")


_VALUES = {status: RunStatusValue[status.name] for status in RunStatus}  # Enum.name is slow to read


def to_value(status: RunStatus) -> RunStatusValue:
    return _VALUES[status]


def to_statuses(values: list[RunStatusValue] | None) -> list[str] | None:
    """The domain's status names for a filter (None: no filter)."""
    return None if values is None else [RunStatus[value.name].value for value in values]
