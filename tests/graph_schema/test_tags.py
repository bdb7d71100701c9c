"""Tag parsing and normalization (Knitfab reference §1.2, acceptance scenario 1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knitgraph.graph_schema.errors import InvalidInputError
from knitgraph.graph_schema.tags import MAX_TAGS_PER_DATA, Tag, normalize, parse_user_tags
from knitgraph.graph_schema.timefmt import format_ms, parse_instant


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("a:b", "a", "b"),
        ("many:colon:in:tag", "many", "colon:in:tag"),
        ("  spaced  :  value ", "spaced", "value"),
        ("k:", "k", ""),
        ("\u3000wide\u3000:\u3000space\u3000", "wide", "space"),
    ],
    ids=["simple", "colons-in-value", "trimmed", "empty-value", "unicode-space"],
)
def test_parse_splits_at_first_colon_and_trims(text: str, key: str, value: str) -> None:
    assert Tag.parse(text) == Tag(key, value)


def test_parse_without_colon_names_the_fix() -> None:
    with pytest.raises(InvalidInputError) as caught:
        Tag.parse("nocolon")
    assert "no ':'" in caught.value.reason and "key:value" in caught.value.advice


@pytest.mark.parametrize("text", ["knit#id:x", "knit#anything:y", " knit#timestamp :2024-01-01T00:00:00Z"])
def test_user_tags_reject_the_reserved_prefix(text: str) -> None:
    with pytest.raises(InvalidInputError, match="reserved for system tags"):
        parse_user_tags([text])


def test_normalize_dedupes_sorts_and_merges_equal_instants() -> None:
    tags = [
        Tag.parse(text)
        for text in ["b:2", "a:1", "a:1", "knit#timestamp:2022-08-15T04:11:22+03:00",
                     "knit#timestamp:2022-08-15T01:11:22+00:00"]
    ]
    assert [str(t) for t in normalize(tags)] == ["a:1", "b:2", "knit#timestamp:2022-08-15T01:11:22+00:00"]


@pytest.mark.parametrize(
    ("millis", "text"),
    [(1731906752075, "2024-11-18T05:12:32.075+00:00"), (1709717116000, "2024-03-06T09:25:16+00:00"),
     (1709717116100, "2024-03-06T09:25:16.1+00:00")],
)
def test_timestamps_print_as_knitfab_does(millis: int, text: str) -> None:
    assert format_ms(millis) == text
    assert parse_instant(text) == millis


PRINTABLE = st.characters(exclude_categories=("Cc",))


@pytest.mark.parametrize(
    "text", [":v", "  :v", "k\x00:v", "k:v\x00", "k:two\nlines", "k:\x1b[2J", "k:\x85"],
    ids=["empty-key", "blank-key", "nul-in-key", "nul-in-value", "newline", "escape", "c1-control"],
)
def test_parse_refuses_empty_keys_and_control_characters(text: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        Tag.parse(text)
    assert caught.value.advice
    assert "\x00" not in caught.value.reason and "\n" not in caught.value.reason


def test_a_data_carries_at_most_the_tag_limit() -> None:
    assert len(parse_user_tags([f"k:{i}" for i in range(MAX_TAGS_PER_DATA)])) == MAX_TAGS_PER_DATA
    with pytest.raises(InvalidInputError) as caught:
        parse_user_tags([f"k:{i}" for i in range(MAX_TAGS_PER_DATA + 1)])
    assert str(MAX_TAGS_PER_DATA) in caught.value.reason


@given(st.text(PRINTABLE, min_size=1).filter(lambda s: ":" not in s and s.strip() == s and s.strip()),
       st.text(PRINTABLE))
def test_parse_and_format_round_trip(key: str, value: str) -> None:
    tag = Tag(key, value.strip())
    assert Tag.parse(str(tag)) == tag
