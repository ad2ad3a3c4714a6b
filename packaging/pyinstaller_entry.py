"""Entry script of the PyInstaller build: the same ``main`` as the ``mnist-viewer`` command."""

import sys

from mnist_viewer.cli import main

if __name__ == "__main__":
    sys.exit(main())
