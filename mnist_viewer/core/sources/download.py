"""Download the full MNIST into the per-user cache, verified against pinned SHA-256 sums.

Each of the four files is fetched as ``<name>.gz`` from the first mirror that gives a good
copy, decompressed while streaming and stored raw under its original name (for example
``train-images-idx3-ubyte``) in :func:`mnist_cache_path`. A copy is kept only when its
decompressed bytes have the pinned size and SHA-256; anything else (HTTP error, refused
connection, timeout, corrupt, truncated or oversized stream, checksum mismatch) falls through
to the next mirror. Standard library only; the network modules are imported on first use so
that looking at the cache stays cheap at start-up.
"""

from __future__ import annotations

import hashlib
import os
import sys
import zlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import NamedTuple, Protocol

from ..errors import DataError
from ..jobs import Cancel, Progress, atomic_path, check_cancel, report


class MnistFile(NamedTuple):
    """Pinned size and SHA-256 of one decompressed MNIST file."""

    sha256: str
    size: int


# SHA-256 and size of the DECOMPRESSED files, identical for every faithful copy of MNIST
# (the .gz archives differ between mirrors and recompressions, so they are not pinned).
MNIST_FILES: dict[str, MnistFile] = {
    "train-images-idx3-ubyte": MnistFile(
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", 47_040_016
    ),
    "train-labels-idx1-ubyte": MnistFile(
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", 60_008
    ),
    "t10k-images-idx3-ubyte": MnistFile(
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", 7_840_016
    ),
    "t10k-labels-idx1-ubyte": MnistFile(
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", 10_008
    ),
}

# Base URLs tried in order; "<name>.gz" is appended.
MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

ATTRIBUTION = (
    "MNIST database of handwritten digits by Yann LeCun, Corinna Cortes and\n"
    "Christopher J. C. Burges, distributed under CC BY-SA 3.0.\n"
    "Downloaded and verified by mnist-viewer.\n"
)

_READ_CHUNK = 64 * 1024  # compressed bytes per read
_INFLATE_CHUNK = 1024 * 1024  # at most this many decompressed bytes per zlib call
_APP = "mnist-viewer"


def cache_dir() -> Path:
    """The per-user cache folder of mnist-viewer (``MNIST_VIEWER_CACHE`` overrides it)."""
    override = os.environ.get("MNIST_VIEWER_CACHE")
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        base = Path(local) if local else Path.home() / "AppData" / "Local"
        return base / _APP / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / _APP
    xdg = os.environ.get("XDG_CACHE_HOME")
    # The XDG spec says relative paths are invalid and must be ignored.
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / _APP


def mnist_cache_path() -> Path:
    """The folder holding the four raw MNIST IDX files once downloaded."""
    return cache_dir() / "mnist"


def is_cached(dest: Path | None = None) -> bool:
    """True if all four raw files are in ``dest`` (default: the cache) with the right sizes.

    Sizes only, so it is cheap enough for start-up; :func:`download_mnist` checks the
    SHA-256 of files it keeps.
    """
    folder = Path(dest) if dest is not None else mnist_cache_path()
    for name, spec in MNIST_FILES.items():
        try:
            if (folder / name).stat().st_size != spec.size:
                return False
        except OSError:
            return False
    return True


def download_mnist(
    dest: Path | None = None,
    *,
    mirrors: Sequence[str] = MIRRORS,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    timeout: float = 30.0,
    files: Iterable[str] | None = None,
    force: bool = False,
) -> Path:
    """Download, verify and store the MNIST files in ``dest`` (default :func:`mnist_cache_path`).

    ``files`` restricts the download to some of the four names (default: all of them).
    Files already in ``dest`` with the pinned size and SHA-256 are kept unless ``force``.
    ``progress(done, total)`` counts decompressed bytes over the selected files and never goes
    backwards (a retry on the next mirror reports nothing until it passes the earlier mark).
    ``timeout`` is in seconds per connection attempt and per read.
    Returns ``dest``. Raises :class:`DataError` naming the file and every mirror's failure
    when no mirror gives a verified copy, and :class:`Cancelled` when ``cancel()`` is true;
    in both cases no temporary or partial file is left and an existing file is untouched.
    """
    names = _selected(files)
    folder = Path(dest) if dest is not None else mnist_cache_path()
    folder.mkdir(parents=True, exist_ok=True)
    total = sum(MNIST_FILES[name].size for name in names)
    meter = _Meter(progress, total)
    meter.show(0)

    for name in names:
        spec = MNIST_FILES[name]
        target = folder / name
        if not force and _verified(target, spec, cancel):
            meter.finish_file(spec.size)
            continue
        _fetch(name, spec, target, mirrors, timeout, meter, cancel)
        meter.finish_file(spec.size)

    _write_attribution(folder)
    return folder


def _selected(files: Iterable[str] | None) -> list[str]:
    if files is None:
        return list(MNIST_FILES)
    names: list[str] = []
    for item in files:
        name = item[:-3] if item.endswith(".gz") else item
        if name not in MNIST_FILES:
            known = ", ".join(MNIST_FILES)
            raise ValueError(f"unknown MNIST file {item!r} (known: {known})")
        if name not in names:
            names.append(name)
    return names


