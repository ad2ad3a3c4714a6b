"""Where the files of ``resources/`` are: inside the installed wheel, or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resources_dir() -> Path:
    """The folder holding the icons and the embedded MNIST subset."""
    installed = _PACKAGE / "resources"  # the wheel maps resources/ here
    if installed.is_dir():
        return installed
    checkout = _PACKAGE.parent / "resources"  # editable install or running from the source tree
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"{installed}: the resources folder of mnist-viewer is missing")


def resource(*parts: str) -> Path:
    """Path of one resource, e.g. ``resource("icons", "mnist-viewer.svg")``."""
    return resources_dir().joinpath(*parts)
