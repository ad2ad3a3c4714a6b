"""download_mnist against a real HTTP server on 127.0.0.1 serving the shared MNIST files."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.server
import itertools
import os
import re
import socket
import sys
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from mnist_viewer.core.errors import Cancelled, DataError
from mnist_viewer.core.sources import download

TRAIN_LABELS = "train-labels-idx1-ubyte"
TEST_LABELS = "t10k-labels-idx1-ubyte"
TEST_IMAGES = "t10k-images-idx3-ubyte"


def pinned_sums(full_mnist_dir: Path) -> dict[str, tuple[str, int]]:
    """The SHA-256 and size table, read from the shared data README (not from the code)."""
    text = (full_mnist_dir / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\s*([0-9a-f]{64})\s+(\S+)\s+\(([\d,]+) bytes\)", text, re.MULTILINE)
    return {name: (sha, int(size.replace(",", ""))) for sha, name, size in rows}


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or "part" in p.name)


class _Server:
    """Routes: /<mode>/<name>.gz with mode good, corrupt, wrong, truncated, cut, bomb, endless,
    slow, trickle, status404, status500. Records every requested path."""

    ENDLESS_CAP = 16 * 1024 * 1024  # compressed bytes; about 16 GB once inflated

    def __init__(self, full_mnist_dir: Path) -> None:
        self.full_mnist_dir = full_mnist_dir
        self.requests: list[str] = []
        self.release = threading.Event()
        self.endless_done = threading.Event()
        self.endless_sent: list[tuple[int, bool]] = []  # (bytes sent, client hung up)
        self.trickle_done = threading.Event()
        self.trickle_sent: list[tuple[int, bool]] = []  # (bytes sent, client hung up)
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append(self.path)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    server.respond(self)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.port}/{mode}/"

    def respond(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        _, mode, archive = handler.path.split("/", 2)
        source = self.full_mnist_dir / archive
        if mode.startswith("status"):
            handler.send_error(int(mode[len("status") :]))
            return
        if mode == "slow":
            self.release.wait(10)
            return
        if mode == "endless":
            self.send_endless(handler)
            return
        if mode == "trickle":
            self.send_trickle(handler, source.read_bytes())
            return
        if not source.is_file():
            handler.send_error(404)
            return
        body = source.read_bytes()
        length = len(body)
        if mode == "corrupt":
            mid = len(body) // 2
            body = body[:mid] + bytes(b ^ 0x5A for b in body[mid : mid + 64]) + body[mid + 64 :]
        elif mode == "wrong":
            # Valid gzip, right size, wrong content: one label changed.
            raw = bytearray(gzip.decompress(body))
            raw[-1] = (raw[-1] + 1) % 10
            body = gzip.compress(bytes(raw), compresslevel=1)
            length = len(body)
        elif mode == "truncated":
            body = body[: len(body) // 2]
            length = len(body)
        elif mode == "cut":
            body = body[: len(body) // 2]  # Content-Length promises the whole file
        elif mode == "bomb":
            body = gzip.compress(bytes(16 * 1024 * 1024), compresslevel=9)
            length = len(body)
        elif mode != "good":
            handler.send_error(400)
            return
        handler.send_response(200)
        handler.send_header("Content-Type", "application/gzip")
        handler.send_header("Content-Length", str(length))
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(body)
        handler.close_connection = True

    def send_endless(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        """A gzip stream of zeros that never ends (up to ENDLESS_CAP compressed bytes)."""
        packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        zeros = bytes(1 << 20)
        head = packer.compress(zeros) + packer.flush(zlib.Z_SYNC_FLUSH)
        # Once the window is all zeros every further megabyte compresses to the same bytes.
        piece = packer.compress(zeros) + packer.flush(zlib.Z_SYNC_FLUSH)
        sent, hung_up = 0, False
        try:
            handler.send_response(200)
            handler.send_header("Connection", "close")
            handler.end_headers()
            handler.wfile.write(head)
            sent = len(head)
            while sent < self.ENDLESS_CAP:
                handler.wfile.write(piece)
                handler.wfile.flush()
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            hung_up = True
        finally:
            handler.close_connection = True
            self.endless_sent.append((sent, hung_up))
            self.endless_done.set()

    def send_trickle(self, handler: http.server.BaseHTTPRequestHandler, body: bytes) -> None:
        """The real file, one byte every 10 ms (never stalls a per-read timeout)."""
        sent, hung_up = 0, False
        try:
            handler.send_response(200)
            handler.send_header("Content-Length", str(len(body)))
            handler.send_header("Connection", "close")
            handler.end_headers()
            while sent < len(body) and not self.release.wait(0.01):
                handler.wfile.write(body[sent : sent + 1])
                sent += 1
        except (BrokenPipeError, ConnectionResetError):
            hung_up = True
        finally:
            handler.close_connection = True
            self.trickle_sent.append((sent, hung_up))
            self.trickle_done.set()

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def server(full_mnist_dir: Path) -> Iterator[_Server]:
    srv = _Server(full_mnist_dir)
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def refused_url() -> str:
    """A base URL on a port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


