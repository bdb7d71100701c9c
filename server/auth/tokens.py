"""API tokens: ``kg_<tokenId>_<secret>``. The id finds the record, the secret proves the holder;
only the secret's SHA-256 is stored (a token is 256 random bits, so a slow hash adds nothing)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from knitgraph.graph_schema.access import Role, TokenRecord

PREFIX = "kg_"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token_id: str
    secret: str

    @property
    def text(self) -> str:
        """What the user keeps: shown once, never stored."""
        return f"{PREFIX}{self.token_id}_{self.secret}"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who sends a request, and what they may do."""

    user: str
    role: Role
    token_id: str


def issue_token() -> IssuedToken:
    return IssuedToken(secrets.token_hex(8), secrets.token_urlsafe(32))


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_token(text: str) -> tuple[str, str] | None:
    """``(tokenId, secret)`` of a well-formed token, else None."""
    if not text.startswith(PREFIX) or len(text) > 200:
        return None
    token_id, sep, secret = text[len(PREFIX):].partition("_")
    if not sep or not token_id or not secret:
        return None
    return token_id, secret


def verify(record: TokenRecord | None, secret: str) -> Principal | None:
    """The principal if the record exists, is not revoked, and the secret matches."""
    if record is None or record.revoked or not hmac.compare_digest(record.hash, hash_secret(secret)):
        return None
    return Principal(record.user, record.role, record.token_id)
