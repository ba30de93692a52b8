"""The SR fixtures (tests/interop/sr_fixtures.py), written once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def sr_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every fixture variant as a file, by name (cl-mm.dcm, truncated.dcm, ...)."""
    from sr_fixtures import write_all

    return write_all(tmp_path_factory.mktemp("sr"))
