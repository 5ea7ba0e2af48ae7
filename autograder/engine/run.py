"""``autograder grade``: grade, record, write feedback and reports, print the tables."""
from pathlib import Path

from rich.console import Console
from rich.table import Table
from traitlets.config.loader import PyFileConfigLoader

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


def grade_assignments(course_root, assignments, settings, *, force=False, students=None, console=None):
    """Grade every submission of ``assignments`` in one pool; return the BatchOutcome."""
    console = console or Console()
    root = Path(course_root).resolve()
    assignments = [assignments] if isinstance(assignments, str) else list(assignments)
    recorder = GradebookRecorder(course_db_url(root), assignments)

    def keep(result):
        recorder.record(result, _timestamp(root / "submitted" / result.student / result.assignment))
        graded = root / "autograded" / result.student / result.assignment
        write_autograded(root / "release" / result.assignment, result, graded)
        # In autograded/ too, so that `nbgrader generate_feedback` (which replaces feedback/) carries it along.
        for folder in (graded, root / "feedback" / result.student / result.assignment):
            write_student_feedback(result, folder / FEEDBACK_FILE)

    try:
        outcome = grade_all(root, assignments, settings, root / "autograded", force=force, students=students,
                            on_result=keep)
        for result in outcome.skipped:
            keep(result)
        recorder.export_csv(root / "grades.csv")
    finally:
        recorder.close()
    for assignment in assignments:
        part = outcome.only(assignment)
        report = root / "reports" / f"{assignment}.html"
        write_instructor_report(assignment, part.results, part.failures, report)
        console.print(summary_table(assignment, part))
    console.print(f"gradebook: {course_db_url(root)}\ngrades:    {root / 'grades.csv'}\n"
                  f"feedback:  {root / 'feedback'}/<student>/<assignment>/{FEEDBACK_FILE}\nreports:   {root / 'reports'}/")
    return outcome


def grade_assignment(course_root, assignment, settings, **options):
    """Grade one assignment (see ``grade_assignments``)."""
    return grade_assignments(course_root, [assignment], settings, **options)


def summary_table(assignment, outcome):
    table = Table(title=f"{assignment}: {len(outcome.graded)} graded, {len(outcome.skipped)} unchanged since the last run")
    for column, justify in [("student", "left"), ("score", "right"), ("status", "left"), ("seconds", "right"), ("notes", "left")]:
        table.add_column(column, justify=justify)
    reused = {id(r) for r in outcome.skipped}
    for r in outcome.results:
        notes = "; ".join(p for nb in r.notebooks for p in nb.problems + ([nb.error] if nb.error else []))
        status = ("unchanged" if id(r) in reused else "graded") + (", flagged" if r.flagged else "")
        table.add_row(r.student, f"{r.score:g} / {r.max_score:g}", status, f"{r.seconds:.1f}", notes[:80])
    for (_, student), why in outcome.failures.items():
        table.add_row(student, "-", "NOT GRADED", "", why[:80])
    return table


def _timestamp(folder):
    """The submission's ``timestamp.txt`` as nbgrader parses it; None when missing, a link, large or not a date."""
    import os

    from nbgrader.utils import parse_utc

    from autograder.engine import submission

    try:
        fd = submission.open_folder(folder)
        try:
            text = submission.read_file(fd, "timestamp.txt", 256).decode().strip()
        finally:
            os.close(fd)
        parse_utc(text)
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return text
