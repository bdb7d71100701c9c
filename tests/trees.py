"""Directory trees for transfer tests, and a way to compare two of them."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def make_varied_tree(root: Path) -> Path:
    """Files of awkward sizes, nested and empty directories, an executable, symlinks inside."""
    root.mkdir(parents=True)
    sizes = {"empty.txt": 0, "one.bin": 1, "block.bin": 512, "odd.bin": 4095, "big.bin": (1 << 20) + 7}
    for name, size in sizes.items():
        (root / name).write_bytes(os.urandom(size))
    (root / "nested" / "deeper" / "deepest").mkdir(parents=True)
    (root / "nested" / "deeper" / "deepest" / "leaf.txt").write_text("leaf\n")
    (root / "empty-dir" / "also-empty").mkdir(parents=True)
    (root / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (root / "run.sh").chmod(0o755)
    (root / "names with spaces & ünïcode.txt").write_text("ok")
    os.symlink("one.bin", root / "link-to-file")
    os.symlink("nested/deeper", root / "link-to-dir")
    os.symlink("../empty.txt", root / "nested" / "link-up")
    return root


def describe(root: Path) -> dict[str, tuple[str, ...]]:
    """Everything a user would notice about a tree: kinds, contents, link targets, exec bits."""
    found: dict[str, tuple[str, ...]] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            key = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[key] = ("link", os.readlink(path))
            elif path.is_dir():
                found[key] = ("dir",)
            else:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                found[key] = ("file", digest, str(bool(path.stat().st_mode & 0o100)))
    return found
