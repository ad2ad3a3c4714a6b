"""mnist-viewer: view, generate, analyse and export Moving MNIST."""

__version__ = "0.1.0"
