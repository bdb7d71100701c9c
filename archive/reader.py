"""Reading a tar stream into a directory, refusing every entry that would escape it."""

from __future__ import annotations

import errno
import hashlib
import os
import posixpath
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, BinaryIO

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


def _copy(source: IO[bytes], target: BinaryIO | None, progress: Callable[[int], None] | None) -> tuple[int, str]:
    sha256 = hashlib.sha256()
    size = 0
    while chunk := source.read(CHUNK):
        sha256.update(chunk)
        size += len(chunk)
        if target is not None:
            target.write(chunk)
        if progress is not None:
            progress(len(chunk))
    return size, sha256.hexdigest()


def _read(
    stream: BinaryIO, dest: Path | None, progress: Callable[[int], None] | None
) -> TreeDigest:
    digest = TreeDigest()
    hashes: dict[str, tuple[bool, int, str]] = {}
    name = ""
    try:
        with tarfile.open(fileobj=stream, mode="r|", bufsize=CHUNK) as tar:
            for member in tar:
                name = _safe_name(member.name)
                if name == ".":
                    continue
                path = dest / name if dest is not None else None
                digest.add_parents(name)
                if path is not None:
                    _inside(dest, path.parent)  # type: ignore[arg-type]
                if member.isdir():
                    digest.add_dir(name)
                    if path is not None:
                        path.mkdir(parents=True, exist_ok=True)
                elif member.issym():
                    _check_link_target(name, member.linkname)
                    digest.add_symlink(name, member.linkname)
                    if path is not None:
                        path.parent.mkdir(parents=True, exist_ok=True)
                        os.symlink(member.linkname, path)
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
                    source = tar.extractfile(member)
                    assert source is not None
                    if path is not None:
                        path.parent.mkdir(parents=True, exist_ok=True)
                        with open(path, "xb") as target:
                            size, sha = _copy(source, target, progress)
                        os.chmod(path, 0o755 if executable else 0o644)
                    else:
                        size, sha = _copy(source, None, progress)
                    hashes[name] = (executable, size, sha)
                    digest.add_file(name, executable, size, sha)
                else:
                    raise UnsafeArchiveError(
                        f"archive entry '{name}' is a device or fifo",
                        "Data hold files, directories and symlinks only",
                    )
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


def extract_tar(
    stream: BinaryIO, dest: Path, *, progress: Callable[[int], None] | None = None
) -> TreeDigest:
    """Extract a tar stream into the existing directory ``dest``; returns the tree digest."""
    return _read(stream, dest, progress)


def verify_tar(stream: BinaryIO, *, progress: Callable[[int], None] | None = None) -> TreeDigest:
    """Read a tar stream without writing anything; returns its tree digest (pull without -x)."""
    return _read(stream, None, progress)
