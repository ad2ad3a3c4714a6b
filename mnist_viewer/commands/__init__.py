"""Subcommands of ``mnist-viewer``: one module each, with ``register(subparsers)``.

May import: :mod:`mnist_viewer.core`. Never :mod:`mnist_viewer.ui` (the GUI starts from
:mod:`mnist_viewer.cli`).
"""
