"""Engine settings come from nbgrader_config.py, and mistakes in them are refused clearly."""
import pytest

from autograder.engine import batch
from autograder.engine.executors import local
from autograder.engine.sandbox import SandboxUnavailable
from autograder.engine.settings import Settings
from tests.conftest import ROOT


def write_config(tmp_path, body):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n" + body)
    return tmp_path


def test_course_config_is_read():
    settings = Settings.load(ROOT)
    assert settings.sandbox == "bwrap" and settings.cell_timeout == 120 and settings.seed == 2026


def test_overrides_win_and_none_is_ignored(tmp_path):
    root = write_config(tmp_path, "c.Autograder.seed = 5\nc.Autograder.memory_mb = 1000\n")
    settings = Settings.load(root, seed=9, workers=None)
    assert settings.seed == 9 and settings.memory_mb == 1000 and settings.workers == 0


def test_unknown_and_invalid_settings_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown Autograder settings.*cell_timout"):
        Settings.load(write_config(tmp_path, "c.Autograder.cell_timout = 5\n"))
    with pytest.raises(ValueError, match="must be 'bwrap' or 'none'"):
        Settings.load(write_config(tmp_path, "c.Autograder.sandbox = 'docker'\n"))
    with pytest.raises(ValueError, match="keras_backend must be 'auto' or one of tensorflow, jax, torch, not 'mxnet'"):
        Settings.load(write_config(tmp_path, "c.Autograder.keras_backend = 'mxnet'\n"))


def test_grading_refuses_to_run_unisolated_by_accident(tmp_path, monkeypatch):
    (tmp_path / "source" / "01_neuron").mkdir(parents=True)
    (tmp_path / "submitted" / "ann" / "01_neuron").mkdir(parents=True)
    monkeypatch.setattr(local, "bwrap_usable", lambda: False)
    with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap"):
        batch.grade_all(tmp_path, "01_neuron", Settings(), tmp_path / "results", show_progress=False)
