"""The statistics window: panels that show results computed by :mod:`mnist_viewer.core.analysis`
in workers, and saving them as PNG and CSV.

May import: the core, the shared ui modules and :mod:`..player` (view constants).
"""
