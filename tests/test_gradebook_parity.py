"""The gradebook `autograder grade` writes is the one `nbgrader autograde` writes, field by field.

Stock nbgrader and the engine grade the same submissions of 01_neuron (copies
of one released course, with the same timestamp.txt files, due date and
late-penalty setting); every gradebook field formgrader shows is compared.
Where they differ, the difference is listed in INTENDED with the reason: the
engine is deliberately stricter or fairer there. Then formgrader's manual
grading must survive a regrade and --force, and a hostile timestamp.txt is
flagged for its student without stopping the run.
"""
import datetime
import os
import shutil

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder import notebooks as nbs
from autograder import stock
from autograder.engine.record import read_timestamp
from autograder.engine.sandboxed_autograde import AUTOGRADE_PREPROCESSORS, SANITIZE_PREPROCESSORS
from autograder.engine.run import grade_assignment
from autograder.engine.settings import Settings, course_config
from autograder.zoo import load_zoo
from tests.conftest import ROOT
from tests.course_factory import ENGINE_CONFIG

ASSIGNMENT = "01_neuron"
DUE = "2026-01-15 12:00:00 UTC"
CONFIG = ENGINE_CONFIG.format(cell_timeout=30, submission_timeout=300, memory_mb=2048, workers=2) + """
c.LateSubmissionPlugin.penalty_method = "zero"
"""
BUGS, _ = load_zoo(ROOT / "tests" / "zoo", ASSIGNMENT)
# student: (answers, timestamp.txt)
STUDENTS = {
    "solution": ({}, "2026-01-14 09:30:00.000001 UTC"),
    "untouched": (None, "2026-01-15 11:59:59 UTC"),
    "naive-sigmoid": (BUGS["sigmoid_naive_overflows"]["cells"], "2026-01-14 10:00:00 UTC"),
    "wrong-relu": (BUGS["relu_abs"]["cells"], "2026-01-15 12:00:01 UTC"),  # one second late
}
# (student, row, field): (stock nbgrader, engine) -- each a deliberate choice of the engine.
INTENDED = {
    # numpy's overflow warning goes to stderr, and stock nbgrader zeroes any test cell that writes to stderr,
    # even the hidden cell where the engine's checks pass in part: the engine gives the partial credit.
    ("naive-sigmoid", "test_sigmoid_hidden", "auto_score"): (0.0, 1.5),
    ("naive-sigmoid", "submission", "score"): (17.0, 18.5),
    ("naive-sigmoid", "neuron", "score"): (17.0, 18.5),
}
GRADE_FIELDS = ("auto_score", "manual_score", "extra_credit", "max_score", "needs_manual_grade")
COMMENT_FIELDS = ("auto_comment", "manual_comment")


def submission_notebook(release, source, answers):
    if answers is None:
        return release
    return nbs.make_submission(release, source, answers)


def gradebook_rows(db_url):
    """Every field formgrader shows, keyed by (student, row, field)."""
    rows = {}
    with Gradebook(db_url) as gb:
        for student in STUDENTS:
            sub = gb.find_submission(ASSIGNMENT, student)
            for field in ("timestamp", "total_seconds_late", "score", "needs_manual_grade", "late_submission_penalty"):
                rows[(student, "submission", field)] = getattr(sub, field)
            for nb in sub.notebooks:
                for field in ("score", "late_submission_penalty", "needs_manual_grade", "flagged"):
                    rows[(student, nb.name, field)] = getattr(nb, field)
                for grade in nb.grades:
                    rows.update({(student, grade.name, f): getattr(grade, f) for f in GRADE_FIELDS})
                for comment in nb.comments:
                    rows.update({(student, comment.name, f): getattr(comment, f) for f in COMMENT_FIELDS})
    return rows


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """``(stock rows, engine rows, engine course root)`` for the same submissions."""
    base = tmp_path_factory.mktemp("parity")
    stock_root, engine_root = base / "stock", base / "engine"
    stock.released_course(stock_root, ROOT, [ASSIGNMENT], 60, CONFIG)
    stock.nbgrader(["db", "assignment", "add", ASSIGNMENT, f"--duedate={DUE}"], stock_root)
    release = nbs.read(stock_root / "release" / ASSIGNMENT / "neuron.ipynb")
    source = nbs.read(stock_root / "source" / ASSIGNMENT / "neuron.ipynb")
    for student, (answers, timestamp) in STUDENTS.items():
        folder = stock_root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(submission_notebook(release, source, answers), str(folder / "neuron.ipynb"))
        (folder / "timestamp.txt").write_text(timestamp)
    shutil.copytree(stock_root, engine_root)
    (engine_root / "nbgrader_config.py").write_text(
        (stock_root / "nbgrader_config.py").read_text().replace(str(stock_root), str(engine_root)))
    stock.nbgrader(["autograde", ASSIGNMENT], stock_root)
    outcome = grade_assignment(engine_root, ASSIGNMENT, Settings.load(engine_root))
    assert not outcome.failures
    return gradebook_rows(f"sqlite:///{stock_root}/gradebook.db"), gradebook_rows(f"sqlite:///{engine_root}/gradebook.db"), engine_root


