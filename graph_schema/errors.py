"""knitgraph's error tree, shared by every layer.

    KnitError                 reason (what is wrong) + advice (what to run next)
    ├── InvalidInputError     the request itself is wrong; fix it and send again
    │   └── TooLargeError     the request is over a size limit (body, upload, query cost); send less
    ├── NotFoundError         the named object does not exist
    ├── ConflictError         the object exists but is in a state that forbids the request
    └── UnavailableError      a part knitgraph depends on cannot be reached now; retry later

They are raised where the fact is known and mapped to wire formats only at the edges (GraphQL,
the HTTP transfer endpoints, the loop runner, the CLI).
"""

from __future__ import annotations


class KnitError(Exception):
    code = "INTERNAL"

    def __init__(self, reason: str, advice: str = "", see: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.advice = advice
        self.see = see

    def __str__(self) -> str:
        return f"{self.reason} ({self.advice})" if self.advice else self.reason


class InvalidInputError(KnitError):
    code = "INVALID_INPUT"


class TooLargeError(InvalidInputError):
    code = "TOO_LARGE"


class NotFoundError(KnitError):
    code = "NOT_FOUND"


class ConflictError(KnitError):
    code = "CONFLICT"


class UnavailableError(KnitError):
    code = "UNAVAILABLE"


def data_not_found(knit_id: str) -> NotFoundError:
    return NotFoundError(f"data knit#id:{knit_id} is not found", "list Data with `knit data find` to get a valid knitId")


def run_not_found(run_id: str) -> NotFoundError:
    return NotFoundError(f"runId:{run_id} is not found", "list runs with `knit run find`")


def plan_not_found(plan_id: str) -> NotFoundError:
    return NotFoundError(f"planId:{plan_id} is not found", "list plans with `knit plan find`")
