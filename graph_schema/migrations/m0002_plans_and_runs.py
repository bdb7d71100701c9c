"""Plans and Runs: a Run's combination of inputs is unique per plan, and lookups used by search."""

from __future__ import annotations

from typing import Final, LiteralString

ID: Final = "m0002_plans_and_runs"

STATEMENTS: Final[tuple[LiteralString, ...]] = (
    "CREATE CONSTRAINT run_assignment IF NOT EXISTS FOR (r:Run) REQUIRE (r.planId, r.assignment) IS UNIQUE",
    "CREATE INDEX run_finished_at IF NOT EXISTS FOR (r:Run) ON (r.finishedAt)",
    "CREATE INDEX input_pin_knit_id IF NOT EXISTS FOR (i:Input) ON (i.pinKnitId)",
    "CREATE INDEX input_pin_timestamp IF NOT EXISTS FOR (i:Input) ON (i.pinTimestamp)",
    "CREATE INDEX plan_repository IF NOT EXISTS FOR (p:Plan) ON (p.repository)",
)
