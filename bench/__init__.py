"""knitgraph's benchmarks: ``python -m bench [NAME...]`` from the repository root (``make bench``).

Each benchmark starts its own isolated knitgraph (a temporary ``KNITGRAPH_HOME`` on free ports),
measures against a baseline on the same machine, prints a table on stdout, and cleans up after
itself.

- ``transfer``: ``knit data push`` / ``knit data pull -x`` against ``tar -c | tar -x``.
- ``projection``: tag change -> new Run and ``knit plan apply`` (cycle check included) with 100k
  Data and 1k plans, against Knitfab's 5 s projection loop.
- ``runs``: Run start overhead per executor against raw ``bwrap``/``podman run``, and the
  throughput of 1,000 trivial Runs, against Knitfab's 5 s loops.
"""
