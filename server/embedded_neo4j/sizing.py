"""How much memory the embedded Neo4j takes: a page cache sized to its store, a heap that grows
only as queries need it and is handed back when the server is idle.

Neo4j reads the graph through its page cache; a cache larger than the store holds nothing more, so
``auto`` gives it the store's size with room to grow (:data:`GROWTH`), between :data:`MIN_MIB` and
:data:`MAX_MIB`, recomputed at every start. The heap starts at :data:`INITIAL_HEAP` (the JVM's
default is 1/64 of the machine's memory, committed at once) and G1 returns unused heap to the system
after :data:`IDLE_GC_MS` of quiet, so an idle install holds what it uses, not its maximum.
"""

from __future__ import annotations

import os
from pathlib import Path

MIB = 1 << 20
MIN_MIB = 64
MAX_MIB = 4096
GROWTH = 1.5
INITIAL_HEAP = "64m"
IDLE_GC_MS = 30_000


def store_bytes(data_dir: Path) -> int:
    """The bytes of the database store files under ``data/databases`` (transaction logs excluded)."""
    total = 0
    for folder, _, names in os.walk(data_dir / "databases"):
        for name in names:
            try:
                total += (Path(folder) / name).stat().st_size
            except OSError:  # a file Neo4j removed while we looked
                continue
    return total


def page_cache(setting: str, data_dir: Path) -> str:
    """The ``server.memory.pagecache.size`` for the setting: as given, or sized to the store."""
    if setting != "auto":
        return setting
    wanted = int(store_bytes(data_dir) * GROWTH / MIB) + 1
    return f"{min(MAX_MIB, max(MIN_MIB, wanted))}m"


def jvm_memory_flags(max_heap: str) -> list[str]:
    return [
        f"-Xms{INITIAL_HEAP}", f"-Xmx{max_heap}", "-XX:+UseG1GC", f"-XX:G1PeriodicGCInterval={IDLE_GC_MS}",
        # after a collection, keep at most 30 % of the heap free (the JVM's default keeps 70 %)
        "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30", "-XX:+ExitOnOutOfMemoryError",
    ]
