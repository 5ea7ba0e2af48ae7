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
