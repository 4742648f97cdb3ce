"""Fixtures for the app's tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _keep_main_module() -> Iterator[None]:
    """Put ``sys.modules["__main__"]`` back after each test.

    Streamlit's script runner (AppTest) installs the script it runs as ``__main__`` and leaves
    it there. Later tests that start processes with multiprocessing's spawn (``posture
    batch``) then re-run that script in every child: an ``AppTest.from_function`` script
    fails there (``__args`` undefined) and every batch clip "ended unexpectedly".
    """
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main
