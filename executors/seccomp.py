"""The seccomp filter of a sandboxed Run, as the classic BPF program bubblewrap loads (``--seccomp FD``).

It denies (``EPERM``) the calls a task never needs and an escape always does: mounting and
pivoting, tracing other processes, new namespaces (``unshare``, ``setns``, ``clone`` with a
namespace flag), kernel keyrings, BPF and perf, io_uring, modules, kexec, swap and reboot, handles
that reach files outside the mounts (``open_by_handle_at``). ``clone3`` answers ``ENOSYS`` so that
the C library falls back to ``clone``, whose flags the filter can read. A call made through
another architecture's table (x86's 32-bit or x32 ABI) kills the task, since the numbers differ.

Written by hand, with ``struct``, rather than through libseccomp: the program is short, has no
native dependency, and its tests show what it refuses (docs/decisions.md).
"""

from __future__ import annotations

import errno
import os
import platform
import struct
from typing import Final

_LD_ABS: Final = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ: Final = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE: Final = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_JSET: Final = 0x45  # BPF_JMP | BPF_JSET | BPF_K
_RET: Final = 0x06  # BPF_RET | BPF_K
_ALLOW: Final = 0x7FFF0000
_KILL_PROCESS: Final = 0x80000000
_ERRNO: Final = 0x00050000
_NR, _ARCH, _ARG0 = 0, 4, 16  # offsets in struct seccomp_data (arg0's low half: little-endian)
_X32_BIT: Final = 0x40000000
# CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET | NEWTIME
_NAMESPACE_FLAGS: Final = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 \
    | 0x40000000 | 0x00000080

_DENIED: Final = (
    "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount",
    "fspick", "mount_setattr", "ptrace", "process_vm_readv", "process_vm_writev", "unshare", "setns",
    "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd", "io_uring_setup",
    "io_uring_enter", "io_uring_register", "kexec_load", "kexec_file_load", "init_module", "finit_module",
    "delete_module", "swapon", "swapoff", "reboot", "open_by_handle_at", "name_to_handle_at", "acct",
    "quotactl", "syslog", "lookup_dcookie", "settimeofday", "clock_settime", "adjtimex", "sethostname",
    "setdomainname", "vhangup",
)
# (AUDIT_ARCH, syscall numbers) from the kernel's unistd headers: asm/unistd_64.h, asm-generic/unistd.h.
_TABLES: Final[dict[str, tuple[int, dict[str, int]]]] = {
    "x86_64": (0xC000003E, {
        "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161, "move_mount": 429, "open_tree": 428,
        "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442, "ptrace": 101,
        "process_vm_readv": 310, "process_vm_writev": 311, "unshare": 272, "setns": 308, "keyctl": 250,
        "add_key": 248, "request_key": 249, "bpf": 321, "perf_event_open": 298, "userfaultfd": 323,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "kexec_load": 246,
        "kexec_file_load": 320, "init_module": 175, "finit_module": 313, "delete_module": 176, "swapon": 167,
        "swapoff": 168, "reboot": 169, "open_by_handle_at": 304, "name_to_handle_at": 303, "acct": 163,
        "quotactl": 179, "syslog": 103, "lookup_dcookie": 212, "settimeofday": 164, "clock_settime": 227,
        "adjtimex": 159, "sethostname": 170, "setdomainname": 171, "vhangup": 153,
        "clone": 56, "clone3": 435,
    }),
    "aarch64": (0xC00000B7, {
        "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51, "move_mount": 429, "open_tree": 428,
        "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442, "ptrace": 117,
        "process_vm_readv": 270, "process_vm_writev": 271, "unshare": 97, "setns": 268, "keyctl": 219,
        "add_key": 217, "request_key": 218, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "kexec_load": 104,
        "kexec_file_load": 294, "init_module": 105, "finit_module": 273, "delete_module": 106, "swapon": 224,
        "swapoff": 225, "reboot": 142, "open_by_handle_at": 265, "name_to_handle_at": 264, "acct": 89,
        "quotactl": 60, "syslog": 116, "lookup_dcookie": 18, "settimeofday": 170, "clock_settime": 112,
        "adjtimex": 171, "sethostname": 161, "setdomainname": 162, "vhangup": 58,
        "clone": 220, "clone3": 435,
    }),
}


class UnsupportedArchitectureError(RuntimeError):
    """No syscall table for this machine: the executor refuses to run Runs unfiltered."""


def _op(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def filter_program(machine: str | None = None) -> bytes:
    """The BPF program for ``machine`` (this one by default)."""
    machine = machine or platform.machine()
    if machine not in _TABLES:
        raise UnsupportedArchitectureError(machine)
    arch, numbers = _TABLES[machine]
    checks = [numbers[name] for name in _DENIED]
    # Tail, from the end: ALLOW, EPERM, ENOSYS; each jump counts the instructions it skips.
    body: list[tuple[int, int, str | None]] = []  # (code, k, target of the true branch)
    if machine == "x86_64":
        body.append((_JGE, _X32_BIT, "kill"))
    body += [(_JEQ, nr, "eperm") for nr in checks]
    body.append((_JEQ, numbers["clone3"], "enosys"))
    body.append((_JEQ, numbers["clone"], "clone"))
    body.append((_RET, _ALLOW, None))
    clone_at = len(body)
    body += [(_LD_ABS, _ARG0, None), (_JSET, _NAMESPACE_FLAGS, "eperm"), (_RET, _ALLOW, None)]
    targets = {"eperm": len(body), "enosys": len(body) + 1, "kill": len(body) + 2, "clone": clone_at}
    tail = [_op(_RET, _ERRNO | errno.EPERM), _op(_RET, _ERRNO | errno.ENOSYS), _op(_RET, _KILL_PROCESS)]
    program = [_op(_LD_ABS, _ARCH), _op(_JEQ, arch, jt=1), _op(_RET, _KILL_PROCESS), _op(_LD_ABS, _NR)]
    for index, (code, k, target) in enumerate(body):
        program.append(_op(code, k, jt=targets[target] - index - 1) if target else _op(code, k))
    return b"".join(program + tail)


def filter_fd() -> int:
    """A file descriptor holding the program, for ``bwrap --seccomp FD`` (the caller closes it)."""
    fd = os.memfd_create("knitgraph-seccomp")
    os.write(fd, filter_program())
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
