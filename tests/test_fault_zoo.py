"""Fault zoo: submissions that crash, hang, flood or attack the grader, graded in one run with healthy ones.

Each must end with a clear reason in its own feedback and a zero only on what
it affected; healthy submissions get exactly the grade they get alone; the
run finishes and the gradebook stays intact.
"""
import json
import socket
import sqlite3
import threading

import pytest

from autograder.engine.batch import RESULT_FILE
from autograder.engine.run import grade_assignment
from tests.course_factory import make_course

pytestmark = pytest.mark.xdist_group("fault-zoo")  # mostly one worker builds the graded course (see test_uids)

RELU = "def relu(z):\n    return np.maximum(z, 0.0)\n"
ALL_ITEMS = {"test_sigmoid_visible", "test_sigmoid_hidden", "test_relu", "test_neuron_visible",
             "test_neuron_hidden", "test_predict_no_hidden", "test_decision_boundary",
             "test_perceptron_update_visible", "test_perceptron_update_hidden"}


def relu_cell(prefix):
    return {"relu": prefix + "\n" + RELU}


def drop_cells(predicate):
    def edit(nb):
        nb.cells = [c for c in nb.cells if not predicate(c)]
    return edit


def gid(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def duplicate_relu(nb):
    index = next(i for i, c in enumerate(nb.cells) if gid(c) == "relu")
    nb.cells.insert(index + 1, nb.cells[index].copy())


def retype_relu(nb):
    cell = next(c for c in nb.cells if gid(c) == "relu")
    cell.cell_type = "markdown"
    cell.pop("outputs", None)
    cell.pop("execution_count", None)


def inflate_points(nb):
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            meta["points"] = 100
        if gid(cell) == "test_relu":
            meta.update(solution=True, grade=False)


def huge(nb):
    nb.cells[0].source += "\n<!--" + "x" * (200 * 1024 * 1024) + "-->"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("faults"), "01_neuron")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    connections = []

    def accept():
        for _ in range(240):
            try:
                connections.append(listener.accept())
            except OSError:
                pass
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()

    sentinel = course.root / "sentinel.txt"
    sentinel.write_text("untouched")
    course.submit("healthy-solution")
    course.submit("healthy-buggy", {"sigmoid": "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))"})
    gradebook = course.root / "gradebook.db"
    other = course.root / "submitted" / "healthy-solution" / "01_neuron" / "neuron.ipynb"
    faults = {
        "infinite-loop": relu_cell("while True:\n    pass"),
        "memory-bomb": relu_cell("hog = [0] * (10 ** 10)"),
        "fork-bomb": relu_cell("import os\nwhile True:\n    os.fork()"),
        "os-exit": relu_cell("import os\nos._exit(3)"),
        "segfault": relu_cell("import faulthandler\nfaulthandler._sigsegv()"),
        "output-flood": relu_cell("print('\\n'.join(map(str, range(10 ** 7))))\nimport os\nos.write(1, b'y\\n' * 10 ** 7)"),
        "deletes-files": relu_cell("import os\nfor f in os.listdir('.'):\n    os.remove(f) if os.path.isfile(f) else None\n"
                                   "open('neuron.ipynb', 'w').write('garbage')"),
        "writes-gradebook": relu_cell(f"open({str(gradebook)!r}, 'wb').write(b'gone')"),
        "writes-gradebook-relative": relu_cell("open('../../../gradebook.db', 'wb').write(b'gone')"),
        "opens-socket": relu_cell(f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=3).sendall(b'x')"),
        "reads-other-student": relu_cell(f"stolen = open({str(other)!r}).read()"),
    }
    for student, answers in faults.items():
        course.submit(student, answers)
    course.submit("deleted-cells", edit=drop_cells(lambda c: gid(c) in {"relu", "test_relu", "test_neuron_hidden"}))
    course.submit("duplicated-cell", edit=duplicate_relu)
    course.submit("retyped-cell", edit=retype_relu)
    course.submit("changed-metadata", edit=inflate_points)
    course.submit("huge-notebook", edit=huge)
    course.submit_raw("malformed-json", {"neuron.ipynb": b'{"cells": [ {"cell_type": "code", "source": '})
    course.submit_raw("missing-notebook", {"notes.txt": b"I forgot the notebook"})

    healthy_alone = grade_assignment(course.root, "01_neuron", course.settings, students=["healthy-solution", "healthy-buggy"])
    alone = {r.student: _items(r) for r in healthy_alone.results}
    outcome = grade_assignment(course.root, "01_neuron", course.settings, force=True)
    listener.close()
    return {"course": course, "outcome": outcome, "alone": alone, "connections": connections, "sentinel": sentinel}


