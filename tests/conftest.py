"""Shared test fixtures: the project's own corpora and the shared standard corpora.

The Canterbury and Large Canterbury corpora live outside the repository at
``../shared/corpora`` (resolved from the repository root, or from the
ENTROPYCODEC_CORPORA environment variable). Tests that need them skip with a
clear reason when the folder is absent, as on a user's machine; CI has it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
OWN_CORPORA = REPO / "corpora"
SHARED_CORPORA = Path(os.environ.get("ENTROPYCODEC_CORPORA", REPO.parent / "shared" / "corpora"))
CANTERBURY = SHARED_CORPORA / "canterbury"
LARGE = SHARED_CORPORA / "large"
SKIP_REASON = f"standard corpora not found at {SHARED_CORPORA} (set ENTROPYCODEC_CORPORA)"


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


CANTERBURY_FILES = _files(CANTERBURY)
LARGE_FILES = _files(LARGE)
ALL_CORPUS_FILES = CANTERBURY_FILES + LARGE_FILES


def corpus_params(files: list[Path]):
    """pytest parameters for corpus files, or one skipped parameter when absent."""
    if not files:
        return [pytest.param(None, marks=pytest.mark.skip(reason=SKIP_REASON), id="no-corpus")]
    return [pytest.param(p, id=p.name) for p in files]


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False,
                     help="run tests marked slow (long property tests, big inputs)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def abcd_message() -> bytes:
    return (OWN_CORPORA / "abcd.txt").read_bytes()
