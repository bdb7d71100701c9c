"""Data: find, show, push (an upload made a Data), tag, and their content."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import anyio.to_thread

from knitgraph.archive import UnsafeArchiveError
from knitgraph.graph_schema import data as data_graph
from knitgraph.graph_schema.errors import ConflictError, InvalidInputError, NotFoundError, TooLargeError, data_not_found
from knitgraph.graph_schema.records import DataRecord, RunStatus, StagedUpload
from knitgraph.graph_schema.tags import Tag, parse_user_tags, reject_system_key
from knitgraph.graph_schema.timefmt import format_ms, now_ms

from .state import Services
from .time_window import time_window


async def get_data(services: Services, knit_id: str) -> DataRecord:
    return await data_graph.get_data(services.graph, knit_id)


async def find_data(
    services: Services, tags: list[str], transient: bool | None, since: str | None, duration: str | None
) -> list[DataRecord]:
    """Data carrying every tag, in the time window; ``transient`` None means either."""
    start, end = time_window(since, duration)
    found = await data_graph.find_data(services.graph, [Tag.parse(text) for text in tags], start, end)
    if transient is None:
        return found
    return [d for d in found if (d.transient is not None) == transient]


MAX_SUGGESTIONS = 100


async def suggest_tags(services: Services, prefix: str, limit: int) -> list[tuple[Tag, int]]:
    """Tags of Data starting with ``prefix``, the most used first (at most ``limit``, 1 to 100)."""
    if not 1 <= limit <= MAX_SUGGESTIONS:
        raise InvalidInputError(f"limit {limit} is out of range", f"ask for 1 to {MAX_SUGGESTIONS} suggestions")
    return await data_graph.suggest_tags(services.graph, prefix, limit)


def upload_too_large(limit: int) -> TooLargeError:
    return TooLargeError(
        f"the upload is larger than {limit} bytes; nothing was kept",
        "push less (split the directory into several Data), or ask the administrator to raise "
        "KNITGRAPH_UPLOAD_MAX_BYTES (docs/admin-guide.md, Limits)",
    )


async def _bounded(chunks: AsyncIterator[bytes], limit: int) -> AsyncIterator[bytes]:
    received = 0
    async for chunk in chunks:
        received += len(chunk)
        if received > limit:
            raise upload_too_large(limit)
        yield chunk


async def receive_upload(
    services: Services, chunks: AsyncIterator[bytes], declared_size: int | None = None
) -> StagedUpload:
    """Stage an uploaded tar stream, verified; it becomes a Data only by :func:`push_data`.
    Refused (``TooLargeError``) as soon as it passes ``KNITGRAPH_UPLOAD_MAX_BYTES``, or before it
    starts when ``declared_size`` (the Content-Length) already does."""
    limit = services.settings.upload_max_bytes
    if declared_size is not None and declared_size > limit:
        raise upload_too_large(limit)
    try:
        return await services.store.receive(_bounded(chunks, limit))
    except UnsafeArchiveError as exc:
        raise InvalidInputError(exc.reason, exc.advice) from exc


async def _within_quota(services: Services, actor: str | None, knit_id: str, size: int) -> None:
    """Refuse (and drop the content) when this push would take ``actor`` past the user quota.
    Two pushes of one user at the same moment may both pass: a soft limit, checked per push."""
    quota = services.settings.user_quota_bytes
    if quota is None or actor is None:
        return
    used = await data_graph.find_pushed_bytes(services.graph, actor)
    if used + size > quota:
        await anyio.to_thread.run_sync(services.store.discard, knit_id)
        raise TooLargeError(
            f"this push of {size} bytes would take user '{actor}' past their quota: {used} of {quota} bytes are used",
            "remove Data you no longer need (`knit run rm` on their upload Runs), or ask an admin to raise "
            "KNITGRAPH_USER_QUOTA_BYTES",
        )


async def push_data(services: Services, actor: str | None, upload_id: str, digest: str, tags: list[str]) -> DataRecord:
    """Turn a staged upload into a Data with these tags; the Runs it starts exist on return."""
    user_tags = parse_user_tags(tags)
    knit_id, run_id = str(uuid.uuid4()), str(uuid.uuid4())
    staged = await anyio.to_thread.run_sync(services.store.commit, upload_id, knit_id, digest)
    await _within_quota(services, actor, knit_id, staged.size)
    # On failure the content stays, marked pending: the sweep keeps it if the write did land.
    await data_graph.create_uploaded_data(
        services.graph, knit_id=knit_id, run_id=run_id, tags=user_tags, digest=staged.digest, now=now_ms(),
        creation=uuid.uuid4().hex, by=actor, size=staged.size,
    )
    services.store.confirm(knit_id)
    services.runs_waiting.notify()
    return await data_graph.get_data(services.graph, knit_id)


async def push_stream(
    services: Services, actor: str | None, chunks: AsyncIterator[bytes], tags: list[str]
) -> DataRecord:
    """Receive a tar stream and make it a Data in one request, as Knitfab's ``POST /api/data`` does;
    the server's own digest stands in for the client's."""
    staged = await receive_upload(services, chunks)
    return await push_data(services, actor, staged.upload_id, staged.digest, tags)


async def tag_data(
    services: Services, actor: str | None, knit_id: str, add: list[str], remove: list[str], remove_keys: list[str]
) -> DataRecord:
    """Remove by key, then remove, then add; the Runs the new tags start exist on return."""
    keys = [key.strip() for key in remove_keys]
    for key in keys:
        reject_system_key(key)
    changed = await data_graph.update_data_tags(
        services.graph, knit_id, add=parse_user_tags(add), remove=parse_user_tags(remove), remove_keys=keys,
        now=now_ms(), creation=uuid.uuid4().hex, by=actor,
    )
    services.runs_waiting.notify()
    return changed


async def open_content(services: Services, knit_id: str) -> tuple[str, Iterator[bytes]]:
    """A finished Data's digest and its content as a tar stream."""
    state = await data_graph.find_content_state(services.graph, knit_id)
    if state is None:
        raise data_not_found(knit_id)
    digest, status, purged_at = state
    if purged_at is not None:
        raise NotFoundError(f"data knit#id:{knit_id} was purged by retention at {format_ms(purged_at)}: its content "
                            "is gone, its lineage stays", "run the Run that made it again (`knit run rerun`), or push it again")
    if status not in (RunStatus.DONE, RunStatus.FAILED) or digest is None:
        raise ConflictError(
            f"data knit#id:{knit_id} is not complete yet (its Run is {status.value})",
            "wait until the Run producing it has finished",
        )
    return digest, services.store.stream_tar(knit_id)


async def content_size(services: Services, knit_id: str) -> int:
    """The bytes of a Data's files, for a download's progress: a walk of its folder, no reading."""
    return await anyio.to_thread.run_sync(services.store.size, knit_id)
