"""``autograder grade``: grade, record, write feedback and reports, print the tables.

Paths and the gradebook come from nbgrader's ``CourseDirectory`` (``root``,
``submitted_directory``, ``autograded_directory``, ``feedback_directory``,
``db_url``), as every nbgrader command finds them.
"""
from pathlib import Path

from nbgrader.coursedir import CourseDirectory
from rich.console import Console
from rich.table import Table

from autograder.engine.batch import grade_all
from autograder.engine.feedback import FEEDBACK_FILE, write_instructor_report, write_student_feedback
from autograder.engine.record import GradebookRecorder
from autograder.engine.settings import course_directory


def grade_assignments(course, assignments, settings, *, force=False, students=None, console=None):
    """Grade every submission of ``assignments`` in one pool; return the BatchOutcome.

    ``course`` is nbgrader's CourseDirectory, or a course folder whose configuration gives one.
    """
    console = console or Console()
    coursedir = course if isinstance(course, CourseDirectory) else course_directory(course)
    root = Path(coursedir.root).resolve()
    assignments = [assignments] if isinstance(assignments, str) else list(assignments)
    recorder = GradebookRecorder(coursedir, assignments)
    autograded = Path(coursedir.format_path(coursedir.autograded_directory, ".", ".")).resolve()

    def keep(result):
        problems = recorder.record(result)
        if problems and result.notebooks:
            result.notebooks[0].problems.extend(problems)  # flags it, and the student reads why
        # In autograded/: `nbgrader generate_feedback` carries it into feedback/ and release_feedback to the student.
        write_student_feedback(result, autograded / result.student / result.assignment / FEEDBACK_FILE)

    outcome = grade_all(root, assignments, settings, autograded, force=force, students=students, on_result=keep)
    for result in outcome.skipped:
        keep(result)
    recorder.export_csv(root / "grades.csv")
    for assignment in assignments:
        part = outcome.only(assignment)
        report = root / "reports" / f"{assignment}.html"
        write_instructor_report(assignment, part.results, part.failures, report, autograded)
        console.print(summary_table(assignment, part))
    console.print(f"gradebook: {coursedir.db_url}\ngrades:    {root / 'grades.csv'}\n"
                  f"feedback:  {autograded}/<student>/<assignment>/{FEEDBACK_FILE} (released with nbgrader "
                  f"generate_feedback, release_feedback)\nreports:   {root / 'reports'}/")
    return outcome


def grade_assignment(course, assignment, settings, **options):
    """Grade one assignment (see ``grade_assignments``)."""
    return grade_assignments(course, [assignment], settings, **options)


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
