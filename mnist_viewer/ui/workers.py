"""Background jobs: one cancellable worker type on the global QThreadPool.

``WorkerPool.submit(kind, fn)`` runs ``fn(progress=..., cancel=...)`` on a pool thread and
returns a :class:`Job`, a QObject living on the GUI thread whose signals are always delivered
on the GUI thread:

- ``progress(done, total)`` (throttled to a few dozen per second),
- ``finished(result)``, ``failed(message)`` (one line, e.g. ``"path: problem"``),
  ``cancelled()`` — exactly one of the three, once.

A job of the same ``kind`` submitted later supersedes the older one: the older one is asked to
cancel and whatever it produces is dropped (it emits nothing more). The callable must not touch
widgets. :meth:`WorkerPool.shutdown` cancels everything and waits, so no thread is left running
when a window closes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QObject, QRunnable, Qt, QThreadPool, pyqtSignal, pyqtSlot

from ..core.errors import Cancelled, DataError

log = logging.getLogger(__name__)

_FINISHED, _FAILED, _CANCELLED = 0, 1, 2
_PROGRESS_STEPS = 1000  # a progress signal goes out each time the per-mille figure changes


def error_message(exc: BaseException) -> str:
    """One line describing an exception from a job (never a traceback)."""
    if isinstance(exc, DataError):
        return str(exc)
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        return f"{where}{exc.strerror or exc}"
    text = " ".join(str(exc).split())
    if isinstance(exc, MemoryError):
        return f"not enough memory ({text})" if text else "not enough memory"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Job(QObject):
    """One background job. Signals arrive on the GUI thread."""

    progress = pyqtSignal(int, int)
    finished = pyqtSignal(object)
    failed = pyqtSignal(str)
    cancelled = pyqtSignal()

    # emitted from the pool thread, relayed to the public signals on the GUI thread
    _progress_from_thread = pyqtSignal(int, int)
    _done_from_thread = pyqtSignal(int, object)

    def __init__(self, kind: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self._cancel_event = threading.Event()
        self._done_event = threading.Event()
        self._stale = False
        self._delivered = False
        self._last_permille = -1
        self._on_delivered: Callable[[Job], None] | None = None
        queued = Qt.ConnectionType.QueuedConnection  # always run the relays on this thread
        self._progress_from_thread.connect(self._relay_progress, queued)  # type: ignore[call-arg]
        self._done_from_thread.connect(self._relay_done, queued)  # type: ignore[call-arg]

    # --- state, usable from any thread ---------------------------------------------------
    def cancel(self) -> None:
        """Ask the job to stop; it will emit ``cancelled`` (unless it is stale)."""
        self._cancel_event.set()

    def is_cancelled(self) -> bool:
        return self._cancel_event.is_set()

    @property
    def is_stale(self) -> bool:
        """True once a newer job of the same kind has replaced this one."""
        return self._stale

    @property
    def is_running(self) -> bool:
        """True until the callable has returned or raised."""
        return not self._done_event.is_set()

    @property
    def is_delivered(self) -> bool:
        """True once the outcome has been handled on the GUI thread."""
        return self._delivered

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the callable has returned (does not deliver signals)."""
        return self._done_event.wait(timeout)

    # --- called on the pool thread ---------------------------------------------------------
    def _report_progress(self, done: int, total: int) -> None:
        # At most ~1000 signals a job, and never one held back: a job that pauses between
        # chunks still shows how far it really got.
        permille = _PROGRESS_STEPS if total <= 0 else done * _PROGRESS_STEPS // total
        if permille != self._last_permille or done >= total:
            self._last_permille = permille
            self._progress_from_thread.emit(int(done), int(total))

    def _execute(self, fn: Callable[..., Any]) -> None:
        try:
            if self.is_cancelled():
                raise Cancelled()
            result = fn(progress=self._report_progress, cancel=self.is_cancelled)
            outcome, payload = (_CANCELLED, None) if self.is_cancelled() else (_FINISHED, result)
        except Cancelled:
            outcome, payload = _CANCELLED, None
        except Exception as exc:
            if not isinstance(exc, (DataError, OSError, MemoryError)):
                log.error("job %r failed", self.kind, exc_info=True)
            outcome, payload = _FAILED, error_message(exc)
        finally:
            self._done_event.set()
        self._done_from_thread.emit(outcome, payload)

    # --- GUI thread --------------------------------------------------------------------------
    @pyqtSlot(int, int)
    def _relay_progress(self, done: int, total: int) -> None:
        if not self._stale and not self._delivered:
            self.progress.emit(done, total)

    @pyqtSlot(int, object)
    def _relay_done(self, outcome: int, payload: object) -> None:
        if self._delivered:
            return
        self._delivered = True
        try:
            if self._stale:
                return
            if outcome == _FINISHED:
                self.finished.emit(payload)
            elif outcome == _FAILED:
                self.failed.emit(str(payload))
            else:
                self.cancelled.emit()
        finally:
            if self._on_delivered is not None:
                self._on_delivered(self)


