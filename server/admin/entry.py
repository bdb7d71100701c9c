"""The ``knitgraph`` command as installed (``knitgraph = ...entry:main``, and ``python -m`` for the
server that ``knitgraph up`` starts in the background).

The neo4j driver imports numpy, pandas and pyarrow whenever they are installed, for a DataFrame
export knitgraph never uses: with the examples' packages present that is 45 MB of the API server's
resident memory and a third of a second of its start. They are marked absent before anything is
imported, for knitgraph's own processes only (a Run is a process of its own and imports what it likes).
"""

from __future__ import annotations

import sys

for _unused in ("numpy", "pandas", "pyarrow"):
    if _unused not in sys.modules:
        sys.modules[_unused] = None  # type: ignore[assignment]  # None: "not installed", to import

from .main import main  # noqa: E402 - after the modules above are marked absent

__all__ = ["main"]

if __name__ == "__main__":
    main()
