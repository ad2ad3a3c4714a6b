"""mnist-viewer: view, generate, analyse and export Moving MNIST.

The package root is a facade: it re-exports the small public API and imports nothing heavy
(``MovingMNIST`` is imported on first use, through the module ``__getattr__``).
Modules inside the package never import it (they read the version from :mod:`.version`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .version import __version__

if TYPE_CHECKING:
    from .core.generation.dataset import MovingMNIST

__all__ = ["MovingMNIST", "__version__", "view"]


def __getattr__(name: str) -> Any:
    if name == "MovingMNIST":
        from .core.generation.dataset import MovingMNIST

        return MovingMNIST
    raise AttributeError(f"module 'mnist_viewer' has no attribute {name!r}")


def view(data: Any = None, *, truth: Any = None, pred: Any = None, inputs: Any = None,
         block: bool | None = None) -> Any:
    """Open the viewer on an array or path, or the review window on ``truth``/``pred``.

    See :func:`mnist_viewer.ui.api.view` (imported here only when called, so that
    ``import mnist_viewer`` stays light: no Qt, no numpy).
    """
    from .ui.api import view as _view

    return _view(data, truth=truth, pred=pred, inputs=inputs, block=block)
