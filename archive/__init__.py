"""The content wire format shared by ``knit`` and the server: a tar stream plus a tree digest.

Both sides compute the same digest over what they send and what they receive (each file's path,
kind, executable bit and SHA-256; each symlink's target; each directory), so a push or a pull is
verified end to end, whatever the byte layout of the tar.
"""

from .digest import DIGEST_HEADER, SIZE_HEADER, TreeDigest
from .errors import UnsafeArchiveError
from .reader import extract_chunks, extract_tar, verify_chunks, verify_tar
from .writer import digest_directory, tar_chunks, write_tar

__all__ = [
    "DIGEST_HEADER", "SIZE_HEADER", "TreeDigest", "UnsafeArchiveError", "digest_directory", "extract_chunks",
    "extract_tar", "tar_chunks", "verify_chunks", "verify_tar", "write_tar",
]
