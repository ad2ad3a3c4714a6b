"""The review window: a model's predictions beside the truth, in sync with a player, with the
field's metrics per frame (curves) and per sequence (a table ranked by error).

May import: the core, the shared ui modules and :mod:`..player` (PlayerModel, actions,
transport). Every number shown comes from :mod:`mnist_viewer.core.analysis.metrics`.
"""
