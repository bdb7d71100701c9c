"""Plans: registration (equivalence and cycle checks), detail, search and the mutable fields.

Owns ``(:Plan {planId, image, repository, imageTag, entrypoint, args, active, hash, annotations,
resources, onNodeMay, onNodePrefer, onNodeMust, serviceAccount})``,
``(:Plan)-[:HAS_INPUT]->(:Input {path, pinKnitId, pinTimestamp})-[:REQUIRES]->(:Tag)``,
``(:Plan)-[:HAS_OUTPUT]->(:Output {path, isLog})-[:PUTS]->(:Tag)`` and the links derived from tags:
``(:Output)-[:FEEDS]->(:Input)`` when the output's tags cover an unpinned input's tags, and
``(:Plan)-[:FEEDS_PLAN]->(:Plan)`` for each such pair. Inputs, outputs and tags of a plan never
change, so the links are computed once, at registration (reference §3.4, §3.6).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Final, LiteralString

from neo4j import AsyncManagedTransaction

from .audit import record_action
from .driver import Graph
from .errors import ConflictError, InvalidInputError, NotFoundError, plan_not_found
from .images import split_image
from .nominations import nominate_for_plan
from .plan_spec import KNITGRAPH_ANNOTATIONS, ON_NODE_MODES, PlanSpec, check_quantity, checked_annotations, parse_annotations
from .projection import project_nominated
from .records import Mountpoint, PlanInput, PlanLink, PlanOutput, PlanRecord, RunStatus
from .summaries import input_mountpoint, plan_summary, tag_list
from .tags import KEY_ID, KEY_TIMESTAMP, Tag
from .timefmt import parse_instant

LOCK_REGISTRATION: Final[LiteralString] = """
MERGE (lock:Lock {name: 'plan-registration'})
SET lock.heldAt = $now
"""

FIND_EQUIVALENT_PLAN: Final[LiteralString] = "MATCH (p:Plan {hash: $hash}) RETURN p.planId AS planId LIMIT 1"

CREATE_PLAN: Final[LiteralString] = """
CREATE (p:Plan {planId: $planId, image: $image, repository: $repository, imageTag: $imageTag,
    entrypoint: $entrypoint, args: $args, active: $active, hash: $hash, annotations: $annotations,
    resources: $resources, onNodeMay: $onNodeMay, onNodePrefer: $onNodePrefer,
    onNodeMust: $onNodeMust, serviceAccount: $serviceAccount, pseudo: false, createdAt: $now})
FOREACH (input IN $inputs |
    CREATE (p)-[:HAS_INPUT]->(i:Input {path: input.path, pinKnitId: input.pinKnitId,
                                       pinTimestamp: input.pinTimestamp})
    FOREACH (tag IN input.tags |
        MERGE (t:Tag {key: tag.key, value: tag.value})
        CREATE (i)-[:REQUIRES]->(t)))
FOREACH (output IN $outputs |
    CREATE (p)-[:HAS_OUTPUT]->(o:Output {path: output.path, isLog: output.isLog})
    FOREACH (tag IN output.tags |
        MERGE (t:Tag {key: tag.key, value: tag.value})
        CREATE (o)-[:PUTS]->(t)))
"""

LINK_PLAN: Final[LiteralString] = """
MATCH (n:Plan {planId: $planId})
CALL (n) {
    MATCH (n)-[:HAS_OUTPUT]->(o:Output)-[:PUTS]->(:Tag)<-[:REQUIRES]-(i:Input)
    RETURN DISTINCT o, i
    UNION
    MATCH (n)-[:HAS_INPUT]->(i:Input)-[:REQUIRES]->(:Tag)<-[:PUTS]-(o:Output)
    RETURN DISTINCT o, i
}
WITH o, i
WHERE i.pinKnitId IS NULL AND i.pinTimestamp IS NULL
  AND all(t IN [(i)-[:REQUIRES]->(t:Tag) | t] WHERE EXISTS { (o)-[:PUTS]->(t) })
