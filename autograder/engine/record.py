"""Results into nbgrader's records: the gradebook and the autograded notebooks.

The gradebook stays nbgrader's own, so ``nbgrader export``,
``generate_feedback`` and formgrader keep working. Only the batch's parent
process writes it (SQLite is not safe for concurrent writers; with PostgreSQL,
runs on different assignments may write at once).
"""
import warnings
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, InvalidEntry, MissingEntry
from nbgrader.plugins import CsvExportPlugin
from sqlalchemy.exc import SAWarning

from autograder import notebooks as nbs
from autograder.results import FAILED


class GradebookRecorder:
    """Writes SubmissionResults into an nbgrader gradebook, and grades.csv from it."""

    def __init__(self, db_url, assignments):
        self.gradebook = Gradebook(db_url)
        for assignment in assignments:
            try:
                self.gradebook.find_assignment(assignment)
            except MissingEntry:
                self.gradebook.close()
                raise LookupError(
                    f"{assignment} is not in the gradebook {db_url}: release it first (autograder release {assignment})"
                ) from None

    def record(self, result, timestamp=None):
        """Store one result. Retried once when another run (on another assignment, into the same
        PostgreSQL gradebook) adds the same new student at the same moment: nbgrader then raises
        InvalidEntry after rolling back, and the second try finds the student."""
        try:
            self._record(result, timestamp)
        except InvalidEntry:
            self.gradebook.db.rollback()
            self._record(result, timestamp)

    def _record(self, result, timestamp):
        gb, assignment = self.gradebook, result.assignment
        gb.update_or_create_student(result.student)
        extra = {"timestamp": timestamp} if timestamp else {}
        with warnings.catch_warnings():  # nbgrader's own autoflush warnings, harmless (seen in nbgrader autograde too)
            warnings.simplefilter("ignore", SAWarning)
            gb.update_or_create_submission(assignment, result.student, **extra)
        for notebook in result.notebooks:
            name = Path(notebook.name).stem
            submitted = gb.find_submission_notebook(name, assignment, result.student)
            for item in notebook.items:
                grade = gb.find_grade(item.grade_id, name, assignment, result.student)
                grade.auto_score = item.score
            submitted.flagged = result.flagged
        gb.db.commit()

    def export_csv(self, path):
        """grades.csv exactly as ``nbgrader export`` writes it (its own plugin, in this process)."""
        CsvExportPlugin(to=str(path)).export(self.gradebook)

    def close(self):
        self.gradebook.close()


def write_autograded(release_dir, result, folder):
    """The student's notebooks as graded: the release's cells, the student's answers and outputs, check results.

    Built from the release (trusted, no hidden tests), so feedback made from
    it by ``nbgrader generate_feedback`` shows no hidden-test source.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for notebook in result.notebooks:
        release_path = Path(release_dir) / notebook.name
        if not release_path.exists():
            continue
        nb = nbs.read(release_path)
        runs = {c.label: c for c in notebook.cells}
        items = {i.grade_id: i for i in notebook.items}
        for cell in nb.cells:
            gid = nbs.grade_id(cell)
            if nbs.is_answer(cell) and gid in runs:
                cell.source = runs[gid].source
                cell.outputs = _outputs(runs[gid].output, runs[gid].error)
            elif nbs.is_graded_test(cell) and gid in items:
                cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=check_report(items[gid]))]
        nbformat.write(nb, str(folder / notebook.name))


def check_report(item):
    """One line per check of a graded item, with the failure message under a failed one."""
    lines = [f"{item.score:g} / {item.points:g} points"]
    for check in item.checks:
        verdict = "PASS" if check.passed else "FAIL" if check.status == FAILED else check.status.upper()
        lines.append(f"{verdict}  {check.description} ({check.score:g} / {check.points:g})")
        if not check.passed:
            lines.append(f"      {check.message}")
    return "\n".join(lines) + "\n"


def _outputs(text, error):
    outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)] if text else []
    if error:
        outputs.append(nbformat.v4.new_output("stream", name="stderr", text=error + "\n"))
    return outputs
