"""Shared fixtures: the course root and quiet, offline defaults for every test."""
import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("COURSE_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")
# One training cache for the session, shared by stock nbgrader's kernels and the engine's workers:
# zoo cases that hand in the same model for a cell train it once. Tests of determinism switch it off.
os.environ.setdefault("AUTOGRADER_TRAINING_CACHE", tempfile.mkdtemp(prefix="training-cache-"))


@pytest.fixture
def course_root():
    return ROOT


def pytest_configure(config):
    """The controller makes one folder for the zoo tables that every (xdist) worker writes into."""
    if not hasattr(config, "workerinput"):
        os.environ["ZOO_TABLES"] = tempfile.mkdtemp(prefix="zoo-tables-")


def pytest_terminal_summary(terminalreporter):
    """Print the `autograder ci` table of every assignment graded in this session."""
    tables = sorted(Path(os.environ.get("ZOO_TABLES", "/nonexistent")).glob("*.txt"))
    if tables:
        terminalreporter.section("autograder ci: zoo tables")
        for table in tables:
            terminalreporter.write(table.read_text())
