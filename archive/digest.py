"""The tree digest: one SHA-256 over a sorted listing of a directory tree."""

from __future__ import annotations

import hashlib
import posixpath

DIGEST_HEADER = "X-Knit-Content-Digest"
"""The HTTP header that carries a tree digest beside the tar stream it describes."""

SIZE_HEADER = "X-Knit-Content-Size"
"""The HTTP header that carries the total bytes of the files in a tar stream (not the tar's own
length, unknown until it is written): what a download's progress counts against."""


def link_leaves_tree(name: str, target: str) -> bool:
    """Whether a symlink at ``name`` (relative to a tree's root) to ``target`` points outside the tree:
    the rule both the writer and the reader enforce."""
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
    return target.startswith("/") or resolved == ".." or resolved.startswith("../")


class TreeDigest:
    """Collects entries in any order; ``hexdigest()`` sorts them, so order never matters."""

    def __init__(self) -> None:
        self._lines: dict[str, str] = {}
        self.size = 0

    def add_file(self, path: str, executable: bool, size: int, sha256: str) -> None:
        self._lines[path] = f"f {'x' if executable else '-'} {size} {sha256} {path!r}"
        self.size += size

    def add_dir(self, path: str) -> None:
        self._lines[path] = f"d {path!r}"

    def add_parents(self, path: str) -> None:
        """The folders above ``path`` that a tar may leave implicit, as extracting creates them."""
        parent = posixpath.dirname(path)
        while parent and parent not in self._lines:
            self.add_dir(parent)
            parent = posixpath.dirname(parent)

    def add_symlink(self, path: str, target: str) -> None:
        self._lines[path] = f"l {path!r} {target!r}"

    def hexdigest(self) -> str:
        listing = "\n".join(self._lines[path] for path in sorted(self._lines))
        return hashlib.sha256(listing.encode("utf-8", "surrogateescape")).hexdigest()
