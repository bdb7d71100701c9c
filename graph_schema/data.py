"""Data and their tags.

Owns ``(:Data {knitId, contentDigest})``, ``(:Data)-[:TAGGED]->(:Tag {key, value})`` and the upload
Runs of the pseudo plan ``knit#uploaded``:
``(:Run {status: 'done'})-[:OF_PLAN]->(:Plan {name: 'knit#uploaded'})``,
``(:Run)-[:PRODUCED {path: '/upload', log: false}]->(:Data)``.
Reads also follow ``(:Data)-[:INPUT_TO {path}]->(:Run)`` and ``(:Data)-[:NOMINATED]->(:Input)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, LiteralString

from neo4j import AsyncManagedTransaction

from .audit import actions, record_action
from .driver import Graph
from .errors import NotFoundError, data_not_found
from .nominations import renominate_data
from .projection import project_nominated
from .records import DataRecord, Downstream, Mountpoint, Nomination, RunStatus, Upstream
from .summaries import input_mountpoint, metric_list, plan_summary, run_summary, tag_list
from .tags import KEY_ID, KEY_TIMESTAMP, KEY_TRANSIENT, MAX_TAGS_PER_DATA, Tag, too_many_tags
from .timefmt import parse_instant

CREATE_UPLOADED_DATA: Final[LiteralString] = """
MATCH (p:Plan {name: 'knit#uploaded'})
MERGE (r:Run {runId: $runId})
ON CREATE SET r.status = 'done', r.updatedAt = $now, r.finishedAt = $now
MERGE (r)-[:OF_PLAN]->(p)
MERGE (r)-[:PRODUCED {path: '/upload', log: false}]->(d:Data {knitId: $knitId})
ON CREATE SET d.contentDigest = $digest, d.contentSize = $size
FOREACH (tag IN $tags |
    MERGE (t:Tag {key: tag.key, value: tag.value})
    MERGE (d)-[:TAGGED]->(t))
RETURN d.knitId AS knitId, COUNT { (d)-[:TAGGED]->(:Tag) } AS tagCount
"""

GET_DATA_DETAILS: Final[LiteralString] = """
UNWIND $knitIds AS knitId
MATCH (d:Data {knitId: knitId})<-[made:PRODUCED]-(r:Run)-[:OF_PLAN]->(p:Plan)
OPTIONAL MATCH (p)-[:HAS_OUTPUT]->(o:Output {path: made.path})
RETURN d.knitId AS knitId, d.contentDigest AS digest, d.contentSize AS size, r.finishedAt AS finishedAt,
    d.purgedAt AS purgedAt,
    d.metricNames AS metricNames, d.metricValues AS metricValues,
    [(d)-[:TAGGED]->(t:Tag) | [t.key, t.value]] AS tags,
    r {.runId, .status, .updatedAt, .exitCode, .exitMessage,
       plan: p {.planId, .image, .entrypoint, .args, .name, .annotations}} AS run,
    made.path AS path, made.log AS isLog,
    [(o)-[:PUTS]->(t:Tag) | [t.key, t.value]] AS outputTags,
    [(d)-[use:INPUT_TO]->(dr:Run)-[:OF_PLAN]->(dp:Plan)-[:HAS_INPUT]->(i:Input)
        WHERE dr.status <> 'invalidated' AND i.path = use.path |
        {run: dr {.runId, .status, .updatedAt, .exitCode, .exitMessage,
                  plan: dp {.planId, .image, .entrypoint, .args, .name, .annotations}},
         input: i {.path, .pinKnitId, .pinTimestamp,
                   tags: [(i)-[:REQUIRES]->(t:Tag) | [t.key, t.value]]}}] AS downstreams,
    [(d)-[:NOMINATED]->(i:Input)<-[:HAS_INPUT]-(np:Plan) |
        {plan: np {.planId, .image, .entrypoint, .args, .name, .annotations},
         input: i {.path, .pinKnitId, .pinTimestamp,
                   tags: [(i)-[:REQUIRES]->(t:Tag) | [t.key, t.value]]}}] AS nominations,
    [(d)<-[:ON]-(a:Action) | a {.action, .by, .at}] AS history