MERGE (o)-[:FEEDS]->(i)
WITH o, i
MATCH (a:Plan)-[:HAS_OUTPUT]->(o), (b:Plan)-[:HAS_INPUT]->(i)
MERGE (a)-[:FEEDS_PLAN]->(b)
"""

FIND_CYCLE: Final[LiteralString] = """
MATCH (n:Plan {planId: $planId})
MATCH path = SHORTEST 1 (n)-[:FEEDS_PLAN]->+(n)
RETURN [x IN nodes(path) | x {.planId, .image, .name}] AS cycle
"""

GET_PLAN_DETAILS: Final[LiteralString] = """
UNWIND $planIds AS planId
MATCH (p:Plan {planId: planId})
RETURN p {.planId, .image, .entrypoint, .args, .name, .annotations, .active, .resources,
          .onNodeMay, .onNodePrefer, .onNodeMust, .serviceAccount} AS plan,
    [(p)-[:HAS_INPUT]->(i:Input) | {
        input: i {.path, .pinKnitId, .pinTimestamp, tags: [(i)-[:REQUIRES]->(t:Tag) | [t.key, t.value]]},
        links: [(up:Plan)-[:HAS_OUTPUT]->(o:Output)-[:FEEDS]->(i) | {
            plan: up {.planId, .image, .entrypoint, .args, .name, .annotations},
            path: o.path, isLog: o.isLog, tags: [(o)-[:PUTS]->(t:Tag) | [t.key, t.value]]}]}] AS inputs,
    [(p)-[:HAS_OUTPUT]->(o:Output) | {
        path: o.path, isLog: o.isLog, tags: [(o)-[:PUTS]->(t:Tag) | [t.key, t.value]],
        links: [(o)-[:FEEDS]->(i:Input)<-[:HAS_INPUT]-(down:Plan) | {
            plan: down {.planId, .image, .entrypoint, .args, .name, .annotations},
            input: i {.path, .pinKnitId, .pinTimestamp,
                      tags: [(i)-[:REQUIRES]->(t:Tag) | [t.key, t.value]]}}]}] AS outputs
"""

FIND_PLAN_IDS: Final[LiteralString] = """
MATCH (p:Plan)
WHERE ($active IS NULL OR p.active = $active)
  AND ($repository IS NULL OR p.repository = $repository)
  AND ($imageTag IS NULL OR p.imageTag = $imageTag)
  AND (size($inTags) = 0 OR EXISTS {
        MATCH (p)-[:HAS_INPUT]->(i:Input)
        WHERE all(tag IN $inTags WHERE EXISTS { (i)-[:REQUIRES]->(:Tag {key: tag.key, value: tag.value}) }) })
  AND ($inKnitId IS NULL OR EXISTS { (p)-[:HAS_INPUT]->(:Input {pinKnitId: $inKnitId}) })
  AND ($inTimestamp IS NULL OR EXISTS { (p)-[:HAS_INPUT]->(:Input {pinTimestamp: $inTimestamp}) })
  AND (size($outTags) = 0 OR EXISTS {
        MATCH (p)-[:HAS_OUTPUT]->(o:Output)
        WHERE all(tag IN $outTags WHERE EXISTS { (o)-[:PUTS]->(:Tag {key: tag.key, value: tag.value}) }) })
  AND all(annotation IN $annotations WHERE annotation IN coalesce(p.annotations, []))
