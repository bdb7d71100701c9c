"""Who may use knitgraph: users with a role, and the API tokens they authenticate with.

Owns ``(:User {name, role, createdAt})`` and ``(:ApiToken {tokenId, hash, label, createdAt,
revokedAt})-[:OF_USER]->(:User)``. A token is ``kg_<tokenId>_<secret>``; only a hash of the secret
is stored, so the graph never holds a usable token.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final, LiteralString

from neo4j import AsyncManagedTransaction

from .driver import Graph
from .errors import ConflictError, InvalidInputError, NotFoundError


class Role(StrEnum):
    """What a user may do; each role may do everything the ones before it may."""

    VIEWER = "viewer"  # read: find, show, lineage, pull, logs
    EDITOR = "editor"  # and change: push, tag, apply plans, stop, retry, remove
    ADMIN = "admin"  # and manage users and tokens

    def allows(self, needed: Role) -> bool:
        order = list(Role)
        return order.index(self) >= order.index(needed)


def parse_role(text: str) -> Role:
    try:
        return Role(text)
    except ValueError:
        raise InvalidInputError(f"unknown role '{text}'", f"use one of: {', '.join(Role)}") from None


@dataclass(frozen=True, slots=True)
class TokenRecord:
    token_id: str
    label: str
    user: str
    role: Role
    hash: str
    created_at: int
    revoked: bool


@dataclass(frozen=True, slots=True)
class UserRecord:
    name: str
    role: Role
    created_at: int
    tokens: int


CREATE_USER: Final[LiteralString] = """
MERGE (u:User {name: $name})
ON CREATE SET u.role = $role, u.createdAt = $now
RETURN u.createdAt = $now AS created
"""

SET_ROLE: Final[LiteralString] = """
MATCH (u:User {name: $name}) SET u.role = $role RETURN u.name AS name
"""

CREATE_TOKEN: Final[LiteralString] = """
MATCH (u:User {name: $name})
CREATE (t:ApiToken {tokenId: $tokenId, hash: $hash, label: $label, createdAt: $now})-[:OF_USER]->(u)
RETURN t.tokenId AS tokenId
"""

FIND_TOKEN: Final[LiteralString] = """
MATCH (t:ApiToken {tokenId: $tokenId})-[:OF_USER]->(u:User)
RETURN t.tokenId AS tokenId, t.label AS label, u.name AS user, u.role AS role, t.hash AS hash,
       t.createdAt AS createdAt, t.revokedAt IS NOT NULL AS revoked
"""

LIST_TOKENS: Final[LiteralString] = """
MATCH (t:ApiToken)-[:OF_USER]->(u:User)
RETURN t.tokenId AS tokenId, t.label AS label, u.name AS user, u.role AS role, t.hash AS hash,
       t.createdAt AS createdAt, t.revokedAt IS NOT NULL AS revoked
ORDER BY t.createdAt, t.tokenId
"""

REVOKE_TOKEN: Final[LiteralString] = """
MATCH (t:ApiToken {tokenId: $tokenId})
SET t.revokedAt = coalesce(t.revokedAt, $now)
RETURN t.tokenId AS tokenId
"""

LIST_USERS: Final[LiteralString] = """
MATCH (u:User)
RETURN u.name AS name, u.role AS role, u.createdAt AS createdAt,
       COUNT { (u)<-[:OF_USER]-(t:ApiToken) WHERE t.revokedAt IS NULL } AS tokens
ORDER BY u.name
"""


def _token(row: dict[str, object]) -> TokenRecord:
    return TokenRecord(str(row["tokenId"]), str(row["label"] or ""), str(row["user"]), Role(str(row["role"])),
                       str(row["hash"]), int(str(row["createdAt"])), bool(row["revoked"]))


async def _create_user(tx: AsyncManagedTransaction, name: str, role: str, now: int) -> bool:
    record = await (await tx.run(CREATE_USER, name=name, role=role, now=now)).single()
    return bool(record and record["created"])


async def create_user(graph: Graph, name: str, role: Role, *, now: int, exist_ok: bool = False) -> bool:
    """Add a user; returns whether it is new. Raises ``ConflictError`` if it exists (unless ``exist_ok``)."""
    if not name or len(name) > 100 or any(not (c.isalnum() or c in "._@-") for c in name):
        raise InvalidInputError(f"user name '{name[:100]}' is not allowed",
                                "use up to 100 letters, digits and . _ @ -")
    created = await graph.write(_create_user, name, role.value, now)
    if not created and not exist_ok:
        raise ConflictError(f"user '{name}' exists already", "give the user a new token with `knitgraph token create`")
    return created


async def _single_value(tx: AsyncManagedTransaction, /, query: LiteralString, **params: object) -> object:
    record = await (await tx.run(query, params)).single()
    return record[0] if record else None


async def set_role(graph: Graph, name: str, role: Role) -> None:
    if await graph.write(_single_value, SET_ROLE, name=name, role=role.value) is None:
        raise NotFoundError(f"user '{name}' is not found", "list users with `knitgraph user list`")


async def create_token(graph: Graph, user: str, *, token_id: str, secret_hash: str, label: str, now: int) -> None:
    """Record a token of ``user`` (its secret only as ``secret_hash``)."""
    found = await graph.write(_single_value, CREATE_TOKEN, name=user, tokenId=token_id, hash=secret_hash,
                              label=label, now=now)
    if found is None:
        raise NotFoundError(f"user '{user}' is not found", "add the user first with `knitgraph user add`")


async def _rows(tx: AsyncManagedTransaction, /, query: LiteralString, **params: object) -> list[dict[str, object]]:
    result = await tx.run(query, params)
    return [dict(zip(row.keys(), row.values(), strict=True)) async for row in result]


async def find_token(graph: Graph, token_id: str) -> TokenRecord | None:
    rows = await graph.read(_rows, FIND_TOKEN, tokenId=token_id)
    return _token(rows[0]) if rows else None


async def list_tokens(graph: Graph) -> list[TokenRecord]:
    return [_token(row) for row in await graph.read(_rows, LIST_TOKENS)]


async def revoke_token(graph: Graph, token_id: str, *, now: int) -> None:
    if await graph.write(_single_value, REVOKE_TOKEN, tokenId=token_id, now=now) is None:
        raise NotFoundError(f"token {token_id} is not found", "list tokens with `knitgraph token list`")


async def list_users(graph: Graph) -> list[UserRecord]:
    return [UserRecord(str(r["name"]), Role(str(r["role"])), int(str(r["createdAt"])), int(str(r["tokens"])))
            for r in await graph.read(_rows, LIST_USERS)]