"""

# Candidates come from the most selective start there is: the knitId, else the user tag the fewest
# Data carry (a relationship count Neo4j reads from the tag's degree, without walking the Data),
# else the finish time (no user tag then), else every Data; each candidate is checked for the other
# tags, node against node (the smaller side's edges are read). Walking every
# Data of every tag and counting hits cost the Data of the densest tag (143,000 rows for 14 hits
# at a million Data).
FIND_DATA_IDS: Final[LiteralString] = """
CALL () {
    UNWIND $tags AS tag
    OPTIONAL MATCH (t:Tag {key: tag.key, value: tag.value})
    WITH t ORDER BY COUNT { (t)<-[:TAGGED]-() }
    RETURN collect(t) AS found
}
WITH found WHERE size(found) = size($tags)
CALL (found) {
    MATCH (d:Data {knitId: $knitId})
    WHERE all(t IN found WHERE EXISTS { (d)-[:TAGGED]->(t) })
    RETURN d
    UNION
    WITH head(found) AS anchor, tail(found) AS others WHERE $knitId IS NULL
    MATCH (anchor)<-[:TAGGED]-(d:Data)
    WHERE all(t IN others WHERE EXISTS { (d)-[:TAGGED]->(t) })
    RETURN d
    UNION
    MATCH (r:Run {finishedAt: $timestamp})-[:PRODUCED]->(d:Data)
    USING INDEX r:Run(finishedAt)
    WHERE $knitId IS NULL AND size(found) = 0
    RETURN d
    UNION
    UNWIND CASE WHEN $knitId IS NULL AND $timestamp IS NULL AND size(found) = 0 THEN [true] ELSE [] END AS everything
    MATCH (d:Data)
    RETURN d
}
MATCH (d)<-[:PRODUCED]-(r:Run)
WHERE ($knitId IS NULL OR d.knitId = $knitId)
  AND ($timestamp IS NULL OR r.finishedAt = $timestamp)
  AND ($transient IS NULL
       OR ($transient = 'failed' AND r.status IN ['failed', 'invalidated'])
       OR ($transient = 'processing' AND NOT r.status IN ['done', 'failed', 'invalidated']))
  AND ($since IS NULL OR $since <= coalesce(r.finishedAt, r.updatedAt) < $until)
RETURN d.knitId AS knitId
ORDER BY coalesce(r.finishedAt, 9223372036854775807), knitId
"""

UPDATE_DATA_TAGS: Final[LiteralString] = """
MATCH (d:Data {knitId: $knitId})
SET d.tagsChangedAt = $now
WITH d
CALL (d) {
    MATCH (d)-[e:TAGGED]->(t:Tag)
    WHERE t.key IN $removeKeys OR {key: t.key, value: t.value} IN $remove
    DELETE e
}
FOREACH (tag IN $add |
    MERGE (t:Tag {key: tag.key, value: tag.value})
    MERGE (d)-[:TAGGED]->(t))
