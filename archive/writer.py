"""Writing a directory tree as a tar stream, hashing as it goes.

File content is read straight into one reused output buffer (no copy per member or per chunk) and
hashed there; hashlib releases the GIL on such large buffers, so hashing runs beside other threads.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from .digest import TreeDigest, link_leaves_tree
from .errors import UnsafeArchiveError

CHUNK = 1 << 20
_BLOCK = tarfile.BLOCKSIZE
_RECORD = tarfile.RECORDSIZE


def _entries(root: Path, dereference: bool) -> list[tuple[str, Path]]:
    """Every entry below root, sorted, as (archive name, path)."""
    found: list[tuple[str, Path]] = []
    for current, dirs, files in os.walk(root, followlinks=dereference):
        dirs.sort()
        base = Path(current)
        for name in sorted([*dirs, *files]):
            path = base / name
            found.append((path.relative_to(root).as_posix(), path))
    return sorted(found)


def _check_symlink(root: Path, name: str, path: Path) -> str:
    target = os.readlink(path)
    if link_leaves_tree(name, target):
        raise UnsafeArchiveError(
            f"symlink {name} points outside {root} (to {target})",
            "push with -L/--dereference to store what it points to, or remove the link",
        )
    return target


def _header(member: tarfile.TarInfo) -> bytes:
    return member.tobuf(tarfile.PAX_FORMAT, tarfile.ENCODING, "surrogateescape")


class _Output:
    """The reused buffer that chunks are cut from."""

    def __init__(self, size: int) -> None:
        self.view = memoryview(bytearray(size))
        self.filled = 0

    def room(self) -> int:
        return len(self.view) - self.filled

    def take(self) -> memoryview:
        chunk, self.filled = self.view[: self.filled], 0
        return chunk

    def put(self, data: bytes) -> Iterator[memoryview]:
        """Copy ``data`` in, handing out every chunk that fills up."""
        start = 0
        while start < len(data):
            if not self.room():
                yield self.take()
            size = min(self.room(), len(data) - start)
            self.view[self.filled : self.filled + size] = data[start : start + size]
            self.filled += size
            start += size


def _content(
    output: _Output, path: Path, size: int, sha256: hashlib._Hash | None, progress: Callable[[int], None] | None
) -> Iterator[memoryview]:
    """Exactly ``size`` bytes of the file read into ``output``: a file that grew is cut at the size its
    header declares, one that shrank is refused (its header would promise bytes that never come)."""
    with open(path, "rb", buffering=0) as file:
        remaining = size
        while remaining:
            if not output.room():
                yield output.take()
            window = output.view[output.filled : output.filled + min(remaining, output.room())]
            count = file.readinto(window)
            if not count:
                raise UnsafeArchiveError(
                    f"{path} shrank while it was read", "push again once nothing writes into the directory"
                )
            if sha256 is not None:
                sha256.update(window[:count])
            if progress is not None:
                progress(count)
            output.filled += count
            remaining -= count


def tar_chunks(
    root: Path,
    digest: TreeDigest | None,
    *,
    dereference: bool = False,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = CHUNK,
) -> Iterator[memoryview]:
    """``root``'s content (names relative to it) as a PAX tar stream, in chunks of ``chunk_size``.

    Every chunk is a view of one reused buffer, valid only until the next is asked for: write or copy
    it before that. Fills ``digest`` with the tree digest (None skips hashing: a server re-sending
    content whose digest it recorded). Symlinks are stored as symlinks unless ``dereference``; a
    symlink that leaves ``root`` raises ``UnsafeArchiveError``; so do devices, sockets and fifos.
    """
    output = _Output(chunk_size)
    written = 0
    for name, path in _entries(root, dereference):
        info = os.stat(path) if dereference else os.lstat(path)
        member = tarfile.TarInfo(name)
        member.mtime = int(info.st_mtime)
        member.mode = stat.S_IMODE(info.st_mode)
        if stat.S_ISLNK(info.st_mode):
            member.type = tarfile.SYMTYPE
            member.linkname = _check_symlink(root, name, path)
            if digest is not None:
                digest.add_symlink(name, member.linkname)
        elif stat.S_ISDIR(info.st_mode):
            member.type = tarfile.DIRTYPE
            if digest is not None:
                digest.add_dir(name)
        elif stat.S_ISREG(info.st_mode):
            member.size = info.st_size
        else:
            raise UnsafeArchiveError(
                f"{path} is neither a file, a directory nor a symlink",
                "remove devices, sockets and pipes from the directory before pushing it",
            )
        header = _header(member)
        yield from output.put(header)
        written += len(header)
        if member.isreg():
            sha256 = hashlib.sha256() if digest is not None else None
            yield from _content(output, path, member.size, sha256, progress)
            padding = -member.size % _BLOCK
            yield from output.put(tarfile.NUL * padding)
            written += member.size + padding
            if digest is not None and sha256 is not None:
                digest.add_file(name, bool(info.st_mode & 0o100), member.size, sha256.hexdigest())
    # The end-of-archive blocks, then zeros up to a whole record, as tarfile (and tar -b20) end it.
    end = 2 * _BLOCK
    yield from output.put(tarfile.NUL * (end + -(written + end) % _RECORD))
    if output.filled:
        yield output.take()


def write_tar(
    root: Path,
    out: BinaryIO,
    *,
    dereference: bool = False,
    progress: Callable[[int], None] | None = None,
) -> TreeDigest:
    """Write ``root``'s content to ``out`` (see :func:`tar_chunks`); returns its tree digest."""
    digest = TreeDigest()
    for chunk in tar_chunks(root, digest, dereference=dereference, progress=progress):
        out.write(chunk)
    return digest


def digest_directory(root: Path) -> TreeDigest:
    """The tree digest of ``root``, as a pull of it would verify (nothing is written)."""
    digest = TreeDigest()
    for _ in tar_chunks(root, digest):
        pass
    return digest
