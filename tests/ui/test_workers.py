"""WorkerPool/Job: outcomes on the GUI thread, cancel, supersede, shutdown."""

from __future__ import annotations

import threading

import pytest
from PyQt6.QtCore import QThread

from mnist_viewer.core.errors import DataError
from mnist_viewer.core.jobs import check_cancel
from mnist_viewer.ui.workers import WorkerPool


@pytest.fixture
def pool(qtbot):  # type: ignore[no-untyped-def]
    p = WorkerPool()
    yield p
    p.shutdown()


def test_result_and_progress_arrive_on_the_gui_thread(qtbot, pool: WorkerPool) -> None:
    gui = QThread.currentThread()
    ran_on: list[object] = []
    progress: list[tuple[int, int]] = []
    threads: list[bool] = []

    def work(progress, cancel):  # type: ignore[no-untyped-def]
        ran_on.append(threading.current_thread())
        for i in range(5):
            progress(i + 1, 5)
        return sum(range(10))

    job = pool.submit("sum", work)
    job.progress.connect(lambda d, t: (progress.append((d, t)),
                                       threads.append(QThread.currentThread() is gui)))
    with qtbot.waitSignal(job.finished, timeout=5000) as blocker:
        pass
    assert blocker.args == [45]
    assert ran_on[0] is not threading.main_thread()
    assert progress[-1] == (5, 5)  # the last report always goes through (others throttled)
    assert threads and all(threads)
    qtbot.waitUntil(lambda: not pool.is_busy())


def test_errors_become_one_line(qtbot, pool: WorkerPool) -> None:
    def bad(progress, cancel):  # type: ignore[no-untyped-def]
        raise DataError("/data/x.npy", "not a sequence file\nat all")

    job = pool.submit("bad", bad)
    with qtbot.waitSignal(job.failed, timeout=5000) as blocker:
        pass
    assert blocker.args == ["/data/x.npy: not a sequence file at all"]

    def missing(progress, cancel):  # type: ignore[no-untyped-def]
        open("/nonexistent/folder/file.bin", "rb")  # noqa: SIM115

    job = pool.submit("bad", missing)
    with qtbot.waitSignal(job.failed, timeout=5000) as blocker:
        pass
    assert blocker.args[0].startswith("/nonexistent/folder/file.bin: ")
    assert "\n" not in blocker.args[0]


def test_cancel_emits_cancelled(qtbot, pool: WorkerPool) -> None:
    started = threading.Event()

    def slow(progress, cancel):  # type: ignore[no-untyped-def]
        started.set()
        while True:
            check_cancel(cancel)
            threading.Event().wait(0.005)

    job = pool.submit("slow", slow)
    assert started.wait(5)
    finished: list[object] = []
    job.finished.connect(finished.append)
    with qtbot.waitSignal(job.cancelled, timeout=5000):
        job.cancel()
    assert not finished


def test_newer_job_of_the_same_kind_supersedes_the_older(qtbot, pool: WorkerPool) -> None:
    release = threading.Event()
    outcomes: list[str] = []

    def first(progress, cancel):  # type: ignore[no-untyped-def]
        release.wait(5)
        return "first"  # ignores cancel on purpose: its result must still be dropped

    old = pool.submit("load", first)
    old.finished.connect(lambda r: outcomes.append(r))
    old.cancelled.connect(lambda: outcomes.append("old cancelled"))
    new = pool.submit("load", lambda progress, cancel: "second")
    new.finished.connect(lambda r: outcomes.append(r))
    other = pool.submit("other", lambda progress, cancel: "other kind")
    other.finished.connect(lambda r: outcomes.append(r))
    assert old.is_stale and old.is_cancelled() and not new.is_stale
    release.set()
    qtbot.waitUntil(lambda: not pool.is_busy(), timeout=5000)
    assert sorted(outcomes) == ["other kind", "second"]


def test_shutdown_cancels_and_waits(qtbot) -> None:
    pool = WorkerPool()
    started = threading.Event()
    stopped = threading.Event()

    def forever(progress, cancel):  # type: ignore[no-untyped-def]
        started.set()
        try:
            while True:
                check_cancel(cancel)
                threading.Event().wait(0.005)
        finally:
            stopped.set()

    pool.submit("a", forever)
    pool.submit("b", lambda progress, cancel: None)
    assert started.wait(5)
    assert pool.shutdown(timeout=5)
    assert stopped.is_set()
    assert not pool.is_busy()
    assert pool.pool.activeThreadCount() == 0
    with pytest.raises(RuntimeError):
        pool.submit("a", forever)


def test_running_out_of_memory_is_one_line(qtbot) -> None:  # type: ignore[no-untyped-def]
    from mnist_viewer.ui.workers import WorkerPool

    pool = WorkerPool()

    def greedy(progress, cancel):  # type: ignore[no-untyped-def]
        raise MemoryError("Unable to allocate 76.3 GiB for an array")

    job = pool.submit("big", greedy)
    with qtbot.waitSignal(job.failed, timeout=5_000) as failed:
        pass
    assert failed.args == ["not enough memory (Unable to allocate 76.3 GiB for an array)"]
    assert pool.shutdown()
