"""Results into nbgrader's records, through nbgrader's own machinery.

For every notebook of a submission the engine builds the autograded notebook
from the release (trusted, so no hidden-test source reaches formgrader or
``nbgrader generate_feedback``): the student's answers and outputs, and under
each test cell its check report. A test cell's points are written the way
nbgrader reads a graded cell (all of them: no error; none: an error output;
some: the score as the cell's value, nbgrader's partial credit). nbgrader's
own ``SaveAutoGrades`` and ``AssignLatePenalties`` then record it, exactly as
they record ``nbgrader autograde``: ``needs_manual_grade`` only where nbgrader
sets it, the course's late-penalty method, "No response." comments; manual
scores, comments and extra credit given in formgrader are never touched. The
submission time comes from its ``timestamp.txt``, read safely
(``read_timestamp``). Only the batch's parent process writes the gradebook
(SQLite is not safe for concurrent writers; with PostgreSQL, runs on
different assignments may write at once).
"""
import datetime
import errno
import os
import stat
import warnings
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, InvalidEntry, MissingEntry
from nbgrader.plugins import CsvExportPlugin
from nbgrader.preprocessors import AssignLatePenalties, LimitOutput, SaveAutoGrades
from nbgrader.utils import parse_utc
from sqlalchemy.exc import SAWarning

from autograder import notebooks as nbs
from autograder.results import FAILED

# What nbgrader's Autograde runs after executing a notebook, and so what records the engine's notebooks too
# (nbgrader_config.py gives formgrader's Autograde button the same list behind SandboxedGrading).
RECORDERS = (LimitOutput, SaveAutoGrades, AssignLatePenalties)
TIMESTAMP_FILE = "timestamp.txt"
SECRET_FILE = "submission_secret.txt"  # nbgrader submit's; release_feedback files feedback under it
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"  # nbgrader's own format, in UTC
MAX_TIMESTAMP_BYTES = 256           # nbgrader writes ~30; a few hundred is plenty, more is not a timestamp
FUTURE_TOLERANCE = datetime.timedelta(days=1)


def read_small_file(path, limit):
    """``(bytes, "")`` or ``(None, why not)`` for a file the student controls: at most ``limit`` bytes,
    never through a link, never blocking (a FIFO); no file: ``(None, "")``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None, ""
    except OSError as err:
        return None, f"{Path(path).name} is not used: it is " + ("a symbolic link" if err.errno == errno.ELOOP
                                                                 else os.strerror(err.errno))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None, f"{Path(path).name} is not used: it is not a regular file"
        data = os.read(fd, limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        return None, f"{Path(path).name} is not used: it is longer than {limit} bytes"
    return data, ""


def read_timestamp(folder, now=None):
    """``(UTC datetime or None, problem)`` from ``<folder>/timestamp.txt``, parsed as nbgrader parses it.

    The student controls the file (``read_small_file``); anything that is not
    a plausible date (empty, too long, not a date, in the future, a link, not
    a file) gives ``(None, why)`` instead of stopping the run. No file: ``(None, "")``.
    """
    data, problem = read_small_file(Path(folder) / TIMESTAMP_FILE, MAX_TIMESTAMP_BYTES)
    if data is None:
        return None, problem
    text = data.decode("utf-8", errors="replace").strip()
    try:
        timestamp = parse_utc(text)
    except (ValueError, OverflowError, TypeError):
        timestamp = None
    if timestamp is None or not text:
        return None, f"{TIMESTAMP_FILE} is not used: {text[:60]!r} is not a date"
    now = now or datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    if timestamp > now + FUTURE_TOLERANCE:
        return None, f"{TIMESTAMP_FILE} is not used: {text[:60]!r} is in the future"
    return timestamp, ""


def autograded_notebook(release_nb, notebook):
    """One student notebook as graded (a NotebookResult over its release notebook).

    The release's cells, the answers as the student wrote and ran them, and
    under each test cell its check report and its points in nbgrader's terms.
    """
    nb = nbformat.from_dict(release_nb)
    runs = {c.label: c for c in notebook.cells}
    items = {i.grade_id: i for i in notebook.items}
    for cell in nb.cells:
        gid = nbs.grade_id(cell)
        if nbs.is_answer(cell) and gid in runs:
            cell.source = runs[gid].source
            cell.outputs = _outputs(runs[gid].output, runs[gid].error)
        elif nbs.is_graded_test(cell) and gid in items:
            cell.outputs = _graded_outputs(items[gid])
    return nb


def _graded_outputs(item):
    """The check report, and the cell's points as nbgrader reads them (``nbgrader.utils.determine_grade``)."""
    outputs = [nbformat.v4.new_output("stream", name="stdout", text=check_report(item))]
    if item.score <= 0:
        failed = sum(not c.passed for c in item.checks)
        outputs.append(nbformat.v4.new_output(
            "error", ename="HiddenChecksFailed", evalue=f"{failed} of {len(item.checks)} checks did not pass",
            traceback=[f"HiddenChecksFailed: {failed} of {len(item.checks)} checks did not pass (0 / {item.points:g} points)"]))
    elif item.score < item.points:
        outputs.append(nbformat.v4.new_output("execute_result", data={"text/plain": repr(float(item.score))},
                                              execution_count=None))
    return outputs


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


