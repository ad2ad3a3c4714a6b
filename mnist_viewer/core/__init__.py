"""The Qt-free model layer of mnist-viewer: numpy, the standard library and the field's libraries.

Rooms: ``sources/`` (where digits come from), ``files/`` (sequence files), ``generation/``
(Moving MNIST), ``analysis/`` (statistics and metrics), ``output/`` (encoders, overlays, mosaic,
colour maps); shared leaves: :mod:`.errors`, :mod:`.jobs`, :mod:`.sequences`,
:mod:`.ground_truth`, :mod:`.playback`.

May import: numpy, the standard library, the field's libraries. Never Qt, never
:mod:`mnist_viewer.ui` or :mod:`mnist_viewer.commands` (``tests/test_architecture.py``).
"""
