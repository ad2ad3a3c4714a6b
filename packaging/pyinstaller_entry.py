"""Entry script of the PyInstaller build: the same ``main`` as the ``mnist-viewer`` command."""

import multiprocessing
import sys

from mnist_viewer.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # `generate --workers N` starts spawned processes
    sys.exit(main())