RETURN p.planId AS planId
ORDER BY planId
"""

SET_PLAN_ACTIVE: Final[LiteralString] = """
MATCH (p:Plan {planId: $planId}) WHERE NOT p.pseudo
SET p.active = $active
WITH p
CALL (p) {
    MATCH (r:Run)-[:OF_PLAN]->(p) WHERE r.status = $from
    SET r.status = $to
}
RETURN p.planId AS planId
"""

LOCK_PLAN_FIELDS: Final[LiteralString] = """
MATCH (p:Plan {planId: $planId}) WHERE NOT p.pseudo
SET p.changedAt = $now
RETURN p.resources AS resources, p.annotations AS annotations
"""

SET_PLAN_FIELDS: Final[LiteralString] = """
MATCH (p:Plan {planId: $planId})
SET p.resources = $resources, p.annotations = $annotations, p.serviceAccount = $serviceAccount
"""

GET_SERVICE_ACCOUNT: Final[LiteralString] = "MATCH (p:Plan {planId: $planId}) RETURN p.serviceAccount AS sa"


def _tag_maps(tags: tuple[Tag, ...]) -> list[dict[str, str]]:
    return [{"key": t.key, "value": t.value} for t in tags]


def _as_pairs(mapping: dict[str, str]) -> list[str]:
    return [f"{key}={value}" for key, value in sorted(mapping.items())]


def _from_pairs(pairs: list[str] | None) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in pairs or [])


def _not_found(plan_id: str) -> NotFoundError:
    return plan_not_found(plan_id)


def _cycle_error(cycle: list[dict[str, Any]]) -> ConflictError:
    names = " -> ".join(f"{p.get('image') or p.get('name')} ({p['planId']})" for p in cycle)
    return ConflictError(
        f"plan spec is conflicting with other plan: plan's tag dependency makes cycle: {names}",
        "change an output tag (or an input tag) so that no plan consumes, directly or through others, "
        "what it produces; or pin the input with knit#id",
    )


async def _register(
    tx: AsyncManagedTransaction, spec: PlanSpec, plan_id: str, now: int, creation: str, by: str | None
) -> list[str]:
    await (await tx.run(LOCK_REGISTRATION, now=now)).consume()
    existing = await (await tx.run(FIND_EQUIVALENT_PLAN, hash=spec.hash())).single()
    if existing is not None:
        raise ConflictError("there are equivalent plan", "it is registered already; see its id", see=existing["planId"])
    repository, image_tag = split_image(spec.image)
    outputs = [{"path": o.path, "isLog": False, "tags": _tag_maps(o.tags)} for o in spec.outputs]
    if spec.log is not None:
        outputs.append({"path": "/log", "isLog": True, "tags": _tag_maps(spec.log)})
    await (await tx.run(
        CREATE_PLAN, planId=plan_id, image=spec.image, repository=repository, imageTag=image_tag,
        entrypoint=list(spec.entrypoint) if spec.entrypoint is not None else None,
        args=list(spec.args) if spec.args is not None else None,
        active=spec.active, hash=spec.hash(), annotations=list(spec.annotations),
        resources=_as_pairs(spec.resources), serviceAccount=spec.service_account, now=now,
        onNodeMay=list(spec.on_node.get("may", ())), onNodePrefer=list(spec.on_node.get("prefer", ())),
        onNodeMust=list(spec.on_node.get("must", ())),
        inputs=[{"path": i.path, "pinKnitId": i.pin_knit_id, "pinTimestamp": i.pin_timestamp,
                 "tags": _tag_maps(i.tags)} for i in spec.inputs],
        outputs=outputs,
    )).consume()
    await (await tx.run(LINK_PLAN, planId=plan_id)).consume()
    cycle = await (await tx.run(FIND_CYCLE, planId=plan_id)).single()
    if cycle is not None:
        raise _cycle_error(cycle["cycle"])
    await nominate_for_plan(tx, plan_id)
    await record_action(tx, "plan", plan_id, "applied", by, now)
    return await project_nominated(tx, [plan_id], now, creation)


async def register_plan(
    graph: Graph, spec: PlanSpec, *, plan_id: str, now: int, creation: str | None = None, by: str | None = None
) -> list[str]:
    """Register a plan, nominate existing Data for it and start the Runs they make, in one
    serialized transaction; returns the new run ids.

    Raises ``ConflictError`` for an equivalent plan (``see`` = its id) or a tag cycle."""
    return await graph.write(_register, spec, plan_id, now, creation or uuid.uuid4().hex, by)


def _link_from_output(row: dict[str, Any]) -> PlanLink:
    tags = tag_list(row["tags"])
    if row["isLog"]:
        return PlanLink(plan_summary(row["plan"]), None, tags)
    return PlanLink(plan_summary(row["plan"]), Mountpoint(row["path"], tags))


def _plan_record(row: Mapping[str, Any]) -> PlanRecord:
    plan = row["plan"]
    inputs = sorted(
        (PlanInput(input_mountpoint(i["input"]),
                   tuple(sorted((_link_from_output(link) for link in i["links"]),
                                key=lambda l: (l.plan.plan_id, l.mountpoint.path if l.mountpoint else "/log"))))
         for i in row["inputs"]),
        key=lambda i: i.mountpoint.path,
    )
    outputs: list[PlanOutput] = []
    log: PlanOutput | None = None
    for o in row["outputs"]:
        links = tuple(sorted((PlanLink(plan_summary(link["plan"]), input_mountpoint(link["input"]))
                              for link in o["links"]),
                             key=lambda l: (l.plan.plan_id, l.mountpoint.path if l.mountpoint else "/log")))
        built = PlanOutput(Mountpoint(o["path"], tag_list(o["tags"])), links)
        if o["isLog"]:
            log = built
        else:
            outputs.append(built)
    return PlanRecord(
        summary=plan_summary(plan),
        inputs=tuple(inputs),
        outputs=tuple(sorted(outputs, key=lambda o: o.mountpoint.path)),
        log=log,
        active=bool(plan["active"]),
        resources=_from_pairs(plan.get("resources")),
        on_node={mode: tuple(plan.get(f"onNode{mode.capitalize()}") or ()) for mode in ON_NODE_MODES
                 if plan.get(f"onNode{mode.capitalize()}")},
        service_account=plan.get("serviceAccount"),
    )


async def plan_details(tx: AsyncManagedTransaction, plan_ids: list[str]) -> list[PlanRecord]:
    """The plans with these ids, in that order (unknown ids left out), within ``tx``."""
    result = await tx.run(GET_PLAN_DETAILS, planIds=plan_ids)
    by_id = {row["plan"]["planId"]: _plan_record(row) async for row in result}
    return [by_id[plan_id] for plan_id in plan_ids if plan_id in by_id]


async def get_plan(graph: Graph, plan_id: str) -> PlanRecord:
    """The plan with this id; raises ``NotFoundError``."""
    found = await graph.read(plan_details, [plan_id])
    if not found:
        raise _not_found(plan_id)
    return found[0]


async def _find(tx: AsyncManagedTransaction, params: dict[str, Any]) -> list[PlanRecord]:
    result = await tx.run(FIND_PLAN_IDS, **params)
    ids = [row["planId"] async for row in result]
    return await plan_details(tx, ids)


async def find_plans(
    graph: Graph, *, active: bool | None, image: str | None, in_tags: list[Tag], out_tags: list[Tag],
    annotations: list[str] | None = None,
) -> list[PlanRecord]:
    """Plans matching every condition (reference §3.7); tags nobody uses match nothing;
    ``annotations`` (``key=value``) must all be among a plan's."""
    repository: str | None = None
    image_tag: str | None = None
    if image:
        repository, image_tag = split_image(image)
        if not repository:
            raise InvalidInputError(f"image '{image}' has no repository", "write --image repository[:tag]")
    pins = {key: {t.value for t in in_tags if t.key == key} for key in (KEY_ID, KEY_TIMESTAMP)}
    if any(len(values) > 1 for values in pins.values()) or any(
        t.is_system() for t in out_tags) or any(t.is_system() and t.key not in pins for t in in_tags):
        return []
    knit_id = next(iter(pins[KEY_ID]), None)
    stamp = next(iter(pins[KEY_TIMESTAMP]), None)
    params = {
        "active": active, "repository": repository, "imageTag": image_tag,
        "inTags": _tag_maps(tuple(t for t in in_tags if not t.is_system())),
        "outTags": _tag_maps(tuple(out_tags)), "inKnitId": knit_id,
        "inTimestamp": parse_instant(stamp) if stamp else None,
        "annotations": [f"{k.strip()}={v.strip()}" for k, _, v in (a.partition("=") for a in annotations or [])],
    }
    return await graph.read(_find, params)


