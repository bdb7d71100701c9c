"""The two tables of issue 18, filled in as the benchmarks of one ``make bench`` run measure them.

Each benchmark records its headline figures here with :func:`record`; ``python -m bench`` prints
the collected rows at the end, so one run shows every goal next to its peer or limit. A peer is
always one of: ``measured`` (in this run, side by side), ``recorded`` (measured once on this machine
and kept as a constant, e.g. real Knitfab v1.6.1, which the benchmark cannot build), ``design`` (a
figure that follows from the peer's design, e.g. a 5 s polling loop), ``published`` (a figure from
the peer's own reports) or ``emulated`` (the peer's access pattern replayed on knitgraph).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .harness import print_table

Table = Literal["goals", "knitfab"]
PeerKind = Literal["measured", "recorded", "design", "published", "emulated", "limit"]


@dataclass(frozen=True)
class Score:
    table: Table
    metric: str
    figure: str
    peer: str
    peer_kind: PeerKind
    ratio: str
    goal: str
    met: bool


SCORES: list[Score] = []


def record(score: Score) -> None:
    SCORES.append(score)


def times(peer: float, ours: float) -> str:
    """How many times faster knitgraph is (peer time / our time), e.g. ``"3.2x"``."""
    if ours <= 0:
        return "-"
    ratio = peer / ours
    return f"{ratio:.0f}x" if ratio >= 10 else f"{ratio:.2f}x"


def duration(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def print_scorecard() -> None:
    """Both tables, with a row for each metric that was measured in this run."""
    titles = {
        "goals": "issue 18: knitgraph against its limits and peers",
        "knitfab": "issue 18: call by call against real Knitfab v1.6.1 (its figures recorded on this machine)",
    }
    for table, title in titles.items():
        rows = [s for s in SCORES if s.table == table]
        if not rows:
            continue
        print(f"\n== scorecard: {title}")
        print_table(
            ["metric", "knitgraph", "peer or limit", "ratio", "goal", "met"],
            [[s.metric, s.figure, f"{s.peer} ({s.peer_kind})", s.ratio, s.goal, "yes" if s.met else "NO"]
             for s in rows],
        )
    print("(ratio: peer / knitgraph for times, knitgraph / peer for rates; above 1 means knitgraph is ahead)")