class _Runnable(QRunnable):
    def __init__(self, job: Job, fn: Callable[..., Any]) -> None:
        super().__init__()
        self.job = job
        self.fn = fn
        self.setAutoDelete(True)

    def run(self) -> None:
        self.job._execute(self.fn)
        self.fn = None  # type: ignore[assignment]  # release captured data early


class WorkerPool(QObject):
    """Submits jobs to a QThreadPool, one current job per kind."""

    job_started = pyqtSignal(object)  # Job
    job_ended = pyqtSignal(object)  # Job (after its outcome signal, or when dropped as stale)

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        pool = pool if pool is not None else QThreadPool.globalInstance()
        assert pool is not None
        self.pool: QThreadPool = pool
        self._current: dict[str, Job] = {}
        self._jobs: set[Job] = set()
        self._closed = False

    def submit(self, kind: str, fn: Callable[..., Any]) -> Job:
        """Run ``fn(progress=, cancel=)`` in the background; supersedes the job of this kind.

        Connect to the returned job's signals right away (they are queued, so nothing is
        delivered before control returns to the event loop). The job is deleted (deleteLater)
        once its outcome has been delivered.
        """
        if self._closed:
            raise RuntimeError("the worker pool has been shut down")
        older = self._current.get(kind)
        if older is not None:
            older._stale = True
            older.cancel()
        # owned by the pool on the C++ side, deleted with deleteLater() once handled, so it
        # is never destroyed while Qt is still delivering one of its events
        job = Job(kind, self)
        job._on_delivered = self._forget
        self._current[kind] = job
        self._jobs.add(job)
        self.pool.start(_Runnable(job, fn))
        self.job_started.emit(job)
        return job

    def _forget(self, job: Job) -> None:
        if job not in self._jobs:
            return
        self._jobs.discard(job)
        if self._current.get(job.kind) is job:
            del self._current[job.kind]
        job._on_delivered = None
        self.job_ended.emit(job)
        job.deleteLater()

    def current(self, kind: str) -> Job | None:
        """The newest job of ``kind`` that has not ended yet."""
        return self._current.get(kind)

    def active_jobs(self) -> list[Job]:
        """Jobs submitted and not yet handled on the GUI thread."""
        return list(self._jobs)

    def is_busy(self, kind: str | None = None) -> bool:
        if kind is None:
            return bool(self._jobs)
        return kind in self._current

    def cancel(self, kind: str | None = None) -> None:
        """Cancel the job of ``kind`` (or every job)."""
        for job in list(self._jobs):
            if kind is None or job.kind == kind:
                job.cancel()

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until every submitted callable has returned; True if they all did."""
        deadline = time.monotonic() + timeout
        return all(job.wait(max(0.0, deadline - time.monotonic())) for job in list(self._jobs))

    def shutdown(self, timeout: float = 10.0) -> bool:
        """Cancel every job, drop their results and wait for their threads to finish."""
        self._closed = True
        for job in list(self._jobs):
            job._stale = True
            job.cancel()
        ok = self.wait(timeout)
        self.pool.waitForDone(max(0, int(timeout * 1000)))
        for job in list(self._jobs):
            self._forget(job)
        return ok