async def _set_active(tx: AsyncManagedTransaction, plan_id: str, active: bool) -> bool:
    moves = (RunStatus.DEACTIVATED, RunStatus.WAITING) if active else (RunStatus.WAITING, RunStatus.DEACTIVATED)
    params = {"planId": plan_id, "active": active, "from": moves[0].value, "to": moves[1].value}
    record = await (await tx.run(SET_PLAN_ACTIVE, params)).single()
    return record is not None


async def set_plan_active(graph: Graph, plan_id: str, active: bool) -> PlanRecord:
    """(De)activate a plan; its waiting Runs become deactivated and back (reference §2.6)."""
    if not await graph.write(_set_active, plan_id, active):
        raise _not_found(plan_id)
    return await get_plan(graph, plan_id)


async def _change_fields(
    tx: AsyncManagedTransaction, plan_id: str, now: int, resources_set: dict[str, str],
    resources_unset: list[str], annotations_add: list[str], annotations_remove: list[str],
    annotations_remove_keys: list[str], service_account: tuple[str | None] | None,
) -> bool:
    current = await (await tx.run(LOCK_PLAN_FIELDS, planId=plan_id, now=now)).single()
    if current is None:
        return False
    resources = {**_from_pairs(current["resources"]), **resources_set}
    for kind in resources_unset:
        resources.pop(kind, None)
    annotations = [a for a in current["annotations"] or []
                   if a.split("=", 1)[0] not in annotations_remove_keys and a not in annotations_remove]
    replaced = {a.split("=", 1)[0] for a in annotations_add} & KNITGRAPH_ANNOTATIONS.keys()  # one value each
    annotations = checked_annotations([*(a for a in annotations if a.split("=", 1)[0] not in replaced), *annotations_add])
    sa_row = await (await tx.run(GET_SERVICE_ACCOUNT, planId=plan_id)).single()
    sa = service_account[0] if service_account is not None else (sa_row["sa"] if sa_row else None)
    await (await tx.run(SET_PLAN_FIELDS, planId=plan_id, resources=_as_pairs(resources),
                        annotations=annotations, serviceAccount=sa)).consume()
    return True


async def change_plan(
    graph: Graph, plan_id: str, *, now: int,
    resources_set: dict[str, str] | None = None, resources_unset: list[str] | None = None,
    annotations_add: list[str] | None = None, annotations_remove: list[str] | None = None,
    annotations_remove_keys: list[str] | None = None, service_account: tuple[str | None] | None = None,
) -> PlanRecord:
    """Change the mutable fields of a plan: resources (set, then unset), annotations (remove keys,
    remove, then add) and the service account (``(None,)`` unsets it)."""
    checked = {kind: check_quantity(kind, quantity) for kind, quantity in (resources_set or {}).items()}
    if service_account is not None and service_account[0] is not None and len(service_account[0]) > 63:
        raise InvalidInputError("service account name is longer than 63 characters", "use a shorter name")
    added = parse_annotations(annotations_add or [])
    removed = parse_annotations(annotations_remove or [])
    changed = await graph.write(
        _change_fields, plan_id, now, checked, resources_unset or [], added, removed,
        [key.strip() for key in annotations_remove_keys or []], service_account,
    )
    if not changed:
        raise _not_found(plan_id)
    return await get_plan(graph, plan_id)

