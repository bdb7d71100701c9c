"""Serving: the Runs of service plans behind one stable endpoint, ``/serve/<name>/``.

``registry`` knows which Run serves each name now; ``connection`` reaches a Run's task through its
executor (a process Run's sandboxed loopback, a container's port); ``health`` waits for a new Run to
answer before it takes the traffic; ``proxy`` is the HTTP endpoint.
"""
