"""The strawberry schema: every noun's Query and Mutation fields merged into one."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from .errors import KnitErrors
from .executor import ProjectingExecutor
from .limits import GraphQLLimits
from .operations.data import DataMutation, DataQuery
from .operations.lineage import LineageQuery
from .operations.pipeline_run import PipelineRunQuery
from .operations.plan import PlanMutation, PlanQuery
from .operations.run import RunMutation, RunQuery
from .operations.schedule import ScheduleMutation, ScheduleQuery
from .operations.serving import ServingMutation, ServingQuery
from .operations.system import SystemQuery

Query = merge_types("Query", (SystemQuery, DataQuery, PlanQuery, RunQuery, LineageQuery, PipelineRunQuery, ServingQuery,
                              ScheduleQuery))
Mutation = merge_types("Mutation", (DataMutation, PlanMutation, RunMutation, ServingMutation, ScheduleMutation))


class KnitSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Log nothing here: the KnitErrors extension logs unexpected errors under an id, and
        expected ones (a missing Data, a bad tag) are answers, not server faults."""


schema = KnitSchema(query=Query, mutation=Mutation, extensions=[GraphQLLimits, KnitErrors],
                    execution_context_class=ProjectingExecutor)