def _items(result):
    return {i.grade_id: i.score for nb in result.notebooks for i in nb.items}


def _result(graded, student):
    return next(r for r in graded["outcome"].results if r.student == student)


def _text(result):
    """Everything the student's feedback says about their submission."""
    parts = []
    for nb in result.notebooks:
        parts += nb.problems + [nb.error] + [c.error for c in nb.cells]
        parts += [check.message for item in nb.items for check in item.checks]
    return "\n".join(parts)


def test_the_run_finishes_and_grades_everyone(graded):
    assert not graded["outcome"].failures
    assert len(graded["outcome"].results) == 20


def test_healthy_submissions_get_the_grade_they_get_alone(graded):
    for student, scores in graded["alone"].items():
        assert _items(_result(graded, student)) == scores
    assert sum(graded["alone"]["healthy-solution"].values()) == 20


@pytest.mark.parametrize("student, reason", [
    ("infinite-loop", "timed out after 10 s"),
    ("memory-bomb", "MemoryError"),
    # The process limit makes fork fail (EAGAIN) unless the cell's timeout fires first: a race, both are clear.
    ("fork-bomb", ("timed out after 10 s", "Resource temporarily unavailable")),
    ("os-exit", "exited with status 3"),
    ("segfault", "segmentation fault"),
    ("writes-gradebook", "No such file or directory"),
    ("writes-gradebook-relative", "gradebook.db"),
    ("opens-socket", "Connection refused"),
    ("reads-other-student", "No such file or directory"),
    ("deleted-cells", "answer cell `relu` is missing"),
    ("retyped-cell", "changed to a markdown cell"),
])
def test_a_fault_costs_only_the_cells_it_hit(graded, student, reason):
    result = _result(graded, student)
    scores = _items(result)
    assert scores["test_relu"] == 0
    assert all(scores[item] > 0 for item in ALL_ITEMS - {"test_relu"}), scores
    reasons = (reason,) if isinstance(reason, str) else reason
    assert any(r in _text(result) for r in reasons), _text(result)


@pytest.mark.parametrize("student", ["output-flood", "deletes-files", "duplicated-cell"])
def test_harmless_misbehaviour_keeps_full_marks(graded, student):
    result = _result(graded, student)
    assert result.score == result.max_score == 20, _text(result)


def test_output_is_capped(graded):
    cells = _result(graded, "output-flood").notebooks[0].cells
    relu = next(c for c in cells if c.label == "relu")
    assert len(relu.output) < 25_000 and "more characters of output cut" in relu.output


@pytest.mark.parametrize("student", ["deleted-cells", "duplicated-cell", "retyped-cell", "changed-metadata"])
def test_tampered_notebooks_are_flagged_and_graded_from_the_original(graded, student):
    result = _result(graded, student)
    assert result.flagged and result.max_score == 20
    assert set(_items(result)) == ALL_ITEMS


@pytest.mark.parametrize("student, reason", [
    ("huge-notebook", "over the 20 MB limit"),
    ("malformed-json", "is not a valid notebook"),
    ("missing-notebook", "neuron.ipynb was not submitted"),
])
def test_unusable_notebooks_get_zero_with_the_reason(graded, student, reason):
    result = _result(graded, student)
    assert result.score == 0 and result.flagged
    assert reason in _text(result)
    feedback = graded["course"].root / "autograded" / student / "01_neuron" / "feedback.html"
    assert reason in feedback.read_text()


def test_nothing_outside_the_sandbox_was_touched(graded):
    course = graded["course"]
    assert graded["connections"] == []
    assert graded["sentinel"].read_text() == "untouched"
    original = course.root / "submitted" / "deletes-files" / "01_neuron" / "neuron.ipynb"
    assert json.loads(original.read_text())["cells"]
    db = sqlite3.connect(course.root / "gradebook.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = dict(db.execute(
        "SELECT student.id, SUM(grade.auto_score) FROM grade JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id "
        "JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id "
        "JOIN student ON submitted_assignment.student_id = student.id GROUP BY student.id").fetchall())
    assert rows["healthy-solution"] == 20 and rows["writes-gradebook"] == 18


def test_results_are_stored_for_resuming(graded):
    course = graded["course"]
    stored = course.root / "autograded" / "segfault" / "01_neuron" / RESULT_FILE
    assert json.loads(stored.read_text())["student"] == "segfault"
    again = grade_assignment(course.root, "01_neuron", course.settings)
    assert not again.graded and len(again.skipped) == 20
