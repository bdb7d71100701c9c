"""Where Data content lives: one directory per knitId under the knitgraph home.

An upload is received into ``staging/<uploadId>/tree`` (held under a file lock while it streams),
verified, and moved into ``content/<knitId>`` only when the graph is about to record it; a crash
leaves at most a staging folder or an unrecorded content folder, and :meth:`sweep` removes both.
With the kubernetes executor the same store lives on a ReadWriteMany volume that Jobs mount by sub-path.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import stat
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Protocol, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread
from anyio.streams.memory import MemoryObjectReceiveStream

from knitgraph.archive import UnsafeArchiveError, digest_directory, extract_chunks, tar_chunks
from knitgraph.graph_schema.errors import ConflictError, InvalidInputError, NotFoundError
from knitgraph.graph_schema.records import StagedUpload

from .private_folders import private_folder

CHUNK = 1 << 20
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")  # uuid4().hex, as :meth:`LocalContentStore.receive` makes them
PENDING_GRACE_SECONDS = 600
T = TypeVar("T")


class ContentStore(Protocol):
    def path(self, knit_id: str) -> Path: ...
    async def receive(self, chunks: AsyncIterator[bytes]) -> StagedUpload: ...
    def commit(self, upload_id: str, knit_id: str, digest: str) -> StagedUpload: ...
    def confirm(self, knit_id: str) -> None: ...
    def prepare_output(self, knit_id: str) -> Path: ...
    def input_path(self, knit_id: str) -> Path: ...
    def digest(self, knit_id: str) -> str: ...
    def size(self, knit_id: str) -> int: ...
    def read_small_file(self, knit_id: str, name: str, limit: int) -> bytes | None: ...
    def discard(self, knit_id: str) -> None: ...
    def stream_tar(self, knit_id: str) -> Iterator[bytes]: ...
    async def sweep(self, known: Callable[[list[str]], Awaitable[set[str]]]) -> int: ...


_QUEUED_CHUNKS = 64  # received ahead of the extracting thread: a few MiB per upload


async def _take(queue: MemoryObjectReceiveStream[bytes]) -> list[bytes]:
    """The next chunk and every other one already queued; empty at the end of the upload."""
    try:
        batch = [await queue.receive()]
    except anyio.EndOfStream:
        return []
    while True:
        try:
            batch.append(queue.receive_nowait())
        except (anyio.WouldBlock, anyio.EndOfStream):
            return batch


async def _in_thread(chunks: AsyncIterator[bytes], consume: Callable[[Iterator[bytes]], T]) -> T:
    """``consume(chunks)`` in a worker thread while the event loop keeps receiving ahead; chunks
    cross in batches, one hop between the threads per batch rather than per chunk. An error of
    ``chunks`` (the upload too large, the client gone) is raised where the thread reads on."""
    send, queue = anyio.create_memory_object_stream[bytes](_QUEUED_CHUNKS)
    failures: list[Exception] = []

    async def receive() -> None:
        with send:
            try:
                async for chunk in chunks:
                    try:
                        send.send_nowait(chunk)  # no checkpoint (a turn of the event loop) per chunk
                    except anyio.WouldBlock:
                        await send.send(chunk)
            except anyio.BrokenResourceError:
                pass  # the thread stopped reading: its own error says why
            except Exception as exc:  # noqa: BLE001 - raised again in the thread, which stops reading
                failures.append(exc)

    def received() -> Iterator[bytes]:
        while batch := anyio.from_thread.run(_take, queue):
            yield from batch
        if failures:
            raise failures[0]

    outcome: list[T] = []
    error: Exception | None = None
    async with anyio.create_task_group() as group:
        group.start_soon(receive)
        try:
            outcome.append(await anyio.to_thread.run_sync(consume, received()))
        except Exception as exc:  # noqa: BLE001 - raised below as itself, not in the task group's ExceptionGroup
            error = exc
        finally:
            queue.close()
    if error is not None:
        raise error
    return outcome[0]


def _lock(folder: Path) -> int | None:
    """Take the folder's lock without waiting; None if a live process holds it."""
    fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


