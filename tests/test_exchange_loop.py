"""The course loop end to end through nbgrader's exchange, as its command-line tools run it.

The instructor releases 01_neuron into an exchange in a temp folder; two
students (each their own HOME) fetch it, fill it in, `nbgrader validate` and
`submit` it, one after the due date; the instructor collects, runs
`autograder grade`, `generate_feedback` and `release_feedback`; the students
`fetch_feedback` and find nbgrader's page and ours. The late submission is
handled as nbgrader's late-penalty setting ("zero") says.
"""
import os
import subprocess
import sys
import time

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder import exchange
from autograder import notebooks as nbs
from autograder import stock
from tests.conftest import ROOT
from tests.course_factory import ENGINE_CONFIG

ASSIGNMENT = "01_neuron"
CONFIG = ENGINE_CONFIG.format(cell_timeout=30, submission_timeout=300, memory_mb=2048, workers=2) + """
c.CourseDirectory.course_id = "dl-course"
c.LateSubmissionPlugin.penalty_method = "zero"
"""
ANSWERS = {"ada": {}, "ben": {"relu": "def relu(z):\n    return np.abs(z)"}}  # ada: the reference; ben: one bug


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    base = tmp_path_factory.mktemp("loop")
    course = base / "course"
    stock.released_course(course, ROOT, [ASSIGNMENT], 60, CONFIG)
    config_dir = base / "jupyter-config"
    exchange.configure(course, base / "exchange", config_dir)  # what scripts/setup.sh does, in a temp folder
    env = {**os.environ, "JUPYTER_CONFIG_PATH": str(config_dir), "PATH": os.path.dirname(sys.executable) + os.pathsep
           + os.environ["PATH"]}

    def run(args, cwd, home=None):
        done = subprocess.run(args, cwd=cwd, env={**env, **({"HOME": str(home)} if home else {})},
                              capture_output=True, text=True)
        assert done.returncode == 0, f"{args}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        return done.stdout + done.stderr

    run(["nbgrader", "release_assignment", ASSIGNMENT], course)
    validations = {}
    for student, answers in ANSWERS.items():
        home = base / student
        home.mkdir()
        run(["nbgrader", "fetch_assignment", ASSIGNMENT], home, home)
        path = home / ASSIGNMENT / "neuron.ipynb"
        nb = nbs.make_submission(nbs.read(path), nbs.read(course / "source" / ASSIGNMENT / "neuron.ipynb"), answers)
        nbformat.write(nb, str(path))
        validations[student] = subprocess.run(["nbgrader", "validate", str(path)], cwd=home, capture_output=True,
                                              text=True, env={**env, "HOME": str(home)}).stdout
        if student == "ben":  # the due date passes between the two submissions
            due = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
            run(["nbgrader", "db", "assignment", "add", ASSIGNMENT, f"--duedate={due}"], course)
            time.sleep(1.1)
        run(["nbgrader", "submit", ASSIGNMENT, f"--student={student}"], home, home)
    run(["nbgrader", "collect", ASSIGNMENT], course)
    run([sys.executable, "-m", "autograder", "grade", ASSIGNMENT], course)
    run(["nbgrader", "generate_feedback", ASSIGNMENT], course)
    run(["nbgrader", "release_feedback", ASSIGNMENT], course)
    for student in ANSWERS:
        run(["nbgrader", "fetch_feedback", ASSIGNMENT, f"--student={student}"], base / student, base / student)
    return base, course, validations


def test_students_validate_before_they_submit(loop):
    _, _, validations = loop
    assert "Success! Your notebook passes all the tests." in validations["ada"]
    assert "VALIDATION FAILED" in validations["ben"] and "relu" in validations["ben"]


def test_collected_submissions_are_graded_with_their_timestamps_and_late_penalty(loop):
    _, course, _ = loop
    with Gradebook(f"sqlite:///{course}/gradebook.db") as gb:
        ada, ben = gb.find_submission(ASSIGNMENT, "ada"), gb.find_submission(ASSIGNMENT, "ben")
        assert ada.timestamp is not None and ada.total_seconds_late == 0 and ada.score == 20
        assert ben.total_seconds_late > 0 and ben.late_submission_penalty == ben.score == 18
        assert not ada.needs_manual_grade and not ben.needs_manual_grade


def test_students_fetch_nbgraders_feedback_and_ours(loop):
    base, _, _ = loop
    for student, score in (("ada", "20.0 / 20.0"), ("ben", "0.0 / 20.0")):  # ben's 18 points, all taken as late
        pages = {p.name: p for p in (base / student / ASSIGNMENT / "feedback").glob("*/*.html")}
        assert set(pages) == {"neuron.html", "feedback.html"}, pages
        nbgrader_page, ours = pages["neuron.html"].read_text(), pages["feedback.html"].read_text()
        assert f"Score: {score}" in nbgrader_page and "run_in_kernel" not in nbgrader_page + ours
        assert f"feedback for {student}" in ours
        assert ("Late submission penalty (Score: -18.0)" in nbgrader_page) == (student == "ben")
    assert "FAIL" in (base / "ben" / ASSIGNMENT / "feedback").glob("*/feedback.html").__next__().read_text()
