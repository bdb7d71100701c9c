"""Folders only the server's user may enter: the knitgraph home, its content and staging, Neo4j's
files. What lies inside keeps its own modes (a Data's files keep those its archive carries, so a
Run's unprivileged task reads them through its mounts), but no other user of the host reaches it.
"""

from __future__ import annotations

from pathlib import Path

PRIVATE = 0o700


def private_folder(folder: Path) -> Path:
    """Create ``folder`` (and missing parents) if needed; make it owner-only even if it existed."""
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE)
    folder.chmod(PRIVATE)
    return folder
