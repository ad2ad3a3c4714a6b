"""The fuzz suite: hypothesis strategies for our containers and the checks every case makes.

The default run uses a small fixed budget per test (derandomized, so CI is stable); the long
run is ``pytest -m fuzz`` (several thousand cases; see README "Hostile input"). Set
``MNIST_VIEWER_FUZZ_REPORT=FILE`` to append the figures (cases, refusals, accepted,
tracebacks, hangs, peak memory) to FILE.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # fuzz_harness, fuzz_strategies


@pytest.fixture(scope="session", autouse=True)
def _fuzz_report():
    yield
    import fuzz_harness

    fuzz_harness.save_report()


def pytest_terminal_summary(terminalreporter) -> None:
    """The fuzz figures (cases / refusals / accepted / tracebacks / hangs per kind of case)."""
    import fuzz_harness

    lines = fuzz_harness.summary_lines()
    if lines:
        terminalreporter.section("fuzz figures")
        for line in lines:
            terminalreporter.write_line(line)
