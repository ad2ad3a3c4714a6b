"""The PyQt6 + pyqtgraph GUI: a thin layer over :mod:`mnist_viewer.core`.

Rooms by feature: ``player/`` (main window, menus, actions, transport, sequence view, player
model, generator panel), ``grid/``, ``stats/``, ``export/``,
``review/`` (predictions beside the truth; :mod:`.api` is ``mnist_viewer.view``); shared:
:mod:`.app`, :mod:`.settings`, :mod:`.workers`, :mod:`.widgets`, :mod:`.status`, :mod:`.icons`,
:mod:`.dialogs`, :mod:`.content`.

May import: :mod:`mnist_viewer.core`, Qt, pyqtgraph. Never :mod:`mnist_viewer.commands`.
Views never compute statistics: every number comes from the core, in a worker.
"""
