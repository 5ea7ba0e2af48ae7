"""Engine settings come from nbgrader_config.py, and mistakes in them are refused clearly."""
import dataclasses
import subprocess
import sys

import pytest

from autograder.engine import batch
from autograder.engine.executors import local
from autograder.engine.settings import Autograder, Settings, SettingError, course_directory
from autograder.sandbox.client import SandboxUnavailable
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


def test_unknown_and_invalid_settings_are_refused_with_name_and_help(tmp_path):
    with pytest.raises(SettingError, match="unknown Autograder settings.*cell_timout"):
        Settings.load(write_config(tmp_path, "c.Autograder.cell_timout = 5\n"))
    with pytest.raises(SettingError, match=r"c.Autograder.sandbox = 'docker' is refused: expected any of \['bwrap', 'none'\]"):
        Settings.load(write_config(tmp_path, "c.Autograder.sandbox = 'docker'\n"))
    with pytest.raises(SettingError, match="keras_backend = 'mxnet' is refused: .*'tensorflow', 'jax', 'torch'"):
        Settings.load(write_config(tmp_path, "c.Autograder.keras_backend = 'mxnet'\n"))
    with pytest.raises(SettingError, match=r"memory_mb = '4G' is refused: expected an int\. memory_mb: Memory of the whole sandbox"):
        Settings.load(write_config(tmp_path, "c.Autograder.memory_mb = '4G'\n"))
    with pytest.raises(SettingError, match="profile = 'tpu' is refused.*Training budget"):
        Settings.load(write_config(tmp_path, ""), profile="tpu")


def test_every_setting_is_a_typed_trait_with_help():
    traits = Autograder.class_traits(config=True)
    assert set(traits) == {f.name for f in dataclasses.fields(Settings)}
    assert all(t.help for t in traits.values()) and traits["cell_timeout"].default_value == 120.0


def test_grade_command_refuses_bad_settings_before_grading_and_takes_overrides(tmp_path):
    root = write_config(tmp_path, "c.Autograder.memory_mb = '4G'\n")
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", "01_neuron"], cwd=root, capture_output=True,
                          text=True)
    assert done.returncode == 1 and "memory_mb = '4G' is refused" in done.stderr and "Memory of the whole sandbox" in done.stderr
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", "01_neuron", "--Autograder.memory_mb=2048",
                           "--Autograder.profile=tpu"], cwd=root, capture_output=True, text=True)
    assert done.returncode == 1 and "memory_mb" not in done.stderr and "profile = 'tpu' is refused" in done.stderr


def test_paths_and_gradebook_come_from_nbgraders_course_directory(tmp_path):
    root = write_config(tmp_path, "c.CourseDirectory.submitted_directory = 'inbox'\n"
                                  "c.CourseDirectory.db_url = 'sqlite:////elsewhere/gb.db'\n")
    coursedir = course_directory(root)
    assert coursedir.root == str(root.resolve()) and coursedir.db_url == "sqlite:////elsewhere/gb.db"
    assert coursedir.format_path(coursedir.submitted_directory, "ann", "01_neuron") == str(root / "inbox/ann/01_neuron")


def test_grading_refuses_to_run_unisolated_by_accident(tmp_path, monkeypatch):
    (tmp_path / "source" / "01_neuron").mkdir(parents=True)
    (tmp_path / "submitted" / "ann" / "01_neuron").mkdir(parents=True)
    monkeypatch.setattr(local, "bwrap_usable", lambda: False)
    with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap"):
        batch.grade_all(tmp_path, "01_neuron", Settings(), tmp_path / "results", show_progress=False)