class _Meter:
    """Progress over all files that never goes backwards."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress = progress
        self.total = total
        self.base = 0  # bytes of the files already finished
        self.shown = -1

    def show(self, done_in_file: int) -> None:
        done = min(self.base + done_in_file, self.total)
        if done > self.shown:
            self.shown = done
            report(self.progress, done, self.total)

    def finish_file(self, size: int) -> None:
        self.base += size
        self.show(0)


def _verified(path: Path, spec: MnistFile, cancel: Cancel | None) -> bool:
    """True if ``path`` is a regular file with the pinned size and SHA-256."""
    try:
        if not path.is_file() or path.stat().st_size != spec.size:
            return False
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            while block := fh.read(_INFLATE_CHUNK):
                check_cancel(cancel)
                digest.update(block)
    except OSError:
        return False
    return digest.hexdigest() == spec.sha256


class _Stream(Protocol):
    def read(self, amt: int, /) -> bytes: ...
    def close(self) -> None: ...


class _MirrorFailed(Exception):
    """One mirror did not give a verified copy; the message says why (one line)."""


def _fetch(
    name: str,
    spec: MnistFile,
    target: Path,
    mirrors: Sequence[str],
    timeout: float,
    meter: _Meter,
    cancel: Cancel | None,
) -> None:
    archive = f"{name}.gz"
    if isinstance(mirrors, str):
        mirrors = (mirrors,)
    failures: list[str] = []
    for base in mirrors:
        url = base if base.endswith("/") else base + "/"
        url += archive
        check_cancel(cancel)
        try:
            response = _open(url, timeout)
            try:
                with atomic_path(target) as tmp:
                    _inflate_verified(response, tmp, spec, meter.show, cancel)
            finally:
                response.close()
            return
        except _MirrorFailed as exc:
            failures.append(f"{url}: {exc}")
    if not failures:
        raise DataError(archive, "no mirror to download from")
    raise DataError(archive, "no mirror gave a verified copy: " + "; ".join(failures))


def _open(url: str, timeout: float) -> _Stream:
    import http.client
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": _APP})
    try:
        response: _Stream = urllib.request.urlopen(request, timeout=timeout)
        return response
    except urllib.error.HTTPError as exc:
        exc.close()
        raise _MirrorFailed(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise _MirrorFailed(_reason(exc.reason)) from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise _MirrorFailed(_reason(exc)) from None


def _reason(exc: object) -> str:
    if isinstance(exc, TimeoutError):  # socket.timeout is TimeoutError since Python 3.10
        return "timed out"
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())


def _read(response: _Stream, received: int) -> bytes:
    import http.client

    try:
        return response.read(_READ_CHUNK)
    except http.client.IncompleteRead:
        raise _MirrorFailed(f"truncated: connection closed after {received} bytes") from None
    except (OSError, http.client.HTTPException) as exc:
        raise _MirrorFailed(f"read failed after {received} bytes: {_reason(exc)}") from None


def _inflate_verified(
    response: _Stream,
    tmp: Path,
    spec: MnistFile,
    show: Callable[[int], None],
    cancel: Cancel | None,
) -> None:
    """Stream-decompress ``response`` into ``tmp``; raise :class:`_MirrorFailed` unless verified.

    Never inflates more than one byte past the pinned size, and stops reading as soon as the
    stream is found bad.
    """
    # Deflate never grows data by more than a few bytes per 16 KiB block, so a compressed
    # stream much larger than the decompressed size is not an MNIST file (or never ends).
    max_compressed = spec.size + spec.size // 64 + 64 * 1024
    digest = hashlib.sha256()
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    received = 0
    written = 0
    with open(tmp, "wb") as out:
        while True:
            check_cancel(cancel)
            chunk = _read(response, received)
            if not chunk:
                break
            received += len(chunk)
            if received > max_compressed:
                raise _MirrorFailed(f"more than {max_compressed} compressed bytes")
            pending = chunk
            while True:
                if inflater.eof:
                    if written >= spec.size or not pending:
                        break
                    # Another gzip member follows (concatenated .gz files are valid gzip).
                    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                limit = min(_INFLATE_CHUNK, spec.size - written + 1)
                try:
                    data = inflater.decompress(pending, limit)
                except zlib.error as exc:
                    raise _MirrorFailed(f"corrupt gzip data: {exc}") from None
                if written + len(data) > spec.size:
                    raise _MirrorFailed(f"inflates beyond the expected {spec.size} bytes")
                written += len(data)
                digest.update(data)
                out.write(data)
                pending = inflater.unconsumed_tail or (
                    inflater.unused_data if inflater.eof else b""
                )
                # A full output buffer may leave output inside zlib even with no input left.
                if not pending and len(data) < limit:
                    break
            show(written)
            if inflater.eof and written == spec.size:
                break  # done: stop reading
    if not inflater.eof:
        raise _MirrorFailed(f"truncated: gzip stream ended after {written} decompressed bytes")
    if written != spec.size:
        raise _MirrorFailed(f"decompressed to {written} bytes, expected {spec.size}")
    got = digest.hexdigest()
    if got != spec.sha256:
        raise _MirrorFailed(f"SHA-256 mismatch (got {got[:16]}...)")


def _write_attribution(folder: Path) -> None:
    """Keep the CC BY-SA attribution next to the copy, as its licence asks."""
    target = folder / "README.txt"
    if target.exists():
        return
    with atomic_path(target) as tmp:
        tmp.write_text(ATTRIBUTION, encoding="utf-8")