class LocalContentStore:
    """Content as plain directories on the local disk (the embedded default)."""

    def __init__(self, root: Path, upload_ttl_seconds: int = 3600) -> None:
        self.content = root / "content"
        self.staging = root / "staging"
        self.pending = self.content / ".pending"
        self.upload_ttl_seconds = upload_ttl_seconds
        for folder in (root, self.content, self.staging, self.pending):
            private_folder(folder)

    def path(self, knit_id: str) -> Path:
        return self.content / knit_id

    async def receive(self, chunks: AsyncIterator[bytes]) -> StagedUpload:
        """Stream a tar into staging; the upload is complete only when ``meta.json`` exists."""
        upload_id = uuid.uuid4().hex
        folder = self.staging / upload_id
        folder.mkdir()
        fd = _lock(folder)
        assert fd is not None, "a fresh staging folder cannot be locked by anyone else"
        (folder / "tree").mkdir()
        try:
            digest = await _in_thread(chunks, lambda received: extract_chunks(received, folder / "tree"))
            staged = StagedUpload(upload_id, digest.hexdigest(), digest.size)
            meta = {"digest": staged.digest, "size": staged.size, "completedAt": time.time()}
            (folder / "meta.json").write_text(json.dumps(meta))
            return staged
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        finally:
            os.close(fd)

    def commit(self, upload_id: str, knit_id: str, digest: str) -> StagedUpload:
        """Move a verified upload to ``content/<knitId>``; call :meth:`confirm` once recorded."""
        if not _UPLOAD_ID.fullmatch(upload_id):
            raise InvalidInputError(
                f"{upload_id[:40]!r} is not an upload id", "pass the uploadId that POST /api/uploads answered"
            )
        folder = self.staging / upload_id
        if not (folder / "meta.json").exists():
            raise NotFoundError(
                f"upload {upload_id} is not found (it failed, expired or was already used)",
                "push the directory again",
            )
        fd = _lock(folder)
        if fd is None:
            raise ConflictError(f"upload {upload_id} is being committed already", "wait for that push to end")
        try:
            meta = json.loads((folder / "meta.json").read_text())
            if meta["digest"] != digest:
                shutil.rmtree(folder, ignore_errors=True)
                raise InvalidInputError(
                    "checksum mismatch: the server received other content than the client sent",
                    "push again; if it repeats, check the network and the disk",
                )
            (self.pending / knit_id).touch()
            os.rename(folder / "tree", self.path(knit_id))
            shutil.rmtree(folder, ignore_errors=True)
            return StagedUpload(upload_id, meta["digest"], meta["size"])
        finally:
            os.close(fd)

    def confirm(self, knit_id: str) -> None:
        (self.pending / knit_id).unlink(missing_ok=True)

    def prepare_output(self, knit_id: str) -> Path:
        """An empty, writable folder for a Run output (kept if it exists: a restarted Run)."""
        folder = self.path(knit_id)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def input_path(self, knit_id: str) -> Path:
        """The content of a finished Data, to mount as an input; its absence is an error."""
        folder = self.path(knit_id)
        if not folder.is_dir():
            raise NotFoundError(
                f"the content of input knit#id:{knit_id} is missing from the content store",
                "every server that executes Runs must share KNITGRAPH_HOME's content folder",
            )
        return folder

    def digest(self, knit_id: str) -> str:
        """The tree digest of a finished output, recorded so that pulls can be verified."""
        return digest_directory(self.prepare_output(knit_id)).hexdigest()

    def size(self, knit_id: str) -> int:
        """The bytes of the Data's files (symlinks count nothing), as its tar stream carries them."""
        entries = (os.lstat(os.path.join(folder, name)) for folder, _, names in os.walk(self.path(knit_id))
                   for name in names)
        return sum(entry.st_size for entry in entries if stat.S_ISREG(entry.st_mode))

    def read_small_file(self, knit_id: str, name: str, limit: int) -> bytes | None:
        """A regular file at the top of the Data's folder, if there is one of at most ``limit``
        bytes; a symlink (a Run may write one pointing anywhere) or a larger file is None."""
        try:
            fd = os.open(self.path(knit_id) / name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as file:
            status = os.fstat(file.fileno())
            if not stat.S_ISREG(status.st_mode) or status.st_size > limit:
                return None
            return file.read(limit + 1)[:limit]

    def discard(self, knit_id: str) -> None:
        shutil.rmtree(self.path(knit_id), ignore_errors=True)
        self.confirm(knit_id)

    def stream_tar(self, knit_id: str) -> Iterator[bytes]:
        """The Data's content as tar chunks, read as they are sent (not hashed: the client checks
        what it receives against the digest recorded)."""
        root = self.path(knit_id)
        if not root.is_dir():
            raise NotFoundError(f"the content of knit#id:{knit_id} is missing", "the Data may have been removed")

        def chunks() -> Iterator[bytes]:
            try:
                for chunk in tar_chunks(root, None, chunk_size=CHUNK):
                    yield bytes(chunk)  # the ASGI server may hold on to it while the next is read
            except UnsafeArchiveError:
                pass  # the stream ends short: the client sees a damaged archive or a digest mismatch

        return chunks()

    def _sweep_staging(self) -> int:
        removed = 0
        for folder in self.staging.iterdir():
            fd = _lock(folder)
            if fd is None:
                continue  # a live process is receiving or committing it
            try:
                meta = folder / "meta.json"
                expired = not meta.exists() or (
                    time.time() - json.loads(meta.read_text())["completedAt"] > self.upload_ttl_seconds
                )
                if expired:
                    shutil.rmtree(folder, ignore_errors=True)
                    removed += 1
            finally:
                os.close(fd)
        return removed

    async def sweep(self, known: Callable[[list[str]], Awaitable[set[str]]]) -> int:
        """Remove dead or expired uploads and content that no Data records; returns how many."""
        removed = await anyio.to_thread.run_sync(self._sweep_staging)
        names = [entry.name for entry in self.content.iterdir() if entry.name != ".pending"]
        for start in range(0, len(names), 1000):
            batch = names[start : start + 1000]
            recorded = await known(batch)
            for knit_id in batch:
                marker = self.pending / knit_id
                if knit_id in recorded:
                    marker.unlink(missing_ok=True)
                elif not marker.exists() or time.time() - marker.stat().st_mtime > PENDING_GRACE_SECONDS:
                    await anyio.to_thread.run_sync(self.discard, knit_id)
                    removed += 1
        return removed
