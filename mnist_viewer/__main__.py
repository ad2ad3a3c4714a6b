"""``python -m mnist_viewer`` works like the ``mnist-viewer`` command."""

import sys

from .cli import main

sys.exit(main())