def test_engine_gradebook_matches_stock_nbgrader_field_by_field(graded):
    stock_rows, engine_rows, _ = graded
    assert set(stock_rows) == set(engine_rows)
    differences = {key: (stock_rows[key], engine_rows[key]) for key in stock_rows
                   if not _same(stock_rows[key], engine_rows[key])}
    assert differences == INTENDED
    # What the issue named: graded cells are decided, timestamps recorded, the late one penalised by nbgrader's plugin.
    assert not any(v for (s, row, f), v in engine_rows.items() if f == "needs_manual_grade")
    assert engine_rows[("solution", "submission", "timestamp")].isoformat() == "2026-01-14T09:30:00.000001"
    assert engine_rows[("wrong-relu", "submission", "total_seconds_late")] == 1
    assert engine_rows[("wrong-relu", "neuron", "late_submission_penalty")] == engine_rows[("wrong-relu", "neuron", "score")] > 0
    assert engine_rows[("untouched", "sigmoid", "auto_comment")] == "No response."


def _same(a, b):
    return a == b or (isinstance(a, float) and isinstance(b, float) and abs(a - b) < 1e-9)


def test_the_course_routes_nbgraders_autograde_through_the_engine():
    autograde = course_config(ROOT).Autograde
    assert autograde.autograde_preprocessors == AUTOGRADE_PREPROCESSORS
    assert autograde.sanitize_preprocessors == SANITIZE_PREPROCESSORS
    assert not [p for p in AUTOGRADE_PREPROCESSORS if "Execute" in p]


def test_nbgrader_autograde_grades_in_the_sandbox_and_records_what_autograder_grade_does(graded):
    """What formgrader's Autograde button runs (nbgrader's Autograde converter), configured as the course is."""
    _, engine_rows, root = graded
    config = root / "nbgrader_config.py"
    config.write_text(config.read_text() + f"c.Autograde.sanitize_preprocessors = {SANITIZE_PREPROCESSORS!r}\n"
                                           f"c.Autograde.autograde_preprocessors = {AUTOGRADE_PREPROCESSORS!r}\n")
    result = root / "autograded" / "naive-sigmoid" / ASSIGNMENT / "autograder.json"
    result.unlink()
    stock.nbgrader(["autograde", ASSIGNMENT, "--student=naive-sigmoid", "--force"], root)
    assert result.is_file()  # graded by the engine, not in a kernel of nbgrader's
    rows = gradebook_rows(f"sqlite:///{root}/gradebook.db")
    mine = {k: v for k, v in rows.items() if k[0] == "naive-sigmoid"}
    assert mine == {k: v for k, v in engine_rows.items() if k[0] == "naive-sigmoid"}
    graded_nb = (root / "autograded" / "naive-sigmoid" / ASSIGNMENT / "neuron.ipynb").read_text()
    assert "run_in_kernel" not in graded_nb and "PASS  " in graded_nb