@pytest.fixture(scope="module")
def full_download(server: _Server, tmp_path_factory: pytest.TempPathFactory):
    """The one download of all four files in this module (train images are ~10 MB gz)."""
    dest = tmp_path_factory.mktemp("full") / "mnist"
    calls: list[tuple[int, int]] = []
    result = download.download_mnist(
        dest, mirrors=[server.url("good")], progress=lambda d, t: calls.append((d, t))
    )
    return dest, result, calls


# --- successful download ---------------------------------------------------------------------


def test_full_download_is_verified(full_download, full_mnist_dir: Path) -> None:
    dest, result, _ = full_download
    assert result == dest
    sums = pinned_sums(full_mnist_dir)
    assert len(sums) == 4
    for name, (sha, size) in sums.items():
        path = dest / name
        assert path.stat().st_size == size
        assert sha256_of(path) == sha
        # independently: the shared .gz, decompressed by the standard library
        with gzip.open(full_mnist_dir / f"{name}.gz", "rb") as fh:
            assert hashlib.sha256(fh.read()).hexdigest() == sha256_of(path)
    assert download.is_cached(dest)
    assert leftovers(dest) == []


def test_pinned_table_matches_shared_readme(full_mnist_dir: Path) -> None:
    table = {n: (f.sha256, f.size) for n, f in download.MNIST_FILES.items()}
    assert table == pinned_sums(full_mnist_dir)


def test_progress_is_monotonic_and_reaches_total(full_download, full_mnist_dir: Path) -> None:
    _, _, calls = full_download
    total = sum(size for _, size in pinned_sums(full_mnist_dir).values())
    assert calls, "no progress reported"
    assert {t for _, t in calls} == {total}
    done = [d for d, _ in calls]
    assert all(b >= a for a, b in itertools.pairwise(done))
    assert done[-1] == total
    assert len(calls) > 10  # reported while streaming, not only at the end


def test_verified_files_are_not_downloaded_again(
    full_download, server: _Server, full_mnist_dir: Path
) -> None:
    dest, _, _ = full_download
    before = len(server.requests)
    calls: list[tuple[int, int]] = []
    download.download_mnist(
        dest, mirrors=[server.url("good")], progress=lambda d, t: calls.append((d, t))
    )
    assert len(server.requests) == before
    total = sum(size for _, size in pinned_sums(full_mnist_dir).values())
    assert calls[-1] == (total, total)


def test_default_destination_is_the_cache(server: _Server, full_mnist_dir: Path) -> None:
    result = download.download_mnist(mirrors=[server.url("good")], files=[TEST_LABELS])
    assert result == download.mnist_cache_path()
    sha, size = pinned_sums(full_mnist_dir)[TEST_LABELS]
    assert sha256_of(result / TEST_LABELS) == sha
    assert (result / TEST_LABELS).stat().st_size == size
    assert not download.is_cached()  # only one of four files
    assert "CC BY-SA" in (result / "README.txt").read_text(encoding="utf-8")


def test_files_accepts_gz_names_and_rejects_unknown(server: _Server, tmp_path: Path) -> None:
    download.download_mnist(tmp_path, mirrors=[server.url("good")], files=[f"{TEST_LABELS}.gz"])
    assert (tmp_path / TEST_LABELS).is_file()
    with pytest.raises(ValueError, match="unknown"):
        download.download_mnist(tmp_path, mirrors=[server.url("good")], files=["nope"])


def test_mirror_without_trailing_slash(server: _Server, tmp_path: Path) -> None:
    download.download_mnist(tmp_path, mirrors=[server.url("good").rstrip("/")], files=[TEST_LABELS])
    assert (tmp_path / TEST_LABELS).is_file()


# --- cancel ----------------------------------------------------------------------------------


def test_cancel_halfway_leaves_nothing(server: _Server, tmp_path: Path) -> None:
    seen: list[int] = []
    total = download.MNIST_FILES[TEST_IMAGES].size

    def progress(done: int, t: int) -> None:
        seen.append(done)

    def cancel() -> bool:
        return bool(seen) and seen[-1] >= total // 2

    with pytest.raises(Cancelled):
        download.download_mnist(
            tmp_path,
            mirrors=[server.url("good")],
            files=[TEST_IMAGES],
            progress=progress,
            cancel=cancel,
        )
    assert total // 2 <= seen[-1] < total
    assert list(tmp_path.iterdir()) == []


