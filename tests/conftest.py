"""Shared fixtures: the ../shared folder (optional), a Prefect test API, and small raw folders."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from flows.settings import PROJECT_ROOT, quiet_environment

quiet_environment()

SAMPLE_DIR = PROJECT_ROOT / "data" / "sample"


def shared_path() -> Path:
    """Where ../shared lives (LOSSTALLY_SHARED overrides); it is absent in a user's clone."""
    return Path(os.environ.get("LOSSTALLY_SHARED", PROJECT_ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ../shared folder, or a clean skip when it is absent."""
    path = shared_path()
    if not (path / "corpus" / "ANNOTATION.md").exists():
        pytest.skip(f"{path} is absent (it exists only on the developers' machines)")
    return path


@pytest.fixture(scope="session")
def prefect_api():
    """A real, temporary Prefect API (SQLite in a temp dir) for the whole test session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    """A private copy of the bundled sample corpus."""
    target = tmp_path / "raw"
    shutil.copytree(SAMPLE_DIR, target)
    return target
