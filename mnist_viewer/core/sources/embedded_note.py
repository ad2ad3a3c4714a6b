"""What the embedded MNIST subset is, and the one-line warning that names how to use the full
MNIST instead, worded for the caller's user: the command line, the GUI or Python."""

from __future__ import annotations

ENV_DATA = "MNIST_VIEWER_DATA"

EMBEDDED_NAME = "embedded-mnist"
EMBEDDED_NOTE = ("digits from the small embedded subset (2,000 train and 500 test digits), "
                 "not the full MNIST")
"""What the embedded subset is (a generated file's settings record it); the warning every use
through :func:`load_dataset` gives is :func:`embedded_note`, which adds the remedy."""

CLI_REMEDY = "pass --data PATH (a folder of MNIST files) or use File › Download MNIST…"
GUI_REMEDY = "File › Download MNIST… or File › Open Dataset…"


def python_remedy(how: str) -> str:
    """The remedy from Python: ``how`` names the argument to pass (e.g. ``"pass data=PATH"``);
    the environment variable works everywhere."""
    return f"{how} or set ${ENV_DATA}=PATH (PATH: a folder of the four MNIST IDX .gz files)"


PYTHON_REMEDY = python_remedy("pass load_dataset(PATH)")


def embedded_note(remedy: str = PYTHON_REMEDY) -> str:
    """The one-line warning that digits come from the embedded subset, ending with ``remedy``:
    how the caller's user names the full MNIST (:data:`CLI_REMEDY`, :data:`GUI_REMEDY`,
    :func:`python_remedy`)."""
    return f"{EMBEDDED_NOTE}: {remedy}"
