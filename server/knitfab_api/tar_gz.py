"""Knitfab's transfer format: the content as a gzip-compressed tar (reference §7.4).

The content store speaks plain tar; these two generators translate on the fly, so nothing is
buffered whole.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterator

from knitgraph.graph_schema.errors import InvalidInputError

_GZIP = 16 + zlib.MAX_WBITS
_NOT_GZIP = ("the body is not a gzip-compressed tar",
             "send the directory as tar.gz (Content-Type: application/tar+gzip)")


async def gunzipped(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The tar inside a tar.gz request body (several gzip members are read one after another)."""
    inflater, partial = zlib.decompressobj(_GZIP), False
    try:
        async for chunk in chunks:
            while chunk:
                yield inflater.decompress(chunk)
                partial, chunk = not inflater.eof, inflater.unused_data
                if inflater.eof:
                    inflater = zlib.decompressobj(_GZIP)
    except zlib.error as exc:
        raise InvalidInputError(*_NOT_GZIP) from exc
    if partial:
        raise InvalidInputError("the tar.gz body ended before its end", "send it again, whole")


def gzipped(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """A tar stream compressed as it is read."""
    deflater = zlib.compressobj(6, zlib.DEFLATED, _GZIP)
    for chunk in chunks:
        compressed = deflater.compress(chunk)
        if compressed:
            yield compressed
    yield deflater.flush()
