"""Writing a directory tree as a tar stream, hashing as it goes."""

from __future__ import annotations

import hashlib
import os
import stat
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .digest import TreeDigest, link_leaves_tree
from .errors import UnsafeArchiveError

CHUNK = 1 << 20


class _HashingReader:
    def __init__(self, file: BinaryIO, progress: Callable[[int], None] | None) -> None:
        self._file = file
        self._progress = progress
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self._file.read(size)
        self.sha256.update(chunk)
        if self._progress is not None:
            self._progress(len(chunk))
        return chunk


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


def write_tar(
    root: Path,
    out: BinaryIO,
    *,
    dereference: bool = False,
    progress: Callable[[int], None] | None = None,
) -> TreeDigest:
    """Write ``root``'s content (names relative to it) to ``out``; returns its tree digest.

    Symlinks are stored as symlinks unless ``dereference``; a symlink that leaves ``root`` raises
    ``UnsafeArchiveError``. Devices, sockets and fifos are refused the same way.
    """
    digest = TreeDigest()
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT, bufsize=CHUNK) as tar:
        for name, path in _entries(root, dereference):
            info = os.stat(path) if dereference else os.lstat(path)
            member = tarfile.TarInfo(name)
            member.mtime = int(info.st_mtime)
            member.mode = stat.S_IMODE(info.st_mode)
            if stat.S_ISLNK(info.st_mode):
                member.type = tarfile.SYMTYPE
                member.linkname = _check_symlink(root, name, path)
                digest.add_symlink(name, member.linkname)
                tar.addfile(member)
            elif stat.S_ISDIR(info.st_mode):
                member.type = tarfile.DIRTYPE
                digest.add_dir(name)
                tar.addfile(member)
            elif stat.S_ISREG(info.st_mode):
                member.size = info.st_size
                with open(path, "rb") as file:
                    reader = _HashingReader(file, progress)
                    tar.addfile(member, reader)
                digest.add_file(name, bool(info.st_mode & 0o100), info.st_size, reader.sha256.hexdigest())
            else:
                raise UnsafeArchiveError(
                    f"{path} is neither a file, a directory nor a symlink",
                    "remove devices, sockets and pipes from the directory before pushing it",
                )
    return digest


class _Discard:
    def write(self, data: bytes) -> int:
        return len(data)


def digest_directory(root: Path) -> TreeDigest:
    """The tree digest of ``root``, as a pull of it would verify (nothing is written)."""
    return write_tar(root, _Discard())  # type: ignore[arg-type]
