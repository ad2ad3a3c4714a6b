"""gzip streams (every member) inflated in bounded pieces, never beyond what was declared.
"""

from __future__ import annotations

import os
import zlib

from ..errors import DataError

# ----------------------------------------------------------------------------------- gzip


def gunzip(path: str | os.PathLike[str], data: bytes, limit: int) -> bytes:
    """Inflate a (possibly multi-member) gzip stream to at most ``limit`` + 1 bytes.

    Members follow each other as RFC 1952 allows (``gzip -t`` accepts them); trailing zero
    padding or garbage after a complete member is ignored, as gzip does. Each member's CRC
    and size are checked by zlib. DataError naming ``path`` for corrupt or truncated data.
    """
    out: list[bytes] = []
    produced = 0
    rest = data
    while rest:
        d = zlib.decompressobj(wbits=31)
        try:
            chunk = d.decompress(rest, limit + 1 - produced)
        except zlib.error as exc:
            raise DataError(path, f"corrupt gzip data ({exc})") from None
        out.append(chunk)
        produced += len(chunk)
        if produced > limit:
            break
        if not d.eof:
            if d.unconsumed_tail:  # more output than the room we gave it
                out.append(b"\0")
                produced += 1
                break
            raise DataError(path, "truncated gzip data (the stream ends early)")
        rest = d.unused_data
        if rest and not rest.startswith(b"\x1f\x8b"):
            break  # trailing garbage after the last member, as gzip itself tolerates
    return b"".join(out)
