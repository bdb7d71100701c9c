"""Sockets made inside a sandboxed Run's network namespace: how the server reaches a service that a
process Run serves on its own loopback, which nothing else on the host can reach.

A socket belongs to the network namespace its thread was in when it was made, and keeps it. So a
thread of its own enters the Run's namespace (``setns``), makes the socket, and is left there to
end: a thread is never reused after visiting a Run's namespace. Python 3.11 has no ``os.setns``;
libc's is called through ctypes.
"""

from __future__ import annotations

import ctypes
import os
import socket
import threading

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def open_namespace(pid: int) -> int:
    """A descriptor of the network namespace of process ``pid``, held from now on: a pid can be
    reused once its process ends, a held namespace cannot become another's."""
    return os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)


def parent_of(pid: int) -> int:
    """The parent pid of ``pid`` (``/proc/<pid>/stat``); raises OSError if it has ended."""
    with open(f"/proc/{pid}/stat", "rb") as stat:
        return int(stat.read().rpartition(b")")[2].split()[1])


def _enter(namespace: int) -> None:
    if _libc.setns(namespace, CLONE_NEWNET) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"cannot enter the Run's network namespace: {os.strerror(error)}")


def socket_in(namespace: int) -> socket.socket:
    """A new TCP socket (IPv4, non-blocking) of the network namespace held by ``namespace``
    (a descriptor from :func:`open_namespace`)."""
    made: list[socket.socket] = []
    failed: list[OSError] = []

    def make() -> None:
        try:
            _enter(namespace)
            made.append(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
        except OSError as exc:  # handed to the caller's thread
            failed.append(exc)

    visitor = threading.Thread(target=make, name="knitgraph-netns", daemon=True)
    visitor.start()
    visitor.join()
    if failed:
        raise failed[0]
    made[0].setblocking(False)
    return made[0]
