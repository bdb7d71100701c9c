"""Users and their API tokens: a user name and a token id each name one node."""

from __future__ import annotations

from typing import Final, LiteralString

ID: Final = "m0003_users_and_tokens"

STATEMENTS: Final[tuple[LiteralString, ...]] = (
    "CREATE CONSTRAINT user_name IF NOT EXISTS FOR (u:User) REQUIRE u.name IS UNIQUE",
    "CREATE CONSTRAINT api_token_id IF NOT EXISTS FOR (t:ApiToken) REQUIRE t.tokenId IS UNIQUE",
    "CREATE INDEX action_by IF NOT EXISTS FOR (a:Action) ON (a.by)",
)
