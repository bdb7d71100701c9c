"""``python -m bench [NAME...]``: run the named benchmarks (default: all of them) in turn."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from . import api, console, lineage, projection, runs, scale, transfer
from .harness import BenchError
from .scorecard import print_scorecard

BENCHMARKS: dict[str, Callable[[], None]] = {
    "transfer": transfer.run,
    "projection": projection.run,
    "runs": runs.run,
    "lineage": lineage.run,
    "console": console.run,
    "api": api.run,
    "scale": scale.run,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}"
    )
    names: list[str] = parser.parse_args(argv).names or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)} (choose from {', '.join(BENCHMARKS)})")
    failed: list[str] = []
    for name in names:
        try:
            BENCHMARKS[name]()
        except BenchError as exc:
            sys.stderr.write(f"[bench] {name} FAILED: {exc}\n")
            failed.append(name)
    print_scorecard()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
