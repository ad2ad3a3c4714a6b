"""mnist-viewer: view, generate, analyse and export Moving MNIST.

The package root is a facade: it re-exports the small public API and imports nothing heavy.
Modules inside the package never import it (they read the version from :mod:`.version`).
"""

from .version import __version__

__all__ = ["__version__"]