def test_cancel_before_start(server: _Server, tmp_path: Path) -> None:
    with pytest.raises(Cancelled):
        download.download_mnist(
            tmp_path, mirrors=[server.url("good")], files=[TEST_LABELS], cancel=lambda: True
        )
    assert list(tmp_path.iterdir()) == []


# --- a server that trickles -----------------------------------------------------------------


def test_cancel_stops_a_trickling_download(server: _Server, tmp_path: Path) -> None:
    server.trickle_done.clear()
    asked = itertools.count()
    with pytest.raises(Cancelled):
        download.download_mnist(
            tmp_path,
            mirrors=[server.url("trickle")],
            files=[TEST_LABELS],
            cancel=lambda: next(asked) >= 20,  # cancel is asked between reads of a few bytes
        )
    assert list(tmp_path.iterdir()) == []
    assert server.trickle_done.wait(30)
    sent, hung_up = server.trickle_sent[-1]
    assert hung_up, "the client kept the connection after cancel"
    assert sent < 4517  # the whole archive was never sent


@pytest.mark.parametrize(
    ("options", "reason"),
    [({"stall": 0.2}, r"stalled: less than 65536 bytes in 0.2 s"), ({"deadline": 0.3}, "deadline")],
)
def test_trickling_server_fails_on_stall_or_deadline(
    server: _Server, tmp_path: Path, options: dict[str, float], reason: str
) -> None:
    with pytest.raises(DataError) as info:
        download.download_mnist(
            tmp_path, mirrors=[server.url("trickle")], files=[TEST_LABELS], timeout=5, **options
        )
    assert re.search(reason, info.value.problem), info.value.problem
    assert "\n" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


# --- bad mirrors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("corrupt", r"corrupt|inflates beyond|truncated|SHA-256"),
        ("wrong", r"SHA-256 mismatch"),
        ("truncated", r"truncated"),
        ("cut", r"truncated"),
        ("status404", r"HTTP 404"),
        ("status500", r"HTTP 500"),
        ("bomb", r"inflates beyond the expected 60008 bytes"),
    ],
)
def test_bad_mirror_fails_cleanly(server: _Server, tmp_path: Path, mode: str, reason: str) -> None:
    seen: list[tuple[int, int]] = []
    with pytest.raises(DataError) as info:
        download.download_mnist(
            tmp_path,
            mirrors=[server.url(mode)],
            files=[TRAIN_LABELS],
            progress=lambda d, t: seen.append((d, t)),
        )
    err = info.value
    assert err.path == f"{TRAIN_LABELS}.gz"
    assert server.url(mode) + f"{TRAIN_LABELS}.gz" in err.problem
    assert re.search(reason, err.problem), err.problem
    assert "\n" not in str(err)
    assert list(tmp_path.iterdir()) == []
    # never reported (so never inflated) more than the file's real size
    assert all(d <= t == 60_008 for d, t in seen)


def test_endless_gzip_stream_is_abandoned_early(server: _Server, tmp_path: Path) -> None:
    server.endless_done.clear()
    with pytest.raises(DataError, match="inflates beyond"):
        download.download_mnist(tmp_path, mirrors=[server.url("endless")], files=[TEST_LABELS])
    assert server.endless_done.wait(30)
    sent, hung_up = server.endless_sent[-1]
    assert hung_up, f"client read all {sent} bytes of an endless stream"
    assert sent < server.ENDLESS_CAP
    assert list(tmp_path.iterdir()) == []


def test_timeout_and_refused_connection_fail(
    server: _Server, refused_url: str, tmp_path: Path
) -> None:
    with pytest.raises(DataError) as info:
        download.download_mnist(
            tmp_path,
            mirrors=[refused_url, server.url("slow")],
            files=[TEST_LABELS],
            timeout=0.5,
        )
    problem = info.value.problem
    assert refused_url in problem and server.url("slow") in problem
    assert "timed out" in problem
    assert list(tmp_path.iterdir()) == []


def test_all_mirrors_listed_in_one_line(server: _Server, tmp_path: Path) -> None:
    mirrors = [server.url("status404"), server.url("status500"), server.url("wrong")]
    with pytest.raises(DataError) as info:
        download.download_mnist(tmp_path, mirrors=mirrors, files=[TEST_LABELS])
    text = str(info.value)
    assert text.startswith(f"{TEST_LABELS}.gz: ")
    assert "\n" not in text
    positions = [text.index(m) for m in mirrors]
    assert positions == sorted(positions)  # in the order tried


