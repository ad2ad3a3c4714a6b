"""The player: main window, menus, actions, transport bar, sequence view, the player model
(one object holding the player state and emitting signals) and the generator panel.

May import: the core and the shared ui modules. The tool windows (grid, stats, export) are
imported by name when first opened, never at module level.
"""
