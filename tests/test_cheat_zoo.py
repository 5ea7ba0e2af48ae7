"""Cheat zoo: the known ways past stock nbgrader, each failing against the engine.

Every cheat comes with wrong answers (or probes for hidden material) and must
end with zero on the items it meant to fake, or be flagged. Hidden-test
source is never within reach of the student's process nor in any feedback.
"""
import html
import inspect
import sqlite3

import pytest

from autograder import notebooks as nbs
from autograder.engine.run import grade_assignment
from autograder.hidden import a01_neuron
from tests.test_release_sync import HIDDEN_BLOCK
from tests.course_factory import make_course

pytestmark = pytest.mark.xdist_group("cheat-zoo")  # mostly one worker builds the graded course (see test_uids)

WRONG_SIGMOID = "def sigmoid(z):\n    return np.zeros_like(np.asarray(z, dtype=float))\n"
SIGMOID_ITEMS = {"test_sigmoid_visible", "test_sigmoid_hidden"}

PROBE = """
import os, sys, glob
FOUND = []
CAPTURED = []
get_ipython().events.register("pre_run_cell", lambda info: CAPTURED.append(info.raw_cell))
for path in ["/work", "/root", "/home", "/opt", "/tmp", "/srv", "/mnt"]:
    for pattern in ["**/hidden/*.py", "**/source/**/*.ipynb", "**/gradebook.db", "**/submitted/**"]:
        FOUND += glob.glob(os.path.join(path, pattern), recursive=True)
try:
    import autograder.hidden
    FOUND.append("imported autograder.hidden")
except ImportError:
    pass
FOUND += [k for k in os.environ if "NBGRADER" in k or "AUTOGRADER" in k]
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read()
        except OSError:
            continue
        if b"nbgrader" in cmd or b"pytest" in cmd or b"autograder grade" in cmd:
            FOUND.append(cmd.decode(errors="replace"))

def relu(z):
    leaks = FOUND + [c for c in CAPTURED if "run_in_kernel" in c or "BEGIN HIDDEN" in c or "check_" in c]
    assert not leaks, f"LEAKED: {leaks[:5]}"
    return np.maximum(z, 0.0)
"""

CHEATS = {
    "blank-later-cells": {"sigmoid": WRONG_SIGMOID + "get_ipython().input_transformers_cleanup.append(lambda lines: [])"},
    "always-equal": {"sigmoid": "class Yes(float):\n    def __eq__(self, other):\n        return True\n"
                                "    __ne__ = lambda self, other: False\n"
                                "def sigmoid(z):\n    return Yes(0.5)"},
    "always-equal-array": {"sigmoid": "class Yes(np.ndarray):\n    def __eq__(self, other):\n        return np.ones(np.shape(other), bool)\n"
                                      "def sigmoid(z):\n    return np.zeros(np.shape(z)).view(Yes)"},
    "noop-asserts": {"sigmoid": WRONG_SIGMOID + "np.testing.assert_allclose = lambda *a, **k: None\n"
                                "np.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True\n"
                                "np.array_equal = lambda *a, **k: True\nimport builtins\nbuiltins.AssertionError = type('Nope', (Exception,), {})"},
    "graded-mode-switch": {"sigmoid": "import os\nif os.environ.get('NBGRADER_EXECUTION'):\n"
                                      "    np.testing.assert_allclose = lambda *a, **k: None\n" + WRONG_SIGMOID},
    "sys-exit": {"sigmoid": WRONG_SIGMOID + "import sys\nsys.exit(0)"},
    "os-exit": {"sigmoid": WRONG_SIGMOID + "import os\nos._exit(0)"},
    "no-tracebacks": {"sigmoid": WRONG_SIGMOID + "get_ipython().showtraceback = lambda *a, **k: None\n"
                                 "get_ipython().showsyntaxerror = lambda *a, **k: None"},
    "fake-score": {"sigmoid": WRONG_SIGMOID + "print('PASS  all hidden checks\\n20 / 20 points\\nScore: 20.0 / 20.0')"},
    "probe-for-hidden-material": {"relu": PROBE},
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("cheats"), "01_neuron")
    gradebook = course.root / "gradebook.db"
    course.submit("honest")
    for student, answers in CHEATS.items():
        course.submit(student, answers)
    course.submit("edits-gradebook", {"sigmoid": WRONG_SIGMOID + (
        "import sqlite3\n"
        f"for path in [{str(gradebook)!r}, '../gradebook.db', '../../gradebook.db', '../../../gradebook.db']:\n"
        "    try:\n        db = sqlite3.connect(f'file:{path}?mode=rw', uri=True)\n"
        "        db.execute('UPDATE grade SET auto_score = 100'); db.commit()\n"
        "    except sqlite3.Error:\n        pass")})
    outcome = grade_assignment(course.root, "01_neuron", course.settings)
    return {"course": course, "outcome": outcome}


def _scores(graded, student):
    result = next(r for r in graded["outcome"].results if r.student == student)
    return {i.grade_id: i.score for nb in result.notebooks for i in nb.items}


def test_honest_student_gets_full_marks(graded):
    assert sum(_scores(graded, "honest").values()) == 20


@pytest.mark.parametrize("student", [s for s in CHEATS if s != "probe-for-hidden-material"] + ["edits-gradebook"])
def test_cheats_score_zero_on_what_they_faked(graded, student):
    scores = _scores(graded, student)
    assert all(scores[item] == 0 for item in SIGMOID_ITEMS), scores


def test_blanking_later_cells_only_blanks_the_cheater(graded):
    scores = _scores(graded, "blank-later-cells")
    assert scores["test_relu"] == 0 and scores["test_decision_boundary"] == 0


def test_hidden_material_is_out_of_reach_of_the_student(graded):
    scores = _scores(graded, "probe-for-hidden-material")
    assert scores["test_relu"] == 2, "the probe found hidden material; see its feedback"


def test_gradebook_edits_do_not_land(graded):
    db = sqlite3.connect(graded["course"].root / "gradebook.db")
    assert db.execute("SELECT MAX(auto_score) FROM grade").fetchone()[0] <= 3


def test_no_hidden_test_source_in_any_feedback_or_autograded_notebook(graded):
    root = graded["course"].root
    source = nbs.read(root / "source" / "01_neuron" / "neuron.ipynb")
    hidden = {line.strip() for c in source.cells for block in HIDDEN_BLOCK.findall(c.source)
              for line in block.splitlines() if line.strip()}
    hidden |= {line.strip() for line in inspect.getsource(a01_neuron).splitlines() if line.strip().startswith("def check_")}
    assert len(hidden) > 5
    written = list((root / "feedback").rglob("*.html")) + list((root / "autograded").rglob("*.ipynb"))
    assert written
    for path in written:
        text = path.read_text()
        leaked = [line for line in hidden if line in text or html.escape(line) in text]
        assert not leaked, f"{leaked[:2]} in {path}"
