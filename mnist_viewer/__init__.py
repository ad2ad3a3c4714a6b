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

__all__ = ["MovingMNIST", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "MovingMNIST":
        from .core.generation.dataset import MovingMNIST

        return MovingMNIST
    raise AttributeError(f"module 'mnist_viewer' has no attribute {name!r}")
