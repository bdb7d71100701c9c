"""Completing a tag search box: the tags of Data by prefix, the most used first, with their counts."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from ..conftest import Knit, graphql

SUGGEST = "query($prefix: String!, $limit: Int! = 20) { tagSuggestions(prefix: $prefix, limit: $limit) { tag dataCount } }"


def _push(knit: Knit, tmp_path: Path, name: str, *tags: str) -> None:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "f").write_text(name)
    knit("data", "push", *(arg for tag in tags for arg in ("-t", tag)), str(folder))


def test_suggestions_by_key_and_by_value_most_used_first(client: TestClient, knit: Knit, tmp_path: Path) -> None:
    _push(knit, tmp_path, "a", "project:mnist", "type:dataset")
    _push(knit, tmp_path, "b", "project:mnist", "type:model")
    _push(knit, tmp_path, "c", "project:spam", "type:dataset", "mode:train")
    by_key = graphql(client, SUGGEST, prefix="proj")["data"]["tagSuggestions"]
    assert by_key == [{"tag": "project:mnist", "dataCount": 2}, {"tag": "project:spam", "dataCount": 1}]
    by_value = graphql(client, SUGGEST, prefix="type:d")["data"]["tagSuggestions"]
    assert by_value == [{"tag": "type:dataset", "dataCount": 2}]
    everything = graphql(client, SUGGEST, prefix="", limit=2)["data"]["tagSuggestions"]
    assert [s["dataCount"] for s in everything] == [2, 2]


def test_plan_tags_that_no_data_carries_are_not_suggested(client: TestClient, knit: Knit, tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text('image: "x:1"\nentrypoint: ["true"]\ninputs: [{path: /in/1, tags: ["only:plan"]}]\n')
    knit("plan", "apply", str(plan))
    assert graphql(client, SUGGEST, prefix="only")["data"]["tagSuggestions"] == []


def test_a_limit_out_of_range_is_refused_with_advice(client: TestClient) -> None:
    errors = graphql(client, SUGGEST, prefix="", limit=1000)["errors"]
    assert errors[0]["message"] == "limit 1000 is out of range"
    assert errors[0]["extensions"]["advice"] == "ask for 1 to 100 suggestions"