def save_with_nbgrader(nb, resources, config):
    """Run nbgrader's recording preprocessors (``RECORDERS``, configured by ``config``) on a graded notebook."""
    for recorder in RECORDERS:
        nb, resources = recorder(config=config).preprocess(nb, resources)
    return nb


def flag(db_url, assignment, student, notebook_names):
    """Mark submitted notebooks for review in formgrader (a person un-flags them; a regrade never does)."""
    with Gradebook(db_url) as gb:
        for name in notebook_names:
            gb.find_submission_notebook(name, assignment, student).flagged = True
        gb.db.commit()


class GradebookRecorder:
    """Writes SubmissionResults into a course's nbgrader gradebook and autograded notebooks, and grades.csv."""

    def __init__(self, coursedir, assignments):
        self.coursedir, self.db_url = coursedir, coursedir.db_url
        with Gradebook(self.db_url) as gb:
            for assignment in assignments:
                try:
                    gb.find_assignment(assignment)
                except MissingEntry:
                    raise LookupError(f"{assignment} is not in the gradebook {self.db_url}: "
                                      f"release it first (autograder release {assignment})") from None

    def path(self, step, student, assignment):
        return Path(self.coursedir.format_path(step, student, assignment))

    def record(self, result):
        """Record one SubmissionResult and write its autograded notebooks; return the problems found on the way
        (a bad ``timestamp.txt``): they flag the submission and belong in its feedback."""
        assignment, student = result.assignment, result.student
        timestamp, problem = read_timestamp(self.path(self.coursedir.submitted_directory, student, assignment))
        try:
            known = self._register(assignment, student, timestamp)
        except InvalidEntry:  # another run (another assignment, one PostgreSQL gradebook) added this student just now
            known = self._register(assignment, student, timestamp)
        folder = self.path(self.coursedir.autograded_directory, student, assignment)
        folder.mkdir(parents=True, exist_ok=True)
        # What nbgrader's autograde copies along and generate_feedback / release_feedback read there.
        submitted = self.path(self.coursedir.submitted_directory, student, assignment)
        secret, _ = read_small_file(submitted / SECRET_FILE, MAX_TIMESTAMP_BYTES)
        for name, content in ((TIMESTAMP_FILE, timestamp and timestamp.strftime(TIMESTAMP_FORMAT).encode()),
                              (SECRET_FILE, secret)):
            (folder / name).unlink(missing_ok=True)
            if content:
                (folder / name).write_bytes(content)
        graded = {Path(nb.name).stem: nb for nb in result.notebooks}
        for name in known:
            release = self.path(self.coursedir.release_directory, ".", assignment) / f"{name}.ipynb"
            if name not in graded or not release.is_file():
                continue
            resources = {"nbgrader": {"notebook": name, "assignment": assignment, "student": student,
                                      "db_url": self.db_url}}
            nb = save_with_nbgrader(autograded_notebook(nbs.read(release), graded[name]), resources,
                                    self.coursedir.config)
            _replace(folder / f"{name}.ipynb", nbformat.writes(nb))
        if result.flagged or problem:
            flag(self.db_url, assignment, student, [n for n in known if n in graded])
        return [problem] if problem else []

    def _register(self, assignment, student, timestamp):
        """The student and the submission in the gradebook; the assignment's notebook names."""
        with Gradebook(self.db_url) as gb, warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)  # nbgrader's own autoflush warnings (seen in autograde too)
            gb.update_or_create_student(student)
            gb.update_or_create_submission(assignment, student, **({"timestamp": timestamp} if timestamp else {}))
            return [nb.name for nb in gb.find_assignment(assignment).notebooks]

    def export_csv(self, path):
        """grades.csv exactly as ``nbgrader export`` writes it (its own plugin, in this process)."""
        with Gradebook(self.db_url) as gb:
            CsvExportPlugin(to=str(path)).export(gb)


def _replace(path, text):
    """Write ``path`` by renaming a new file over it: nbgrader leaves autograded files read-only."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
