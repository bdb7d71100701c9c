"""Moving content: a directory streamed up as tar, a Data streamed down, both verified by digest.

The tar is made (or read) chunk by chunk as the HTTP request (or response) streams, so nothing is
staged in memory or on disk beyond the destination itself.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from knitgraph.archive import (
    TreeDigest,
    UnsafeArchiveError,
    extract_chunks,
    tar_chunks,
    verify_chunks,
)

from .client import KnitClient
from .errors import Interrupted, KnitCliError
from .output import Progress


def _tree_size(root: Path, dereference: bool) -> int:
    total = 0
    for folder, _, names in os.walk(root, followlinks=dereference):
        for name in names:
            path = Path(folder) / name
            if dereference or not path.is_symlink():
                total += path.stat().st_size
    return total


def _unsafe(exc: UnsafeArchiveError) -> KnitCliError:
    return KnitCliError(exc.reason, exc.advice)


def push_directory(client: KnitClient, source: Path, tags: list[str], dereference: bool) -> dict[str, Any]:
    """Upload ``source`` and turn it into a Data with ``tags``; returns the Data as the API gives it."""
    # The folder's name: a whole path would push the counts off a narrow terminal.
    label = f"[knit data push] {source.resolve().name or source}"
    progress = Progress(label, _tree_size(source, dereference) if sys.stderr.isatty() else None)
    digest = TreeDigest()
    # Copies of the writer's reused buffer: a transport may hold on to a chunk (starlette's TestClient does).
    chunks = (bytes(chunk) for chunk in tar_chunks(source, digest, dereference=dereference, progress=progress.advance))
    try:
        receipt = client.upload(chunks)
    except UnsafeArchiveError as exc:
        raise _unsafe(exc) from None
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted: the upload of {source} stopped before it completed; nothing was stored",
            "push again; a Data appears only once its whole directory has arrived",
        ) from None
    finally:
        progress.close()
    if receipt["digest"] != digest.hexdigest():
        raise KnitCliError(
            f"checksum mismatch: the server received other content than {source} holds",
            "push again; if the directory changes while it is pushed, wait until it is complete",
        )
    try:
        pushed = client.graphql("PushData", uploadId=receipt["uploadId"], digest=digest.hexdigest(), tags=tags)
        return dict(pushed["pushData"])
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted while the server was recording {source} as a Data; it may exist or not",
            "look for it with `knit data find`, and push again if it is missing",
        ) from None


def _written_to(raw: BinaryIO, chunks: Iterable[bytes]) -> Iterator[bytes]:
    for chunk in chunks:
        raw.write(chunk)
        yield chunk


def _receive(chunks: Iterable[bytes], read: Callable[[Iterable[bytes]], TreeDigest]) -> str:
    """The digest of what ``read`` makes of the chunks."""
    try:
        return read(chunks).hexdigest()
    except UnsafeArchiveError as exc:
        raise _unsafe(exc) from None


def _mismatch(knit_id: str) -> KnitCliError:
    return KnitCliError(
        f"the content received for knit#id:{knit_id} does not match its digest; nothing was saved",
        "pull again; if it repeats, the stored content may be damaged",
    )


def _interrupted_pull(knit_id: str) -> Interrupted:
    return Interrupted(
        f"interrupted: the download of knit#id:{knit_id} stopped; nothing was saved", "pull again when ready"
    )


def pull(client: KnitClient, knit_id: str, dest: str, extract: bool) -> Path | None:
    """Download a Data into ``dest``: ``<knitId>.tar``, ``<knitId>/`` with ``extract``, or stdout."""
    with client.download(knit_id) as (expected, size, chunks):
        progress = Progress(f"[knit data pull] {knit_id}", size)

        def verified(tar: Iterable[bytes]) -> TreeDigest:
            return verify_chunks(tar, progress=progress.advance)

        try:
            if dest == "-":
                try:
                    received = _receive(_written_to(sys.stdout.buffer, chunks), verified)
                except KeyboardInterrupt:
                    raise Interrupted(
                        f"interrupted: the download of knit#id:{knit_id} stopped; what stdout got is incomplete",
                        "pull again when ready",
                    ) from None
                sys.stdout.buffer.flush()
                if received != expected:
                    raise _mismatch(knit_id)
                return None
            folder = Path(dest)
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / (knit_id if extract else f"{knit_id}.tar")
            if target.exists():
                raise KnitCliError(f"{target} exists already", "remove it, or pull into another directory")
            partial = folder / f".{target.name}.partial"
            shutil.rmtree(partial, ignore_errors=True) if partial.is_dir() else partial.unlink(missing_ok=True)
            try:
                if extract:
                    partial.mkdir()
                    received = _receive(chunks, lambda tar: extract_chunks(tar, partial, progress=progress.advance))
                else:
                    with open(partial, "wb") as raw:
                        received = _receive(_written_to(raw, chunks), verified)
                if received != expected:
                    raise _mismatch(knit_id)
            except BaseException as exc:
                shutil.rmtree(partial, ignore_errors=True) if partial.is_dir() else partial.unlink(missing_ok=True)
                if isinstance(exc, KeyboardInterrupt):
                    raise _interrupted_pull(knit_id) from None
                raise
            os.rename(partial, target)
            return target
        finally:
            progress.close()
