"""knitgraph's benchmarks: ``python -m bench [NAME...]`` from the repository root (``make bench``).

Each benchmark starts its own isolated knitgraph (a temporary ``KNITGRAPH_HOME`` on free ports),
measures against a baseline on the same machine, prints a table on stdout, and cleans up after
itself. ``transfer``: ``knit data push`` / ``knit data pull -x`` against ``tar -c | tar -x``.
"""
