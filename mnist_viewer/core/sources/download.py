"""Download the full MNIST into the per-user cache with pooch, verified against pinned SHA-256.

What pooch does here: it holds the **registry** (file name -> SHA-256 of the decompressed file,
:data:`REGISTRY`) and the URL of each file on a mirror, runs the download into a temporary file,
**checks the SHA-256** against the registry, moves the file into place only when it matches,
and retries a failed attempt (``retries``). Pooch is the field's standard for verified data
downloads; we do not keep our own hash-and-rename loop.

What we keep on top, and why:

* **Decompressed sums, not archive sums.** Each file is fetched as ``<name>.gz`` and stored raw
  under its original name (``train-images-idx3-ubyte``); the registry pins the decompressed
  bytes, which are the same for every faithful copy of MNIST, while the ``.gz`` archives differ
  between mirrors and recompressions (a downloader pinning the archives would refuse a verified
  recompressed copy, such as the shared one in ``../shared/data/mnist``). The streaming
  decompression is :class:`~.gunzip_downloader.GunzipDownloader`, a pooch downloader that also
  refuses decompression bombs and endless streams, checks ``cancel`` between reads and has read,
  stall and overall timeouts (pooch's requests-based downloader reads whole chunks and cannot).
* **Mirrors.** Pooch has one URL per file; we try :data:`MIRRORS` in order and fall through to
  the next on any failure, and report every mirror's failure on one line in a
  :class:`DataError`.
* **Atomic, never destructive.** Pooch downloads into a private hidden staging folder beside the
  target; only a verified file is renamed over the target (``os.replace``), so a failed or
  cancelled download leaves nothing behind and never removes or alters a file already there.
* **Our cache location.** :func:`cache_dir` (``MNIST_VIEWER_CACHE`` overrides it) is kept
  rather than ``pooch.os_cache``: the platformdirs location differs on Windows
  (``<Local>/mnist-viewer/mnist-viewer/Cache``) and existing caches must stay valid.
* **A cheap, honest** :func:`is_cached`: the SHA-256 of each cached file is checked once and the
  result remembered in ``verified.json`` keyed by size and modification time, so start-up stays
  fast and a damaged cache is never trusted.

Pooch (and its requests import) is loaded on first download only, so looking at the cache stays
cheap at start-up.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import DataError
from ..jobs import Cancel, Progress, atomic_path, check_cancel, report
from .gunzip_downloader import GunzipDownloader, MirrorFailed, reason


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

REGISTRY: dict[str, str] = {name: f"sha256:{f.sha256}" for name, f in MNIST_FILES.items()}
"""The pooch registry: raw file name -> "sha256:<hex>" of the decompressed file."""

ATTRIBUTION = (
    "MNIST database of handwritten digits by Yann LeCun, Corinna Cortes and\n"
    "Christopher J. C. Burges, distributed under CC BY-SA 3.0.\n"
    "Downloaded and verified by mnist-viewer.\n"
)

_HASH_CHUNK = 1024 * 1024
_APP = "mnist-viewer"
_MEMO = "verified.json"  # name -> [size, mtime_ns, sha256] of files whose hash was checked


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
    """True if all four raw files are in ``dest`` (default: the cache) with the pinned SHA-256.

    A file's hash is computed once (about 0.2 s for all four) and remembered in ``verified.json``
    in the folder, keyed by size and modification time (ns), so later calls only ``stat``.
    A file of the wrong size, changed since its check, or with another hash is not trusted.
    """
    folder = Path(dest) if dest is not None else mnist_cache_path()
    memo = _load_memo(folder)
    before = dict(memo)
    try:
        return all(_verified(folder / name, memo, None) for name in MNIST_FILES)
    finally:
        if memo != before:
            _save_memo(folder, memo)


def download_mnist(
    dest: Path | None = None,
    *,
    mirrors: Sequence[str] = MIRRORS,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    timeout: float = 30.0,
    stall: float = 60.0,
    deadline: float | None = 3600.0,
    retries: int = 0,
    files: Iterable[str] | None = None,
    force: bool = False,
) -> Path:
    """Download, verify and store the MNIST files in ``dest`` (default :func:`mnist_cache_path`).

    ``files`` restricts the download to some of the four names (default: all of them).
    Files already in ``dest`` with the pinned size and SHA-256 are kept unless ``force``.
    ``progress(done, total)`` counts decompressed bytes over the selected files and never goes
    backwards (a retry on the next mirror reports nothing until it passes the earlier mark).
    Seconds: ``timeout`` per connection attempt and per read; ``stall``: at least 64 KiB must
    arrive in every ``stall`` seconds; ``deadline``: the whole call (None: no limit).
    ``retries``: extra attempts per mirror (pooch's ``retry_if_failed``; it waits 1 s, 2 s, …).
    Returns ``dest``. Raises :class:`DataError` naming the file and every mirror's failure
    when no mirror gives a verified copy (one line), and :class:`Cancelled` when ``cancel()``
    is true; in both cases no temporary or partial file is left and an existing file is
    untouched.
    """
    names = _selected(files)
    folder = Path(dest) if dest is not None else mnist_cache_path()
    folder.mkdir(parents=True, exist_ok=True)
    ends = None if deadline is None else time.monotonic() + deadline
    total = sum(MNIST_FILES[name].size for name in names)
    meter = _Meter(progress, total)
    meter.show(0)
    memo = _load_memo(folder)

    for name in names:
        target = folder / name
        if force or not _verified(target, memo, cancel):
            downloader = GunzipDownloader(
                MNIST_FILES[name].size, meter.show, cancel,
                timeout=timeout, stall=stall, deadline=ends,
            )
            _fetch(name, folder, mirrors, downloader, retries, cancel)
            memo[name] = _stamp(target)
            _save_memo(folder, memo)
        meter.finish_file(MNIST_FILES[name].size)

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


# --------------------------------------------------------------------------- verification memo


def _stamp(path: Path) -> list[Any]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, MNIST_FILES[path.name].sha256]


def _verified(path: Path, memo: dict[str, Any], cancel: Cancel | None) -> bool:
    """True if ``path`` is a regular file with the pinned size and SHA-256 (memo updated)."""
    spec = MNIST_FILES[path.name]
    try:
        if not path.is_file() or path.stat().st_size != spec.size:
            return False
        stamp = _stamp(path)
        if memo.get(path.name) == stamp:
            return True
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            while block := fh.read(_HASH_CHUNK):
                check_cancel(cancel)
                digest.update(block)
    except OSError:
        return False
    if digest.hexdigest() != spec.sha256:
        memo.pop(path.name, None)
        return False
    memo[path.name] = stamp
    return True


def _load_memo(folder: Path) -> dict[str, Any]:
    try:
        memo = json.loads((folder / _MEMO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return memo if isinstance(memo, dict) else {}


def _save_memo(folder: Path, memo: dict[str, Any]) -> None:
    """Remember verified files; a read-only cache folder only costs a re-check next time."""
    with contextlib.suppress(OSError, DataError), atomic_path(folder / _MEMO) as tmp:
        tmp.write_text(json.dumps(memo, indent=1), encoding="utf-8")


# --------------------------------------------------------------------------- one file, via pooch


def _fetch(
    name: str,
    folder: Path,
    mirrors: Sequence[str],
    downloader: GunzipDownloader,
    retries: int,
    cancel: Cancel | None,
) -> None:
    """Fetch ``name`` from the first mirror giving a verified copy and put it in ``folder``."""
    import pooch

    archive = f"{name}.gz"
    if isinstance(mirrors, str):
        mirrors = (mirrors,)
    failures: list[str] = []
    for base in mirrors:
        url = (base if base.endswith("/") else base + "/") + archive
        check_cancel(cancel)
        staging = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".part", dir=folder))
        try:
            store = pooch.create(
                path=staging, base_url="", registry={name: REGISTRY[name]},
                urls={name: url}, retry_if_failed=retries,
            )
            with _quiet(pooch):
                fetched = store.fetch(name, downloader=downloader)
            with atomic_path(folder / name) as tmp:
                shutil.copymode(tmp, fetched)  # the usual permissions, not the staging 0600
                os.replace(fetched, tmp)
            return
        except MirrorFailed as exc:
            failures.append(f"{url}: {exc}")
        except ValueError as exc:  # pooch's hash check
            failures.append(f"{url}: {_hash_failure(exc)}")
        except OSError as exc:  # pooch's temporary file or the final rename
            raise DataError(folder / name, f"cannot store the download: {reason(exc)}") from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    if not failures:
        raise DataError(archive, "no mirror to download from")
    raise DataError(archive, "no mirror gave a verified copy: " + "; ".join(failures))


def _hash_failure(exc: ValueError) -> str:
    import re

    found = re.search(r"\(([0-9a-f]{64})\)", str(exc))
    return "SHA-256 mismatch" + (f" (got {found.group(1)[:16]}...)" if found else "")


@contextlib.contextmanager
def _quiet(pooch: Any) -> Any:
    """Pooch logs every download to stderr; the progress callback is our only voice."""
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel("WARNING")
    try:
        yield
    finally:
        logger.setLevel(level)


def _write_attribution(folder: Path) -> None:
    """Keep the CC BY-SA attribution next to the copy, as its licence asks."""
    target = folder / "README.txt"
    if target.exists():
        return
    with atomic_path(target) as tmp:
        tmp.write_text(ATTRIBUTION, encoding="utf-8")
