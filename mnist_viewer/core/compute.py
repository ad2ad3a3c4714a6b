"""Whole-set jobs on Dask: a job is a task over chunks of sequences, run where the user says.

A job is ``task(shared, start, stop) -> result`` for each chunk ``(start, stop)`` plus
``consume(start, stop, result)``, called in the calling thread **in the order of the chunks**
(so a file is written, or a statistic merged, exactly as one process would: the output does
not depend on the engine, the number of workers or the scheduler). At most a few chunks per
worker are in flight, so memory stays bounded whatever the number of chunks.

Where the tasks run (:class:`Engine`):

* default: Dask's local threaded scheduler (``dask.threaded.get``) in a background thread, so
  computing the next chunks overlaps consuming the last ones;
* ``workers=N`` with ``processes=True``: a ``dask.distributed.LocalCluster`` of N one-thread
  worker processes on 127.0.0.1, started for the job and closed after it;
* ``scheduler="tcp://host:port"``: an existing ``dask.distributed`` cluster (its workers must
  be able to import ``mnist_viewer``).

With distributed, ``shared`` (e.g. a sequence set) is scattered once to every worker, not
shipped with every task. ``task`` must be a module-level function (picklable).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import DataError
from .jobs import Cancel, Progress, check_cancel, report

R = TypeVar("R")
Task = Callable[[Any, int, int], R]
Consume = Callable[[int, int, R], None]


@dataclass(frozen=True)
class Engine:
    """Where a whole-set job runs.

    ``workers``: how many local workers (threads, or processes with ``processes=True``);
    ``scheduler``: the address of a running ``dask.distributed`` scheduler
    (``tcp://host:port``), which overrides ``workers``.
    """

    workers: int = 1
    scheduler: str | None = None
    processes: bool = True

    def __post_init__(self) -> None:
        if int(self.workers) < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")

    @property
    def distributed(self) -> bool:
        """Whether the job runs on dask.distributed (a cluster, or local processes)."""
        return self.scheduler is not None or (self.processes and self.workers > 1)


def statistics_engine(engine: Engine | None) -> Engine:
    """``engine``, or by default one thread per CPU core: the statistics' chunk kernels are
    mostly OpenCV and numpy calls that release the GIL (``set_statistics`` of 2,000
    sequences on this 2-core machine: a file 2.0x, a generated set 1.5x faster on 2 threads
    than on one)."""
    return engine if engine is not None else Engine(workers=cpu_count(), processes=False)


def engine(workers: int | None = None, scheduler: str | None = None) -> Engine:
    """The :class:`Engine` for the command-line options ``--workers`` and ``--scheduler``."""
    return Engine(workers=max(1, int(workers or 1)), scheduler=scheduler or None)


def chunk_ranges(start: int, stop: int, size: int) -> list[tuple[int, int]]:
    """``[(start, start+size), ...]`` covering ``start:stop`` (the last one shorter)."""
    size = max(1, int(size))
    return [(s, min(stop, s + size)) for s in range(int(start), int(stop), size)]


def run_chunks(
    task: Task[R],
    shared: Any,
    ranges: Sequence[tuple[int, int]],
    consume: Consume[R],
    engine: Engine | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> None:
    """Compute ``task(shared, s, e)`` for every ``(s, e)`` in ``ranges`` on ``engine`` and
    hand each result to ``consume(s, e, result)`` in the order of ``ranges``.

    ``progress`` gets (sequences consumed, sequences in all ranges); ``cancel`` is checked
    between chunks (raises :class:`~.errors.Cancelled`; chunks in flight are dropped). An
    exception in a task is re-raised here. A scheduler that can't be reached raises
    :class:`~.errors.DataError` naming its address.
    """
    engine = engine or Engine()
    total = sum(e - s for s, e in ranges)
    report(progress, 0, total)
    if not ranges:
        return
    done = 0

    def step(s: int, e: int, result: R) -> None:
        nonlocal done
        consume(s, e, result)
        done += e - s
        report(progress, done, total)

    if engine.distributed:
        with _client(engine) as client:
            _run_distributed(client, task, shared, ranges, step, cancel)
    else:
        _run_threaded(task, shared, ranges, step, engine.workers, cancel)


# ---------------------------------------------------------------------------------------------
# the local threaded scheduler


def _compute_batch(task: Task[R], shared: Any, batch: Sequence[tuple[int, int]],
                   workers: int, stop: list[bool]) -> list[R]:
    import dask.threaded

    if stop[0]:  # the job was cancelled or failed: skip the work
        return []
    graph = {("chunk", i): (task, shared, s, e) for i, (s, e) in enumerate(batch)}
    return list(dask.threaded.get(graph, list(graph), num_workers=workers))


def _run_threaded(task: Task[R], shared: Any, ranges: Sequence[tuple[int, int]],
                  step: Consume[R], workers: int, cancel: Cancel | None) -> None:
    """Batches of 2×workers chunks on Dask's threaded scheduler; the next batch is computed
    while this thread consumes the last (two batches in memory at most)."""
    size = max(2, 2 * workers)
    batches = [ranges[i:i + size] for i in range(0, len(ranges), size)]
    stop = [False]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dask-batches") as pool:
        pending: Future[list[R]] | None = pool.submit(
            _compute_batch, task, shared, batches[0], workers, stop)
        try:
            for i, batch in enumerate(batches):
                check_cancel(cancel)
                assert pending is not None
                results = pending.result()
                pending = (pool.submit(_compute_batch, task, shared, batches[i + 1], workers,
                                       stop) if i + 1 < len(batches) else None)
                for (s, e), result in zip(batch, results, strict=True):
                    check_cancel(cancel)
                    step(s, e, result)
        finally:
            stop[0] = True
            if pending is not None:
                with contextlib.suppress(Exception):
                    pending.result()


# ---------------------------------------------------------------------------------------------
# dask.distributed: an existing cluster or local worker processes


@contextlib.contextmanager
def _client(engine: Engine) -> Iterator[Any]:
    from distributed import Client, LocalCluster

    if engine.scheduler is not None:
        try:
            client = Client(engine.scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:  # ValueError: a malformed address
            raise DataError(engine.scheduler, f"cannot reach the Dask scheduler ({exc})") from None
        with client:
            yield client
        return
    with LocalCluster(n_workers=int(engine.workers), threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None) as cluster, \
            Client(cluster) as client:
        yield client


def _run_distributed(client: Any, task: Task[R], shared: Any,
                     ranges: Sequence[tuple[int, int]], step: Consume[R],
                     cancel: Cancel | None) -> None:
    threads = max(1, sum(client.nthreads().values()))
    window = 2 * threads
    remote = client.scatter(shared, broadcast=True, hash=False)
    todo = iter(ranges)
    flight: deque[tuple[int, int, Any]] = deque()

    def submit() -> None:
        nxt = next(todo, None)
        if nxt is not None:
            flight.append((*nxt, client.submit(task, remote, nxt[0], nxt[1], pure=False)))

    try:
        for _ in range(window):
            submit()
        while flight:
            s, e, future = flight[0]  # stays in flight (settled on the way out) until done
            # Wait on a done-callback, not on ``future.result(timeout=...)``: each timed-out
            # call of distributed's ``sync`` can race with its own timeout and end in
            # "UnboundLocalError: ... 'result'" (seen at 100,000 sequences on a loaded machine).
            done = _done_event(future)
            check_cancel(cancel)
            while not done.wait(0.25):
                check_cancel(cancel)
            result = future.result()
            flight.popleft()
            del future
            submit()
            step(s, e, result)
    finally:
        if flight:
            _settle(client, [f for _, _, f in flight])
        client.cancel([remote])


SETTLE_SECONDS = 60.0
"""How long a stopped job waits for the chunks it has sent to finish (see :func:`_settle`)."""


def _done_event(future: Any) -> threading.Event:
    done = threading.Event()
    future.add_done_callback(lambda _future: done.set())
    return done


def _settle(client: Any, futures: list[Any], seconds: float = SETTLE_SECONDS) -> None:
    """Let the chunks already sent finish (at most ``seconds``), then cancel what is left.

    A task running on a worker cannot be stopped from here: cancelling its future only makes
    the scheduler forget it. A chunk writer that went on after its job stopped would write
    into output the caller is about to remove (a cancelled Zarr write deletes its partial
    store; a late chunk brought the folder back). The window is two chunks per worker
    thread, so the wait is about two chunks' time."""
    deadline = time.monotonic() + seconds
    for future in futures:
        _done_event(future).wait(max(0.0, deadline - time.monotonic()))
    client.cancel(futures)


def cpu_count() -> int:
    """CPU cores this process may use (the scheduling affinity where known)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
