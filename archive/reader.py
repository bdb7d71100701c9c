"""Reading a tar stream into a directory, refusing every entry that would escape it.

tarfile parses the headers (PAX, GNU long names) from a forward-only view of the stream; file content
bypasses it: each piece of the stream as it arrived is hashed and written as is, with no copy.
"""

from __future__ import annotations

import errno
import hashlib
import os
import posixpath
import sys
import tarfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, BinaryIO, cast

from .digest import TreeDigest, link_leaves_tree
from .errors import UnsafeArchiveError

CHUNK = 1 << 20


# Linux's PATH_MAX and NAME_MAX; and folders nested deeper than any real tree (each level costs a
# path lookup on every later entry).
MAX_PATH_BYTES = 4096
MAX_NAME_BYTES = 255
MAX_DEPTH = 1000
# Errors an entry itself causes (a file where its folder should be, a path too long once placed).
_ENTRY_ERRNOS = frozenset({errno.ENAMETOOLONG, errno.ENOTDIR, errno.EISDIR, errno.ENOENT, errno.ELOOP})


def _safe_name(name: str) -> str:
    normal = posixpath.normpath(name)
    if name.startswith("/") or normal == ".." or normal.startswith("../") or "\x00" in name:
        raise UnsafeArchiveError(
            f"archive entry '{name[:200]}' points outside the target directory",
            "archives must hold relative paths without '..'; create it with `knit data push`",
        )
    _check_length(normal)
    return normal


def _check_length(name: str) -> None:
    parts = name.split("/")
    if len(name.encode(errors="surrogateescape")) > MAX_PATH_BYTES or len(parts) > MAX_DEPTH:
        raise UnsafeArchiveError(
            f"archive entry '{name[:80]}…' is too long or nested too deep",
            f"keep paths within {MAX_PATH_BYTES} bytes and {MAX_DEPTH} folders deep",
        )
    if any(len(part.encode(errors="surrogateescape")) > MAX_NAME_BYTES for part in parts):
        raise UnsafeArchiveError(
            f"archive entry '{name[:80]}…' has a name longer than {MAX_NAME_BYTES} bytes",
            f"rename files and folders to at most {MAX_NAME_BYTES} bytes each",
        )


def _check_link_target(name: str, target: str) -> None:
    if not target or "\x00" in target or len(target.encode(errors="surrogateescape")) > MAX_PATH_BYTES:
        raise UnsafeArchiveError(
            f"link '{name[:200]}' has an empty, NUL-bearing or too long target",
            f"links must point somewhere, within {MAX_PATH_BYTES} bytes",
        )
    if link_leaves_tree(name, target):
        raise UnsafeArchiveError(
            f"link '{name}' points outside the target directory (to '{target}')",
            "store links that stay inside the Data, or push with -L/--dereference",
        )


def _inside(dest: Path, path: Path) -> None:
    """Writing through symlinks is fine only while the real location stays inside ``dest``."""
    real = os.path.realpath(path)
    root = os.path.realpath(dest)
    if real != root and not real.startswith(root + os.sep):
        raise UnsafeArchiveError(
            f"archive entry '{path.relative_to(dest)}' resolves outside the target directory",
            "archives must not write through links that leave the Data",
        )


class _Folders:
    """:func:`_inside` for the folders entries land in, each resolved once: only a symlink made
    since can send a folder elsewhere (hard links point to files), so making one forgets them all."""

    def __init__(self, dest: Path) -> None:
        self._dest = dest
        self._inside: set[Path] = set()

    def check(self, folder: Path) -> None:
        if folder not in self._inside:
            _inside(self._dest, folder)
            self._inside.add(folder)

    def symlink_made(self) -> None:
        self._inside.clear()


class _ChunkSource:
    """The bytes of an iterator of chunks, as the forward-only file that tarfile's ``r:`` mode reads
    headers from; :meth:`pieces` hands out file content as views of the chunks, without copying."""

    def __init__(self, chunks: Iterable[bytes | memoryview]) -> None:
        self._chunks = iter(chunks)
        self._current = memoryview(b"")
        self._position = 0

    def _more(self) -> bool:
        while not self._current:
            chunk = next(self._chunks, None)
            if chunk is None:
                return False
            self._current = memoryview(chunk)
        return True

    def _take(self, size: int) -> Iterator[memoryview]:
        """Up to ``size`` bytes; fewer only where the stream ends."""
        while size and self._more():
            piece = self._current[:size]
            self._current = self._current[len(piece) :]
            self._position += len(piece)
            size -= len(piece)
            yield piece

    def pieces(self, size: int) -> Iterator[memoryview]:
        """Exactly ``size`` bytes, each piece valid until the next is asked for."""
        for piece in self._take(size):
            size -= len(piece)
            yield piece
        if size:
            raise tarfile.ReadError("unexpected end of data")

    def read(self, size: int = -1) -> bytes:
        return b"".join(self._take(size if size >= 0 else sys.maxsize))

    def tell(self) -> int:
        return self._position

    def seekable(self) -> bool:
        return False  # forwards only (tarfile reads a sparse member through it)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence != os.SEEK_SET or offset < self._position:
            raise tarfile.ReadError("the archive's members are out of order")
        for _ in self._take(offset - self._position):
            pass
        return self._position

    def drain(self) -> None:
        """Read what follows the end of the archive (its zero padding), so that the sender finishes."""
        while self._more():
            self._current = memoryview(b"")


