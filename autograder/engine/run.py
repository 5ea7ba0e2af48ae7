"""``autograder grade``: grade, record, write feedback and reports, print the table."""
from pathlib import Path

from rich.console import Console
from rich.table import Table
from traitlets.config.loader import PyFileConfigLoader

from autograder import stock
from autograder.engine.batch import grade_all
from autograder.engine.feedback import write_instructor_report, write_student_feedback
from autograder.engine.record import GradebookRecorder, write_autograded

FEEDBACK_FILE = "feedback.html"


def course_db_url(course_root):
    """The gradebook URL nbgrader_config.py names, else nbgrader's default in the course folder."""
    config_file = Path(course_root) / "nbgrader_config.py"
    if config_file.exists():
        config = PyFileConfigLoader(config_file.name, path=str(config_file.parent)).load_config()
        url = config.get("CourseDirectory", {}).get("db_url")
        if url:
            return url
    return f"sqlite:///{Path(course_root).resolve()}/gradebook.db"


def grade_assignment(course_root, assignment, settings, *, force=False, students=None, console=None):
    """Grade every submission of ``assignment``; return the BatchOutcome."""
    console = console or Console()
    root = Path(course_root).resolve()
    recorder = GradebookRecorder(course_db_url(root), assignment)

    def keep(result):
        recorder.record(result, _timestamp(root / "submitted" / result.student / assignment))
        graded = root / "autograded" / result.student / assignment
        write_autograded(root / "release" / assignment, result, graded)
        # In autograded/ too, so that `nbgrader generate_feedback` (which replaces feedback/) carries it along.
        for folder in (graded, root / "feedback" / result.student / assignment):
            write_student_feedback(result, folder / FEEDBACK_FILE)

    try:
        outcome = grade_all(root, assignment, settings, root / "autograded", force=force, students=students, on_result=keep)
        for result in outcome.skipped:
            keep(result)
    finally:
        recorder.close()
    report = root / "reports" / f"{assignment}.html"
    write_instructor_report(assignment, outcome.results, outcome.failures, report)
    stock.nbgrader(["export", "--to", str(root / "grades.csv")], root)
    console.print(summary_table(assignment, outcome))
    console.print(f"gradebook: {course_db_url(root)}\ngrades:    {root / 'grades.csv'}\n"
                  f"feedback:  {root / 'feedback'}/<student>/{assignment}/{FEEDBACK_FILE}\nreport:    {report}")
    return outcome


def summary_table(assignment, outcome):
    table = Table(title=f"{assignment}: {len(outcome.graded)} graded, {len(outcome.skipped)} unchanged since the last run")
    for column, justify in [("student", "left"), ("score", "right"), ("status", "left"), ("seconds", "right"), ("notes", "left")]:
        table.add_column(column, justify=justify)
    reused = {id(r) for r in outcome.skipped}
    for r in outcome.results:
        notes = "; ".join(p for nb in r.notebooks for p in nb.problems + ([nb.error] if nb.error else []))
        status = ("unchanged" if id(r) in reused else "graded") + (", flagged" if r.flagged else "")
        table.add_row(r.student, f"{r.score:g} / {r.max_score:g}", status, f"{r.seconds:.1f}", notes[:80])
    for student, why in outcome.failures.items():
        table.add_row(student, "-", "NOT GRADED", "", why[:80])
    return table


def _timestamp(folder):
    path = folder / "timestamp.txt"
    return path.read_text().strip() if path.is_file() else None
