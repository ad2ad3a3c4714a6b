"""The grid window: many sequences playing in sync with the player, drawn as one mosaic.

May import: the core, the shared ui modules and :mod:`..player` (the model and view constants).
"""