def _content(source: _ChunkSource, tar: tarfile.TarFile, member: tarfile.TarInfo) -> Iterator[bytes | memoryview]:
    """A regular member's bytes; a sparse one (GNU tar -S) through tarfile, which fills its holes."""
    if member.sparse is None:
        source.seek(member.offset_data)
        return source.pieces(member.size)
    sparse = tar.extractfile(member)
    assert sparse is not None
    return iter(lambda: sparse.read(CHUNK), b"")


def _copy(
    pieces: Iterator[bytes | memoryview], target: BinaryIO | None, progress: Callable[[int], None] | None
) -> tuple[int, str]:
    sha256 = hashlib.sha256()
    size = 0
    for piece in pieces:
        sha256.update(piece)
        size += len(piece)
        if target is not None:
            unwritten = memoryview(piece)
            while unwritten:
                unwritten = unwritten[target.write(unwritten) :]
        if progress is not None:
            progress(len(piece))
    return size, sha256.hexdigest()

def _read(
    chunks: Iterable[bytes | memoryview], dest: Path | None, progress: Callable[[int], None] | None
) -> TreeDigest:
    digest = TreeDigest()
    hashes: dict[str, tuple[bool, int, str]] = {}
    folders = _Folders(dest) if dest is not None else None
    name = ""
    try:
        source = _ChunkSource(chunks)
        with tarfile.open(fileobj=cast(IO[bytes], source), mode="r:") as tar:
            for member in tar:
                name = _safe_name(member.name)
                if name == ".":
                    continue
                path = dest / name if dest is not None else None
                digest.add_parents(name)
                if path is not None and folders is not None:
                    folders.check(path.parent)
                if member.isdir():
                    digest.add_dir(name)
                    if path is not None:
                        path.mkdir(parents=True, exist_ok=True)
                elif member.issym():
                    _check_link_target(name, member.linkname)
                    digest.add_symlink(name, member.linkname)
                    if path is not None and folders is not None:
                        path.parent.mkdir(parents=True, exist_ok=True)
                        os.symlink(member.linkname, path)
                        folders.symlink_made()
                elif member.islnk():
                    original = _safe_name(member.linkname)
                    if original not in hashes:
                        raise UnsafeArchiveError(
                            f"hard link '{name}' points to '{member.linkname}', which is not in the archive",
                            "hard links must point to a file stored earlier in the same archive",
                        )
                    executable, size, sha = hashes[original]
                    hashes[name] = hashes[original]
                    digest.add_file(name, executable, size, sha)
                    if path is not None:
                        path.parent.mkdir(parents=True, exist_ok=True)
                        os.link(dest / original, path)  # type: ignore[operator]
                elif member.isfile():
                    executable = bool(member.mode & 0o100)
                    content = _content(source, tar, member)
                    if path is not None:
                        path.parent.mkdir(parents=True, exist_ok=True)
                        with open(path, "xb", buffering=0) as target:
                            size, sha = _copy(content, target, progress)
                        os.chmod(path, 0o755 if executable else 0o644)
                    else:
                        size, sha = _copy(content, None, progress)
                    hashes[name] = (executable, size, sha)
                    digest.add_file(name, executable, size, sha)
                else:
                    raise UnsafeArchiveError(
                        f"archive entry '{name}' is a device or fifo",
                        "Data hold files, directories and symlinks only",
                    )
        source.drain()
    except tarfile.TarError as exc:
        raise UnsafeArchiveError(f"the archive is damaged: {exc}", "send it again") from exc
    except FileExistsError as exc:
        raise UnsafeArchiveError(
            f"archive entry '{name[:200]}' appears twice", "archives must name each path once"
        ) from exc
    except OSError as exc:
        if exc.errno not in _ENTRY_ERRNOS:
            raise  # the server's own trouble (a full disk), not the archive's
        raise UnsafeArchiveError(
            f"archive entry '{name[:200]}' cannot be stored: {os.strerror(exc.errno or 0)}",
            "archives must name each path once, keep folders and files apart, and keep paths short",
        ) from exc
    if dest is not None:
        for link in [p for p in dest.rglob("*") if p.is_symlink()]:
            _inside(dest, link)
    return digest



def _file_chunks(stream: BinaryIO) -> Iterator[bytes]:
    return iter(lambda: stream.read(CHUNK), b"")


def extract_chunks(
    chunks: Iterable[bytes | memoryview], dest: Path, *, progress: Callable[[int], None] | None = None
) -> TreeDigest:
    """Extract a tar stream, given as its chunks, into the existing directory ``dest``; returns the
    tree digest. A chunk may be a reused buffer: it is done with before the next is asked for."""
    return _read(chunks, dest, progress)


def verify_chunks(
    chunks: Iterable[bytes | memoryview], *, progress: Callable[[int], None] | None = None
) -> TreeDigest:
    """Read a tar stream, given as its chunks, without writing anything; returns its tree digest."""
    return _read(chunks, None, progress)


def extract_tar(
    stream: BinaryIO, dest: Path, *, progress: Callable[[int], None] | None = None
) -> TreeDigest:
    """Extract a tar stream into the existing directory ``dest``; returns the tree digest."""
    return _read(_file_chunks(stream), dest, progress)


def verify_tar(stream: BinaryIO, *, progress: Callable[[int], None] | None = None) -> TreeDigest:
    """Read a tar stream without writing anything; returns its tree digest (pull without -x)."""
    return _read(_file_chunks(stream), None, progress)
