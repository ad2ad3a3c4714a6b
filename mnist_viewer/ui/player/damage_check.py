"""The check of the file shown: its stored .npz members against their CRC-32, in the background.

Frames are memory-mapped straight from stored members, so a member whose bytes no longer match
its CRC-32 would be shown silently (numpy's own loader refuses such a file). After a file is
shown, a worker job streams every stored member through the core's check
(:func:`mnist_viewer.core.files.stored.verify_file`, bounded memory, cancellable); a failure is
handed to :meth:`PlayerModel.report_damage`, which the status bar shows. Nothing here draws.
"""

from __future__ import annotations

from collections.abc import Callable

from ...core.files.stored import verify_file
from ..content import Content
from ..workers import Job, WorkerPool
from .model import PlayerModel

DAMAGE_JOB = "damage-check"  # one at a time: a newer file's check replaces an older one's


def verify_shown_file(path: str, cancel: Callable[[], bool] | None = None) -> None:
    """Check every stored member of the .npz at ``path`` against its CRC-32 (DataError naming
    the file and member if one fails). Anything that is not an .npz has nothing to check."""
    verify_file(path, cancel)


def check_shown_file(workers: WorkerPool, model: PlayerModel, content: Content) -> Job | None:
    """Start the check of ``content``'s file (none for generated sets); its failure goes to
    ``model.report_damage`` for that set only."""
    workers.cancel(DAMAGE_JOB)
    if content.path is None or content.mode != "file":
        return None
    path, seqset = content.path, content.seqset
    job = workers.submit(DAMAGE_JOB, lambda progress, cancel: verify_shown_file(path, cancel))
    job.failed.connect(lambda problem: model.report_damage(seqset, problem))
    return job
