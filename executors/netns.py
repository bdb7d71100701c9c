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


def _enter(namespace_file: str) -> None:
    descriptor = os.open(namespace_file, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if _libc.setns(descriptor, CLONE_NEWNET) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"cannot enter the Run's network namespace: {os.strerror(error)}")
    finally:
        os.close(descriptor)


def socket_in(namespace_file: str) -> socket.socket:
    """A new TCP socket (IPv4, non-blocking) of the network namespace at ``namespace_file``
    (``/proc/<pid>/ns/net``)."""
    made: list[socket.socket] = []
    failed: list[OSError] = []

    def make() -> None:
        try:
            _enter(namespace_file)
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
