"""Finding Data by tags and nominating Data by tags start from the most selective tag (the rarest
tag for ``find_data``, the input's anchor for nominations); what they find must not change.

``find_data`` is checked against a plain-Python oracle on small random worlds (a dense tag most
Data carry, sparse ones, a tag only a plan requires, a tag nothing knows, repeated tags, ``knit#id``),
and nominations on plans that share a tag every one of them requires.
"""

from __future__ import annotations

import uuid

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knitgraph.graph_schema.data import create_uploaded_data, find_data, find_data_details, update_data_tags
from knitgraph.graph_schema.driver import Graph
from knitgraph.graph_schema.maintenance import wipe
from knitgraph.graph_schema.plan_spec import PlanSpec
from knitgraph.graph_schema.plans import register_plan
from knitgraph.graph_schema.tags import KEY_ID, Tag
from knitgraph.graph_schema.timefmt import now_ms
from knitgraph.server.embedded_neo4j import connection
from knitgraph.server.settings import Settings

from ..conftest import run_on_graph

DENSE = "kind:common"
SPARSE = ("kind:rare", "shard:0", "shard:1", "project:a", "project:b")
REQUIRED_ONLY = "ready:yes"  # a plan requires it, so the Tag exists, but no Data carries it
UNKNOWN = "nothing:here"  # no Tag node at all
QUERY_TAGS = (DENSE, *SPARSE, REQUIRED_ONLY, UNKNOWN)


async def _push(graph: Graph, tags: list[str]) -> str:
    knit_id = str(uuid.uuid4())
    await create_uploaded_data(graph, knit_id=knit_id, run_id=str(uuid.uuid4()), tags=[Tag.parse(t) for t in tags],
                               digest="sha256:0", now=now_ms(), creation=uuid.uuid4().hex)
    return knit_id


async def _register(graph: Graph, image: str, tags: list[str]) -> str:
    plan_id = str(uuid.uuid4())
    spec = PlanSpec.build(image=image, inputs=[("/in/1", tags)], outputs=[("/out/1", [])])
    await register_plan(graph, spec, plan_id=plan_id, now=now_ms())
    return plan_id


async def _tag(graph: Graph, knit_id: str, *, add: tuple[str, ...] = (), remove: tuple[str, ...] = ()) -> None:
    await update_data_tags(graph, knit_id, add=[Tag.parse(t) for t in add], remove=[Tag.parse(t) for t in remove],
                           remove_keys=[], now=now_ms(), creation=uuid.uuid4().hex)


# ---- find_data against an oracle ----------------------------------------------------------------


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[list[str]], list[list[str]]]:
    """Tags of a few Data (most carry the dense tag), and queries as lists of tag texts, where
    ``#<n>`` stands for ``knit#id`` of Data n (an index past the end: an unknown id)."""
    data = draw(st.lists(
        st.builds(lambda dense, sparse: ([DENSE] if dense else []) + sorted(sparse),
                  st.integers(0, 3).map(bool), st.sets(st.sampled_from(SPARSE), max_size=3)),
        min_size=1, max_size=6))
    query = st.lists(st.sampled_from(QUERY_TAGS) | st.integers(0, len(data)).map(lambda n: f"#{n}"), max_size=4)
    return data, draw(st.lists(query, min_size=1, max_size=6))


async def _play(settings: Settings, data: list[list[str]], queries: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    uri, user, password = connection(settings)
    graph = Graph(uri, user, password, settings.neo4j_database)
    try:
        await wipe(graph)
        await _register(graph, "needs-ready:v1", [REQUIRED_ONLY])
        knit_ids = [await _push(graph, tags) for tags in data]
        unknown = str(uuid.uuid4())

        def tag(text: str) -> Tag:
            if text.startswith("#"):
                index = int(text[1:])
                return Tag(KEY_ID, knit_ids[index] if index < len(knit_ids) else unknown)
            return Tag.parse(text)

        found = [[d.knit_id for d in await find_data(graph, [tag(t) for t in query])] for query in queries]
        return knit_ids, found
    finally:
        await graph.close()


def oracle(data: list[list[str]], knit_ids: list[str], query: list[str]) -> set[str]:
    user = {t for t in query if not t.startswith("#")}
    ids = {int(t[1:]) for t in query if t.startswith("#")}
    return {knit_ids[i] for i, tags in enumerate(data) if user <= set(tags) and all(n == i for n in ids)}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds())
def test_find_data_equals_oracle_for_random_worlds(clean_graph: Settings, world: tuple[list[list[str]], list[list[str]]]) -> None:
    data, queries = world
    knit_ids, found = anyio.run(_play, clean_graph, data, queries)
    for query, got in zip(queries, found, strict=True):
        assert len(got) == len(set(got)), f"{query}: a Data listed twice"
        assert set(got) == oracle(data, knit_ids, query), f"query {query} on data {data}"


def test_find_data_with_many_tags_needs_every_one(clean_graph: Settings) -> None:
    many = [f"k{n}:v{n}" for n in range(12)]

    async def work(graph: Graph) -> tuple[list[str], list[str], list[str]]:
        full = await _push(graph, many)
        await _push(graph, many[:-1])  # all but one
        return ([d.knit_id for d in await find_data(graph, [Tag.parse(t) for t in many])],
                [full],
                [d.knit_id for d in await find_data(graph, [Tag.parse(t) for t in [*many, UNKNOWN]])])

    got, want, with_unknown = run_on_graph(clean_graph, work)
    assert got == want
    assert with_unknown == []


# ---- nominations through anchors ----------------------------------------------------------------


@pytest.mark.parametrize("shared_first", [True, False], ids=["shared-only plan first", "shared-only plan last"])
def test_tag_change_nominates_exactly_the_plans_whose_tags_the_data_carries(
    clean_graph: Settings, shared_first: bool
) -> None:
    """Five plans require ``ready:yes`` plus their own project; one requires ``ready:yes`` alone.
    Whichever is registered first, tagging a Data of project b ``ready:yes`` nominates it for
    project b's plan and the ``ready:yes``-only plan, and removing the tag takes both back."""
    projects = ["a", "b", "c", "d", "e"]

    async def work(graph: Graph) -> tuple[dict[str, str], set[str], set[str], set[str]]:
        plans: dict[str, str] = {}
        if shared_first:
            plans["shared"] = await _register(graph, "shared:v1", [REQUIRED_ONLY])
        for project in projects:
            plans[project] = await _register(graph, f"p-{project}:v1", [f"project:{project}", REQUIRED_ONLY])
        if not shared_first:
            plans["shared"] = await _register(graph, "shared:v1", [REQUIRED_ONLY])
        knit_id = await _push(graph, ["project:b", DENSE])

        async def nominated() -> set[str]:
            (record,) = await find_data_details(graph, [knit_id])
            return {n.plan.plan_id for n in record.nominations}

        before = await nominated()
        await _tag(graph, knit_id, add=(REQUIRED_ONLY,))
        tagged = await nominated()
        await _tag(graph, knit_id, remove=(REQUIRED_ONLY,))
        return plans, before, tagged, await nominated()

    plans, before, tagged, untagged = run_on_graph(clean_graph, work)
    assert before == set()
    assert tagged == {plans["b"], plans["shared"]}
    assert untagged == set()
