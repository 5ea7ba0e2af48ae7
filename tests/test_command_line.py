"""The instructor's commands end to end: `autograder grade` on a small course, and the demo's example class."""
import csv
import json
import shutil
import subprocess
import sys

from autograder import notebooks as nbs
from autograder import stock
from autograder.demo import build_submissions, load_students
from autograder.release import assignments_in
from tests.conftest import ROOT
from tests.course_factory import make_course


def test_grade_command_writes_gradebook_csv_feedback_and_report(tmp_path):
    course = make_course(tmp_path, "01_neuron")
    course.submit("ann")
    course.submit("ben", {"relu": "def relu(z):\n    return np.abs(z)"})
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", "01_neuron"], cwd=course.root,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "20 / 20" in done.stdout and "18 / 20" in done.stdout and "ETA" in done.stdout + done.stderr
    rows = {r["student_id"]: r for r in csv.DictReader(open(course.root / "grades.csv"))}
    assert float(rows["ann"]["score"]) == 20 and float(rows["ben"]["score"]) == 18
    feedback = (course.root / "autograded" / "ben" / "01_neuron" / "feedback.html").read_text()
    assert "FAIL" in feedback and "relu" in feedback
    report = (course.root / "reports" / "01_neuron.html").read_text()
    assert "test_relu" in report and "data:image/png;base64" in report
    again = subprocess.run([sys.executable, "-m", "autograder", "grade", "01_neuron"], cwd=course.root,
                           capture_output=True, text=True)
    assert "0 graded, 2 unchanged" in again.stdout


def test_nbgrader_feedback_works_on_engine_results_and_hides_hidden_tests(tmp_path):
    course = make_course(tmp_path, "01_neuron")
    course.submit("ann", {"sigmoid": "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))"})
    subprocess.run([sys.executable, "-m", "autograder", "grade", "01_neuron"], cwd=course.root, check=True,
                   capture_output=True)
    stock.nbgrader(["generate_feedback", "01_neuron", "--force"], course.root)
    html = (course.root / "feedback" / "ann" / "01_neuron" / "neuron.html").read_text()
    engine = json.loads((course.root / "autograded" / "ann" / "01_neuron" / "autograder.json").read_text())
    score = sum(i["score"] for nb in engine["notebooks"] for i in nb["items"])
    assert 0 < score < 20 and f"Score: {score:.1f} / 20.0" in html  # nbgrader's page shows the engine's grade
    assert "run_in_kernel" not in html and (course.root / "feedback" / "ann" / "01_neuron" / "feedback.html").exists()


def test_example_class_is_buildable_from_the_release_and_the_zoo(tmp_path):
    for folder in ("source", "release"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    students = load_students(ROOT / "examples" / "students.py")
    assignments = assignments_in(ROOT)
    build_submissions(tmp_path, students, assignments, ROOT / "tests" / "zoo")
    for student in students:
        for assignment in assignments:
            assert nbs.notebooks_of(tmp_path / "submitted" / student / assignment)