RETURN d.knitId AS knitId, COUNT { (d)-[:TAGGED]->(:Tag) } AS tagCount
"""

FIND_CONTENT_STATE: Final[LiteralString] = """
MATCH (d:Data {knitId: $knitId})<-[:PRODUCED]-(r:Run)
RETURN d.contentDigest AS digest, r.status AS status, d.purgedAt AS purgedAt
"""

# A purged Data's content is not kept: the sweep removes what a purge left (graph_schema/retention.py).
FIND_EXISTING_KNIT_IDS: Final[LiteralString] = """
UNWIND $knitIds AS knitId
MATCH (d:Data {knitId: knitId}) WHERE d.purgedAt IS NULL
RETURN d.knitId AS knitId
"""


def _tag_maps(tags: list[Tag]) -> list[dict[str, str]]:
    return [{"key": tag.key, "value": tag.value} for tag in tags]


async def record_uploaded_data(tx: AsyncManagedTransaction, /, **params: Any) -> list[str]:
    """Inside a caller's transaction: what :func:`create_uploaded_data` writes, from
    :func:`uploaded_data_params` (a schedule's tick writes it with its own compare-and-set)."""
    record = await (await tx.run(CREATE_UPLOADED_DATA, **params)).single()
    if record is None:
        raise NotFoundError(
            "the pseudo plan knit#uploaded is missing", "restart the server so that it migrates the schema"
        )
    await record_action(tx, "data", params["knitId"], "pushed", params["by"], params["now"])
    plans = await renominate_data(tx, [params["knitId"]])
    return await project_nominated(tx, plans, params["now"], params["creation"])


async def create_uploaded_data(
    graph: Graph, *, knit_id: str, run_id: str, tags: list[Tag], digest: str, now: int, creation: str,
    by: str | None = None, size: int | None = None,
) -> list[str]:
    """Record a completed upload: a done Run of ``knit#uploaded`` and its output Data, nominated
    for matching plan inputs, and the Runs they start, at once. Returns the new run ids
    (``creation``: a token unique per call, see ``project_plan``)."""
    return await graph.write(
        record_uploaded_data,
        **uploaded_data_params(knit_id=knit_id, run_id=run_id, tags=tags, digest=digest, now=now, creation=creation,
                               by=by, size=size),
    )


def uploaded_data_params(
    *, knit_id: str, run_id: str, tags: list[Tag], digest: str, now: int, creation: str, by: str | None,
    size: int | None,
) -> dict[str, Any]:
    """The parameters of :func:`record_uploaded_data`."""
    return {"knitId": knit_id, "runId": run_id, "tags": _tag_maps(tags), "digest": digest, "now": now,
            "creation": creation, "by": by, "size": size}


def _data_record(row: Mapping[str, Any]) -> DataRecord:
    run = run_summary(row["run"])
    is_log = bool(row["isLog"])
    output_tags = tag_list(row["outputTags"])
    upstream = Upstream(
        run=run,
        mountpoint=None if is_log else Mountpoint(row["path"], output_tags),
        log_tags=output_tags if is_log else None,
    )
    downstreams = sorted(
        (Downstream(run_summary(d["run"]), input_mountpoint(d["input"])) for d in row["downstreams"]),
        key=lambda d: (d.run.updated_at, d.run.run_id, d.mountpoint.path),
    )
    nominations = sorted(
        (Nomination(input_mountpoint(n["input"]), plan_summary(n["plan"])) for n in row["nominations"]),
        key=lambda n: (n.plan.plan_id, n.mountpoint.path),
    )
    return DataRecord(
        knit_id=row["knitId"],
        user_tags=tag_list(row["tags"]),
        finished_at=row["finishedAt"],
        upstream=upstream,
        downstreams=tuple(downstreams),
        nominations=tuple(nominations),
        content_digest=row["digest"],
        content_size=row["size"],
        history=actions(row["history"]),
        metrics=metric_list(row["metricNames"], row["metricValues"]),
        purged_at=row["purgedAt"],
    )


async def _get_data_details(tx: AsyncManagedTransaction, knit_ids: list[str]) -> list[DataRecord]:
    result = await tx.run(GET_DATA_DETAILS, knitIds=knit_ids)
    by_id = {row["knitId"]: _data_record(row) async for row in result}
    return [by_id[knit_id] for knit_id in knit_ids if knit_id in by_id]


async def find_data_details(graph: Graph, knit_ids: list[str]) -> list[DataRecord]:
    """Details of the Data with these ids, in the given order; unknown ids are left out."""
    return await graph.read(_get_data_details, knit_ids)


async def get_data(graph: Graph, knit_id: str) -> DataRecord:
    """The Data with this id; raises ``NotFoundError``."""
    found = await find_data_details(graph, [knit_id])
    if not found:
        raise data_not_found(knit_id)
    return found[0]


def _single(values: set[str]) -> str | bool | None:
    """One value, ``None`` for none, ``False`` when two different values make a query unsatisfiable."""
    if len(values) > 1:
        return False
    return next(iter(values), None)


async def _find_data_ids(tx: AsyncManagedTransaction, **params: Any) -> list[str]:
    result = await tx.run(FIND_DATA_IDS, **params)
    return [row["knitId"] async for row in result]


async def find_data(
    graph: Graph, tags: list[Tag], since: int | None = None, until: int | None = None
) -> list[DataRecord]:
    """Data carrying all ``tags`` (system tags included), finished (or updated) in [since, until).

    Two different values for one system key, or an unknown ``knit#`` key, match nothing.
    """
    system = {key: {t.value for t in tags if t.key == key} for key in (KEY_ID, KEY_TRANSIENT)}
    system[KEY_TIMESTAMP] = {str(parse_instant(t.value)) for t in tags if t.key == KEY_TIMESTAMP}
    unknown_system = any(t.is_system() and t.key not in system for t in tags)
    knit_id, timestamp, transient = (_single(system[key]) for key in (KEY_ID, KEY_TIMESTAMP, KEY_TRANSIENT))
    if unknown_system or False in (knit_id, timestamp, transient):
        return []
    async def read(tx: AsyncManagedTransaction) -> list[DataRecord]:
        ids = await _find_data_ids(
            tx,
            tags=_tag_maps([t for t in tags if not t.is_system()]),
            knitId=knit_id,
            timestamp=int(str(timestamp)) if timestamp else None,
            transient=transient,
            since=since,
            until=until,
        )
        return await _get_data_details(tx, ids)

    return await graph.read(read)


async def _update_data_tags(tx: AsyncManagedTransaction, /, **params: Any) -> DataRecord | None:
    record = await (await tx.run(UPDATE_DATA_TAGS, **params)).single()
    if record is None:
        return None
    if record["tagCount"] > MAX_TAGS_PER_DATA:
        raise too_many_tags(record["tagCount"])  # rolls the change back
    await record_action(tx, "data", params["knitId"], "tagged", params["by"], params["now"])
    plans = await renominate_data(tx, [params["knitId"]])
    await project_nominated(tx, plans, params["now"], params["creation"])
    (changed,) = await _get_data_details(tx, [params["knitId"]])
    return changed


async def update_data_tags(
    graph: Graph, knit_id: str, *, add: list[Tag], remove: list[Tag], remove_keys: list[str], now: int,
    creation: str, by: str | None = None,
) -> DataRecord:
    """Remove by key, then remove exact tags, then add, renominate and start the Runs that the new
    nominations make, in one transaction that also reads the Data as it is then (with the Runs it
    feeds). Raises ``NotFoundError`` for an unknown knitId, whatever the change (Knitfab answers 500
    for removals only; reference §7.2), and ``InvalidInputError`` (nothing changed) when the Data
    would carry more than ``MAX_TAGS_PER_DATA`` tags."""
    changed = await graph.write(
        _update_data_tags,
        knitId=knit_id, add=_tag_maps(add), remove=_tag_maps(remove), removeKeys=remove_keys, now=now,
        creation=creation, by=by,
    )
    if changed is None:
        raise data_not_found(knit_id)
    return changed


async def _find_content_state(
    tx: AsyncManagedTransaction, knit_id: str
) -> tuple[str | None, RunStatus, int | None] | None:
    record = await (await tx.run(FIND_CONTENT_STATE, knitId=knit_id)).single()
    return None if record is None else (record["digest"], RunStatus(record["status"]), record["purgedAt"])


async def find_content_state(graph: Graph, knit_id: str) -> tuple[str | None, RunStatus, int | None] | None:
    """The content digest of a Data, the status of the Run producing it and when it was purged
    (None: it was not), or None if unknown."""
    return await graph.read(_find_content_state, knit_id)


async def _find_existing(tx: AsyncManagedTransaction, knit_ids: list[str]) -> set[str]:
    result = await tx.run(FIND_EXISTING_KNIT_IDS, knitIds=knit_ids)
    return {row["knitId"] async for row in result}


async def find_existing_knit_ids(graph: Graph, knit_ids: list[str]) -> set[str]:
    """Which of these knitIds the graph knows; the content store sweeps the rest."""
    return await graph.read(_find_existing, knit_ids)


PUSHED_BYTES: Final[LiteralString] = """
MATCH (:Action {action: 'pushed', by: $user})-[:ON]->(d:Data)
RETURN coalesce(sum(d.contentSize), 0) AS bytes
"""


async def _pushed_bytes(tx: AsyncManagedTransaction, user: str) -> int:
    record = await (await tx.run(PUSHED_BYTES, user=user)).single()
    return int(record["bytes"]) if record else 0


async def find_pushed_bytes(graph: Graph, user: str) -> int:
    """How many bytes of content the Data ``user`` pushed (and that still exist) hold."""
    return await graph.read(_pushed_bytes, user)



TAG_SUGGESTIONS: Final[LiteralString] = """
MATCH (t:Tag)
WHERE CASE WHEN $value IS NULL THEN t.key STARTS WITH $key ELSE t.key = $key AND t.value STARTS WITH $value END
WITH t, COUNT { (t)<-[:TAGGED]-(:Data) } AS uses
WHERE uses > 0
RETURN t.key AS key, t.value AS value, uses
ORDER BY uses DESC, key, value
LIMIT $limit
"""


async def _suggest_tags(tx: AsyncManagedTransaction, key: str, value: str | None, limit: int) -> list[tuple[Tag, int]]:
    result = await tx.run(TAG_SUGGESTIONS, key=key, value=value, limit=limit)
    return [(Tag(row["key"], row["value"]), row["uses"]) async for row in result]


async def suggest_tags(graph: Graph, prefix: str, limit: int) -> list[tuple[Tag, int]]:
    """User tags of Data that start with ``prefix`` (``key`` or ``key:value``), the most used first,
    with how many Data carry each: what a search box completes."""
    key, colon, value = prefix.partition(":")
    return await graph.read(_suggest_tags, key.strip(), value.strip() if colon else None, limit)
