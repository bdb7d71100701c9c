"""Moving content: a directory streamed up as tar, a Data streamed down, both verified by digest.

A thread writes (or reads) the tar through a pipe while the HTTP request streams, so nothing is
staged in memory or on disk beyond the destination itself.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from knitgraph.archive import (
    TreeDigest,
    UnsafeArchiveError,
    extract_tar,
    verify_tar,
    write_tar,
)

from .client import KnitClient
from .errors import Interrupted, KnitCliError
from .output import Progress

CHUNK = 1 << 20


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
    read_end, write_end = os.pipe()
    outcome: dict[str, Any] = {}

    def produce() -> None:
        with os.fdopen(write_end, "wb") as sink:
            try:
                outcome["digest"] = write_tar(source, sink, dereference=dereference, progress=progress.advance)
            except BrokenPipeError:
                pass  # the upload stopped; its own error says why
            except UnsafeArchiveError as exc:
                outcome["error"] = exc

    stream = os.fdopen(read_end, "rb")

    def body() -> Iterator[bytes]:
        while chunk := stream.read(CHUNK):
            yield chunk

    producer = threading.Thread(target=produce, name="knit-push", daemon=True)
    producer.start()
    try:
        receipt = client.upload(body())
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted: the upload of {source} stopped before it completed; nothing was stored",
            "push again; a Data appears only once its whole directory has arrived",
        ) from None
    except KnitCliError:
        if "error" in outcome:
            raise _unsafe(outcome["error"]) from None
        raise
    finally:
        stream.close()  # unblocks the producer if the upload stopped early
        producer.join()
        progress.close()
    if "error" in outcome:
        raise _unsafe(outcome["error"])
    digest: TreeDigest = outcome["digest"]
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


def _receive(chunks: Iterator[bytes], raw: BinaryIO | None, reader: Callable[[BinaryIO], TreeDigest]) -> str:
    """Feed the chunks to ``reader`` (in a thread) and, if given, to ``raw``; returns the digest."""
    read_end, write_end = os.pipe()
    outcome: dict[str, Any] = {}

    def consume() -> None:
        with os.fdopen(read_end, "rb") as stream:
            try:
                outcome["digest"] = reader(stream)
                while stream.read(CHUNK):
                    pass
            except UnsafeArchiveError as exc:
                outcome["error"] = exc

    consumer = threading.Thread(target=consume, name="knit-pull", daemon=True)
    consumer.start()
    try:
        with os.fdopen(write_end, "wb") as pipe:
            for chunk in chunks:
                if raw is not None:
                    raw.write(chunk)
                try:
                    pipe.write(chunk)
                except BrokenPipeError:
                    break
    finally:
        consumer.join()  # after Ctrl-C too: the closed pipe ends it, and nothing writes after a clean-up
    if "error" in outcome:
        raise _unsafe(outcome["error"])
    return str(outcome["digest"].hexdigest())


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

        def verified(tar: BinaryIO) -> TreeDigest:
            return verify_tar(tar, progress=progress.advance)

        try:
            if dest == "-":
                try:
                    received = _receive(chunks, sys.stdout.buffer, verified)
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
                    received = _receive(chunks, None, lambda raw: extract_tar(raw, partial, progress=progress.advance))
                else:
                    with open(partial, "wb") as raw:
                        received = _receive(chunks, raw, verified)
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
