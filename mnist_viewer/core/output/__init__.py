"""What leaves the program as pictures: encoders (GIF, AVI, MP4, PNG), overlays, the mosaic,
colour maps and the choice of what to export.

May import: the core's shared leaves. Never sources, files, generation, analysis, Qt, ui or
commands.
"""
