"""Who did what: ``(:Action {action, by, at})-[:ON]->(subject)``, written in the transaction of the
change it records (a push, a tag change, a plan applied or switched, a Run stopped, retried or
removed), so the change and its record commit together."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal, LiteralString

from neo4j import AsyncManagedTransaction


@dataclass(frozen=True, slots=True)
class Action:
    action: str
    by: str
    at: int


_RECORD: Final[dict[str, LiteralString]] = {
    "data": "MATCH (s:Data {knitId: $id}) CREATE (:Action {action: $action, by: $by, at: $at})-[:ON]->(s)",
    "run": "MATCH (s:Run {runId: $id}) CREATE (:Action {action: $action, by: $by, at: $at})-[:ON]->(s)",
    "plan": "MATCH (s:Plan {planId: $id}) CREATE (:Action {action: $action, by: $by, at: $at})-[:ON]->(s)",
}


async def record_action(
    tx: AsyncManagedTransaction, on: Literal["data", "run", "plan"], subject_id: str, action: str, by: str | None,
    at: int,
) -> None:
    """Record ``by`` doing ``action`` on the subject; nothing when no one is named (internal work)."""
    if by is not None:
        await (await tx.run(_RECORD[on], id=subject_id, action=action, by=by, at=at)).consume()


def actions(rows: list[dict[str, Any]] | None) -> tuple[Action, ...]:
    """A subject's actions, oldest first, from its ``history`` column."""
    return tuple(sorted((Action(str(r["action"]), str(r["by"]), int(r["at"])) for r in rows or ()),
                        key=lambda a: (a.at, a.action)))
