"""The PyQt6 + pyqtgraph GUI: a thin layer over :mod:`mnist_viewer.core`."""
