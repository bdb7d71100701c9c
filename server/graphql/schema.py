"""The strawberry schema: every noun's Query and Mutation fields merged into one."""

from __future__ import annotations

import strawberry
from strawberry.tools import merge_types

from .errors import KnitErrors
from .operations.data import DataMutation, DataQuery
from .operations.plan import PlanMutation, PlanQuery
from .operations.run import RunMutation, RunQuery
from .operations.system import SystemQuery

Query = merge_types("Query", (SystemQuery, DataQuery, PlanQuery, RunQuery))
Mutation = merge_types("Mutation", (DataMutation, PlanMutation, RunMutation))

schema = strawberry.Schema(query=Query, mutation=Mutation, extensions=[KnitErrors])
