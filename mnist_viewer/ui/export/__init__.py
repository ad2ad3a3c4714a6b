"""The export window: what to export, the options, and the worker that writes the file through
:mod:`mnist_viewer.core.output`.

May import: the core, the shared ui modules, :mod:`..player` and :mod:`..grid`.
"""
