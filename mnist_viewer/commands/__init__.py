"""Subcommands of ``mnist-viewer``: one module each, with ``register(subparsers)``."""
