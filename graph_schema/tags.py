"""Tags: ``key:value`` pairs, split at the first colon and trimmed (Knitfab reference §1.2).

Keys starting with ``knit#`` are system tags. They are derived from the graph, never stored:
``knit#id`` (the knitId), ``knit#timestamp`` (finish time of the producing Run) and
``knit#transient`` (``processing`` or ``failed``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import InvalidInputError
from .timefmt import format_ms, parse_instant

SYSTEM_PREFIX = "knit#"
KEY_ID = "knit#id"
KEY_TIMESTAMP = "knit#timestamp"
KEY_TRANSIENT = "knit#transient"
TRANSIENT_VALUES = ("processing", "failed")
MAX_KEY_BYTES = 1024
# Neo4j indexes (key, value) together; its index entries hold about 8 KiB, so values stay below.
MAX_VALUE_BYTES = 4096
# Each tag is a node and an edge; a Data's tags are read and matched as one list.
MAX_TAGS_PER_DATA = 200
# C0 and C1 control characters (NUL, newline, escape…): they corrupt logs, terminals and file names.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True, order=True)
class Tag:
    key: str
    value: str

    @classmethod
    def parse(cls, text: str) -> Tag:
        key, colon, value = text.partition(":")
        if not colon:
            raise InvalidInputError(
                f"tag '{text}' has no ':'", "write tags as key:value, e.g. -t project:mnist"
            )
        tag = cls(key.strip(), value.strip())
        if not tag.key:
            raise InvalidInputError(
                f"tag {text[:80]!r} has an empty key", "write tags as key:value, e.g. -t project:mnist"
            )
        if has_control_character(text):
            raise InvalidInputError(
                f"tag {text[:80]!r} holds a control character", "use printable characters only (no NUL, tab or newline)"
            )
        if tag.is_system() and tag.key == KEY_TIMESTAMP:
            parse_instant(tag.value)
        if tag.is_system() and tag.key == KEY_TRANSIENT and tag.value not in TRANSIENT_VALUES:
            raise InvalidInputError(
                f"'{text}': knit#transient is 'processing' or 'failed'", "use one of those two values"
            )
        return tag

    def is_system(self) -> bool:
        return self.key.startswith(SYSTEM_PREFIX)

    def __str__(self) -> str:
        return f"{self.key}:{self.value}"


def has_control_character(text: str) -> bool:
    return _CONTROL.search(text) is not None


def parse_user_tags(texts: Iterable[str]) -> list[Tag]:
    """Parse tags a user may set on Data: no ``knit#`` keys, sizes within the stored limits."""
    tags = [Tag.parse(text) for text in texts]
    for tag in tags:
        reject_system_key(tag.key)
        check_size(tag)
    return check_count(normalize(tags))


def check_count(tags: list[Tag], where: str = "a Data") -> list[Tag]:
    """``tags`` (deduplicated) if there are at most :data:`MAX_TAGS_PER_DATA` of them."""
    if len(tags) > MAX_TAGS_PER_DATA:
        raise too_many_tags(len(tags), where)
    return tags


def too_many_tags(count: int, where: str = "a Data") -> InvalidInputError:
    return InvalidInputError(
        f"{count} tags on {where}, more than {MAX_TAGS_PER_DATA}",
        f"keep at most {MAX_TAGS_PER_DATA} tags on {where}; put long lists in the Data itself",
    )


def reject_system_key(key: str) -> None:
    if key.strip().startswith(SYSTEM_PREFIX):
        raise InvalidInputError(
            f'tag key "{key.strip()}" is reserved for system tags',
            "choose a key that does not start with knit#; knit#id, knit#timestamp and "
            "knit#transient are set by knitgraph itself",
        )


def check_size(tag: Tag) -> None:
    if len(tag.key.encode()) > MAX_KEY_BYTES or len(tag.value.encode()) > MAX_VALUE_BYTES:
        raise InvalidInputError(
            f"tag '{tag.key[:40]}…' is too long",
            f"keep keys within {MAX_KEY_BYTES} bytes and values within {MAX_VALUE_BYTES} bytes; "
            "put large values in the Data itself",
        )


def normalize(tags: Iterable[Tag]) -> list[Tag]:
    """Deduplicate and sort by (key, value); timestamps deduplicate by instant."""
    return _sorted_unique(
        Tag(tag.key, format_ms(parse_instant(tag.value))) if tag.key == KEY_TIMESTAMP else tag for tag in tags
    )


def _sorted_unique(tags: Iterable[Tag]) -> list[Tag]:
    unique = {(tag.key, tag.value): tag for tag in tags}
    return sorted(unique.values(), key=lambda t: (t.key.encode(), t.value.encode()))


def data_tags(knit_id: str, user_tags: Iterable[Tag], finished_at: int | None, transient: str | None) -> list[Tag]:
    """A Data's user tags and the system tags derived from it, in Knitfab's display order."""
    tags = [*normalize(user_tags), Tag(KEY_ID, knit_id)]
    if finished_at is not None:
        tags.append(Tag(KEY_TIMESTAMP, format_ms(finished_at)))  # already as normalize() writes it
    if transient is not None:
        tags.append(Tag(KEY_TRANSIENT, transient))
    return _sorted_unique(tags)
