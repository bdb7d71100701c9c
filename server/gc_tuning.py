"""The server's garbage-collector thresholds.

A large GraphQL answer (a 10,000-node lineage) allocates a few hundred thousand lists, dicts and
objects; with Python's default thresholds (700, 10, 10) that sets off hundreds of collections,
the older generations' each walking every live object of the server, and doubled the time of
decoding the Neo4j answer and writing the GraphQL one. Collections every 50,000 allocations keep
the pauses rare; what they leave for later is a few megabytes at most, and knitgraph's answers hold
few reference cycles.
"""

from __future__ import annotations

import gc
from typing import Final

THRESHOLDS: Final = (50_000, 20, 20)


def tune_gc() -> None:
    gc.set_threshold(*THRESHOLDS)