def test_falls_through_to_a_good_mirror(
    server: _Server, refused_url: str, tmp_path: Path, full_mnist_dir: Path
) -> None:
    mirrors = [
        refused_url,
        server.url("status404"),
        server.url("truncated"),  # reports half the progress before failing
        server.url("bomb"),
        server.url("wrong"),
        server.url("good"),
    ]
    seen: list[int] = []
    download.download_mnist(
        tmp_path, mirrors=mirrors, files=[TEST_IMAGES], progress=lambda d, t: seen.append(d)
    )
    sha, size = pinned_sums(full_mnist_dir)[TEST_IMAGES]
    assert sha256_of(tmp_path / TEST_IMAGES) == sha
    assert all(b >= a for a, b in itertools.pairwise(seen))
    assert seen[-1] == size
    assert leftovers(tmp_path) == []


# --- existing files --------------------------------------------------------------------------


def test_good_file_survives_failed_redownload(server: _Server, tmp_path: Path) -> None:
    download.download_mnist(tmp_path, mirrors=[server.url("good")], files=[TEST_LABELS])
    before = (tmp_path / TEST_LABELS).read_bytes()
    with pytest.raises(DataError):
        download.download_mnist(
            tmp_path,
            mirrors=[server.url("wrong"), server.url("truncated")],
            files=[TEST_LABELS],
            force=True,
        )
    assert (tmp_path / TEST_LABELS).read_bytes() == before
    assert leftovers(tmp_path) == []


def test_bad_cached_file_is_replaced(server: _Server, tmp_path: Path, full_mnist_dir: Path) -> None:
    sha, size = pinned_sums(full_mnist_dir)[TEST_LABELS]
    target = tmp_path / TEST_LABELS
    target.write_bytes(bytes(size))  # right size, wrong content
    assert download.is_cached(tmp_path) is False  # three files missing
    # all mirrors fail: the bad file is left exactly as it was
    with pytest.raises(DataError):
        download.download_mnist(tmp_path, mirrors=[server.url("status500")], files=[TEST_LABELS])
    assert target.read_bytes() == bytes(size)
    download.download_mnist(tmp_path, mirrors=[server.url("good")], files=[TEST_LABELS])
    assert sha256_of(target) == sha


def test_is_cached_checks_every_hash(full_download, tmp_path: Path) -> None:
    dest, _, _ = full_download
    assert download.is_cached(dest)
    assert not download.is_cached(tmp_path)
    for name, spec in download.MNIST_FILES.items():
        with open(tmp_path / name, "wb") as fh:
            fh.truncate(spec.size)  # right sizes, wrong content
    assert not download.is_cached(tmp_path)
    for name in download.MNIST_FILES:
        (tmp_path / name).write_bytes((dest / name).read_bytes())
    assert download.is_cached(tmp_path)
    (tmp_path / TEST_LABELS).write_bytes(b"short")
    assert not download.is_cached(tmp_path)


def test_is_cached_remembers_a_check_by_size_and_mtime(full_download, tmp_path: Path) -> None:
    dest, _, _ = full_download
    for name in download.MNIST_FILES:
        (tmp_path / name).write_bytes((dest / name).read_bytes())
    assert download.is_cached(tmp_path)  # hashes all four and remembers them
    labels = tmp_path / TEST_LABELS
    stat = labels.stat()
    data = bytearray(labels.read_bytes())
    data[-1] ^= 1
    labels.write_bytes(bytes(data))
    os.utime(labels, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    # same size and mtime: the remembered check stands (that is what keeps start-up fast) ...
    assert download.is_cached(tmp_path)
    os.utime(labels, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    # ... any change of mtime makes it check the content again
    assert not download.is_cached(tmp_path)


def test_file_mirror_works(full_mnist_dir: Path, tmp_path: Path) -> None:
    download.download_mnist(tmp_path, mirrors=[full_mnist_dir.as_uri()], files=[TEST_LABELS])
    assert sha256_of(tmp_path / TEST_LABELS) == pinned_sums(full_mnist_dir)[TEST_LABELS][0]


# --- cache location --------------------------------------------------------------------------


def test_cache_dir_env_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MNIST_VIEWER_CACHE", str(tmp_path / "c"))
    assert download.cache_dir() == tmp_path / "c"
    assert download.mnist_cache_path() == tmp_path / "c" / "mnist"


def test_cache_dir_linux(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MNIST_VIEWER_CACHE")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert download.cache_dir() == tmp_path / ".cache" / "mnist-viewer"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert download.cache_dir() == tmp_path / "xdg" / "mnist-viewer"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert download.cache_dir() == tmp_path / ".cache" / "mnist-viewer"


def test_cache_dir_macos_and_windows(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MNIST_VIEWER_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(sys, "platform", "darwin")
    assert download.cache_dir() == tmp_path / "Library" / "Caches" / "mnist-viewer"
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "Local"))
    assert download.cache_dir() == tmp_path / "Local" / "mnist-viewer" / "Cache"
