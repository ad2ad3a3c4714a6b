"""A pooch downloader that fetches ``<name>.gz`` and writes the decompressed file, guarded.

Pooch calls ``downloader(url, output_file, pooch)`` and then checks the SHA-256 of
``output_file`` against its registry. Its own ``HTTPDownloader`` (requests) stores the bytes as
they come and reads whole chunks, so it can neither stop a decompression bomb nor be cancelled
while a server trickles. This one keeps our guarantees:

* **decompresses while streaming** and never inflates more than one byte past the pinned size;
  a compressed stream much larger than the file could be is abandoned (an endless stream);
* **cancellable**: ``cancel()`` is checked between reads, and each read returns what has
  arrived (``read1``), so a slow server cannot hold a cancel for more than ``timeout`` seconds;
* **read timeout** (``timeout`` per connection attempt and per read), **stall timeout** (at
  least :data:`STALL_BYTES` must arrive in every ``stall`` seconds, so a server that trickles a
  byte at a time cannot hang it) and an **overall deadline** (a ``time.monotonic()`` instant);
* **one-line failures**: everything raises :class:`MirrorFailed` (a ``ValueError``, which is what
  pooch treats as a failed attempt) with a one-line reason.

The standard library's ``urllib`` serves ``http(s)://`` and ``file://`` mirrors alike.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from typing import Any, Protocol

from ..jobs import Cancel, check_cancel

STALL_BYTES = 64 * 1024
"""At least this many compressed bytes must arrive within every ``stall`` seconds."""

_READ_CHUNK = 64 * 1024  # compressed bytes per read at most
_INFLATE_CHUNK = 1024 * 1024  # at most this many decompressed bytes per zlib call
_AGENT = "mnist-viewer"


class MirrorFailed(ValueError):
    """One mirror did not give a good copy; the message says why (one line)."""


class _Stream(Protocol):
    def read1(self, amt: int, /) -> bytes: ...
    def close(self) -> None: ...


class GunzipDownloader:
    """Pooch downloader: stream ``url`` (a gzip file), inflate it into ``output_file``.

    ``size`` is the pinned decompressed size in bytes; ``show(written)`` is called with the
    decompressed bytes written so far; ``timeout`` and ``stall`` are seconds; ``deadline`` is a
    ``time.monotonic()`` value or None. Raises :class:`MirrorFailed` (one line) on any network,
    gzip or size problem and :class:`~mnist_viewer.core.errors.Cancelled` when asked to stop.
    The hash is pooch's to check.
    """

    def __init__(
        self,
        size: int,
        show: Callable[[int], None],
        cancel: Cancel | None,
        *,
        timeout: float,
        stall: float,
        deadline: float | None,
    ) -> None:
        self.size = size
        self.show = show
        self.cancel = cancel
        self.timeout = timeout
        self.stall = stall
        self.deadline = deadline

    def __call__(self, url: str, output_file: Any, pooch: Any, check_only: bool = False) -> Any:
        if check_only:
            return True
        check_cancel(self.cancel)
        self._check_deadline(0)
        response = _open(url, self.timeout)
        try:
            with open(output_file, "wb") as out:
                self._inflate(response, out)
        finally:
            response.close()
        return None

    def _check_deadline(self, received: int) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise MirrorFailed(f"deadline passed after {received} bytes")

    def _read(self, response: _Stream, received: int) -> bytes:
        """The next bytes that have arrived (b"" at the end), guarded by cancel and the clocks."""
        import http.client

        check_cancel(self.cancel)
        self._check_deadline(received)
        try:
            chunk = response.read1(_READ_CHUNK)
        except (OSError, http.client.HTTPException) as exc:
            raise MirrorFailed(f"read failed after {received} bytes: {reason(exc)}") from None
        if not chunk and getattr(response, "length", None):  # Content-Length not reached
            raise MirrorFailed(f"truncated: connection closed after {received} bytes")
        return chunk

    def _inflate(self, response: _Stream, out: Any) -> None:
        """Stream-decompress ``response`` into ``out``; stop reading as soon as it is found bad."""
        size = self.size
        # Deflate never grows data by more than a few bytes per 16 KiB block, so a compressed
        # stream much larger than the decompressed size is not this file (or never ends).
        max_compressed = size + size // 64 + 64 * 1024
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        received = written = 0
        mark, mark_time = STALL_BYTES, time.monotonic()
        while True:
            chunk = self._read(response, received)
            if not chunk:
                break
            received += len(chunk)
            now = time.monotonic()
            if received >= mark:
                mark, mark_time = received + STALL_BYTES, now
            elif now - mark_time > self.stall:
                raise MirrorFailed(
                    f"stalled: less than {STALL_BYTES} bytes in {self.stall:g} s "
                    f"after {received} bytes"
                )
            if received > max_compressed:
                raise MirrorFailed(f"more than {max_compressed} compressed bytes")
            inflater, written = self._feed(inflater, chunk, out, written)
            self.show(written)
            if inflater.eof and written == size:
                break  # done: stop reading
        if not inflater.eof:
            raise MirrorFailed(f"truncated: gzip stream ended after {written} decompressed bytes")
        if written != size:
            raise MirrorFailed(f"decompressed to {written} bytes, expected {size}")

    def _feed(self, inflater: Any, chunk: bytes, out: Any, written: int) -> tuple[Any, int]:
        """Inflate one received chunk (bounded output per call); return (inflater, written)."""
        size = self.size
        pending = chunk
        while True:
            if inflater.eof:
                if written >= size or not pending:
                    break
                # Another gzip member follows (concatenated .gz files are valid gzip).
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            limit = min(_INFLATE_CHUNK, size - written + 1)
            try:
                data = inflater.decompress(pending, limit)
            except zlib.error as exc:
                raise MirrorFailed(f"corrupt gzip data: {exc}") from None
            if written + len(data) > size:
                raise MirrorFailed(f"inflates beyond the expected {size} bytes")
            written += len(data)
            out.write(data)
            pending = inflater.unconsumed_tail or (inflater.unused_data if inflater.eof else b"")
            # A full output buffer may leave output inside zlib even with no input left.
            if not pending and len(data) < limit:
                break
        return inflater, written


def _open(url: str, timeout: float) -> _Stream:
    import http.client
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": _AGENT})
    try:
        response: _Stream = urllib.request.urlopen(request, timeout=timeout)
        return response
    except urllib.error.HTTPError as exc:
        exc.close()
        raise MirrorFailed(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise MirrorFailed(reason(exc.reason)) from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise MirrorFailed(reason(exc)) from None


def reason(exc: object) -> str:
    """A one-line reason for an exception ("timed out" for any timeout)."""
    if isinstance(exc, TimeoutError):  # socket.timeout is TimeoutError since Python 3.10
        return "timed out"
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())