def test_manual_grades_survive_regrade_and_force(graded):
    _, _, root = graded
    db_url = f"sqlite:///{root}/gradebook.db"
    with Gradebook(db_url) as gb:  # what formgrader writes when a person grades
        gb.find_grade("test_relu", "neuron", ASSIGNMENT, "wrong-relu").manual_score = 1.0
        gb.find_grade("test_neuron_hidden", "neuron", ASSIGNMENT, "wrong-relu").extra_credit = 0.5
        gb.find_comment("relu", "neuron", ASSIGNMENT, "wrong-relu").manual_comment = "abs is not max(z, 0)"
        gb.db.commit()
    for force in (False, True):  # unchanged (the stored result is recorded again), then regraded
        grade_assignment(root, ASSIGNMENT, Settings.load(root), force=force, students=["wrong-relu"])
        with Gradebook(db_url) as gb:
            relu = gb.find_grade("test_relu", "neuron", ASSIGNMENT, "wrong-relu")
            assert (relu.manual_score, relu.auto_score, relu.score) == (1.0, 0.0, 1.0)
            assert relu.needs_manual_grade  # nbgrader's rule: a manual grade is reviewed after an autograde
            assert gb.find_grade("test_neuron_hidden", "neuron", ASSIGNMENT, "wrong-relu").extra_credit == 0.5
            assert gb.find_comment("relu", "neuron", ASSIGNMENT, "wrong-relu").manual_comment == "abs is not max(z, 0)"


def test_hostile_timestamp_files_are_refused_with_a_reason(tmp_path):
    now = datetime.datetime(2026, 2, 1)
    cases = {"link": None, "fifo": None, "huge": "2026-01-14 10:00:00 UTC" + " " * 5000, "empty": "",
             "words": "yesterday-ish", "future": "2999-01-01 00:00:00 UTC", "ok": "2026-01-14 10:00:00.5 UTC\n"}
    for name, text in cases.items():
        (tmp_path / name).mkdir()
        path = tmp_path / name / "timestamp.txt"
        if name == "link":
            os.symlink("/etc/shadow", path)
        elif name == "fifo":
            os.mkfifo(path)  # opening it for reading must not hang
        else:
            path.write_text(text)
    reasons = {name: read_timestamp(tmp_path / name, now) for name in cases}
    assert reasons["ok"] == (datetime.datetime(2026, 1, 14, 10, 0, 0, 500000), "")
    assert read_timestamp(tmp_path / "missing", now) == (None, "")
    expected = {"link": "a symbolic link", "fifo": "not a regular file", "huge": "longer than 256 bytes",
                "empty": "is not a date", "words": "'yesterday-ish' is not a date", "future": "in the future"}
    for name, why in expected.items():
        assert reasons[name][0] is None and why in reasons[name][1], (name, reasons[name])


def test_a_hostile_timestamp_flags_its_student_and_never_stops_the_run(graded):
    _, _, root = graded
    folder = root / "submitted" / "linked" / ASSIGNMENT
    shutil.copytree(root / "submitted" / "solution" / ASSIGNMENT, folder)
    (folder / "timestamp.txt").unlink()
    os.symlink("/etc/shadow", folder / "timestamp.txt")
    outcome = grade_assignment(root, ASSIGNMENT, Settings.load(root), students=["linked", "solution"])
    assert [r.student for r in outcome.results] == ["linked", "solution"] and not outcome.failures
    with Gradebook(f"sqlite:///{root}/gradebook.db") as gb:
        assert gb.find_submission(ASSIGNMENT, "linked").timestamp is None
        assert gb.find_submission_notebook("neuron", ASSIGNMENT, "linked").flagged
        assert gb.find_submission(ASSIGNMENT, "linked").score == 20  # graded all the same (01 is worth 20)
        assert not gb.find_submission_notebook("neuron", ASSIGNMENT, "solution").flagged
    page = (root / "autograded" / "linked" / ASSIGNMENT / "feedback.html").read_text()
    assert "timestamp.txt is not used: it is a symbolic link" in page
