"""``autograder demo``: release every assignment, collect and grade the example class, write feedback.

The example students (``examples/students.py``) are built from the committed
release and the bug zoo, so they stay in step with the notebooks. They go
through the loop a course runs: the assignments are released into the
exchange, each student submits (nbgrader writes the submission's
``timestamp.txt``), the instructor collects, then grades.
"""
import importlib.util
import shutil
import tempfile
from pathlib import Path

import nbformat
from rich.console import Console
from rich.table import Table

from autograder import exchange
from autograder import notebooks as nbs
from autograder import stock
from autograder.engine.run import grade_assignments
from autograder.engine.settings import Settings
from autograder.release import assignments_in, release
from autograder.zoo import load_zoo


def load_students(path):
    spec = importlib.util.spec_from_file_location("example_students", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.STUDENTS


def answers_for(recipe, assignment, zoo_dir):
    """The answer cells a recipe writes for one assignment (``{}``: the reference solution)."""
    bugs, alternatives = load_zoo(zoo_dir, assignment)
    answers = {}
    for ref in recipe.get(assignment, []) if isinstance(recipe, dict) else []:
        kind, name = ref.split(":", 1)
        answers.update(bugs[name]["cells"] if kind == "bug" else alternatives[name])
    return answers


def build_submissions(course_root, students, assignments, zoo_dir, into=None):
    """Write every example student's notebooks into ``<into>/<student>/<assignment>/`` (default: ``submitted/``)."""
    root = Path(course_root)
    into = Path(into) if into else root / "submitted"
    for student, recipe in students.items():
        for assignment in assignments:
            folder = into / student / assignment
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            for release_path in nbs.notebooks_of(root / "release" / assignment):
                release_nb = nbs.read(release_path)
                if recipe == "release":
                    nb = release_nb
                else:
                    source_nb = nbs.read(root / "source" / assignment / release_path.name)
                    nb = nbs.make_submission(release_nb, source_nb, answers_for(recipe, assignment, zoo_dir))
                nbformat.write(nb, str(folder / release_path.name))


def collect_class(course_root, students, assignments, zoo_dir):
    """Release into the exchange, let every student submit their work, collect it into ``submitted/``."""
    for assignment in assignments:
        exchange.release(course_root, assignment)
    with tempfile.TemporaryDirectory() as homes:
        build_submissions(course_root, students, assignments, zoo_dir, homes)
        for student in students:
            for assignment in assignments:
                exchange.submit(course_root, student, assignment, Path(homes) / student / assignment)
    for assignment in assignments:
        exchange.collect(course_root, assignment)


def run(course_root=".", assignments=None, students_file="examples/students.py", zoo_dir="tests/zoo", console=None):
    console = console or Console(width=150)
    assignments = assignments or assignments_in(course_root)
    release(course_root, assignments)
    students = load_students(Path(course_root) / students_file)
    collect_class(course_root, students, assignments, zoo_dir)
    outcome = grade_assignments(course_root, assignments, Settings.load(course_root), console=console)
    totals = {a: {r.student: f"{r.score:g}/{r.max_score:g}" for r in outcome.only(a).results} for a in assignments}
    for assignment in assignments:
        stock.nbgrader(["generate_feedback", assignment, "--force"], course_root)
    table = Table(title="Grades (also in grades.csv and the gradebook)")
    table.add_column("student")
    for assignment in assignments:
        table.add_column(assignment, justify="right")
    for student in students:
        table.add_row(student, *[totals[a].get(student, "-") for a in assignments])
    console.print(table)
    console.print("nbgrader feedback: feedback/<student>/<assignment>/<notebook>.html; "
                  "engine feedback: feedback/<student>/<assignment>/feedback.html; reports: reports/")
    return 0
