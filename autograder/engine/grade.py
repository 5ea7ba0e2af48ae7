"""Grade one submission: read its folder safely, then per notebook plan, run the cells, run the checks.

A crash or a hang in the student's process costs only what it touched: the
engine restarts the sandbox, replays the cells that worked, skips the one
that crashed, and goes on, all within ``submission_timeout`` (every wait
is cut to the time left). Every reason ends up in the student's feedback.
A detected attempt to tamper with the grader scores the whole submission
zero and flags it.
"""
import importlib
import json
import os
import re
import time
from pathlib import Path

from autograder import notebooks as nbs
from autograder.checks import training
from autograder.engine import submission as folder_io
from autograder.engine.plan import make_plan
from autograder.hidden import check_name, checks_for, describe, run_check
from autograder.results import (
    STUDENT_ERROR, CellRun, CheckResult, ItemResult, NotebookResult, SubmissionResult, point_shares,
)
from autograder.sandbox.client import POOL, Deadline, SandboxDied, SandboxStudent, Session

TAMPERED = "tampering with the grader was detected ({}); this submission scores zero and is flagged for review"
# Heavy modules a set-up cell may import, and what a waiting sandbox imports for them (pyplot, which set-up
# cells import for plots grading skips, only gets a stand-in that imports it on first use: kernel/deferred.py).
PRELOADABLE = {"keras": "keras", "tensorflow": "tensorflow", "torch": "torch", "jax": "jax", "sklearn": "sklearn",
               "scipy": "scipy", "matplotlib": "matplotlib.pyplot"}
IMPORT = re.compile(r"^\s*(?:import|from)\s+([A-Za-z_]\w*)", re.M)


def grade_submission(course_root, assignment, student, settings, slot=0, layout=None, run="run", pool=POOL):
    """Grade every course notebook of ``assignment`` for one student; return a SubmissionResult."""
    start, deadline = time.perf_counter(), Deadline(settings.submission_timeout)
    course_root = Path(course_root)
    templates = nbs.notebooks_of(course_root / "source" / assignment)
    result = SubmissionResult(assignment, student, [])
    try:
        folder = folder_io.open_folder(course_root, "submitted", student, assignment)
    except OSError as err:
        reason = f"your submission folder could not be opened ({err.strerror}: is it a symbolic link?)"
        result.problems.append(reason)
        result.notebooks = [_unreadable(nbs.read(t), t.name, reason) for t in templates]
        return result
    try:
        found = folder_io.scan(folder, folder_io.Limits.from_settings(settings), [t.name for t in templates])
        files, unread = folder_io.read_files(folder, found)
        result.problems = found.problems + unread
        preload = preloads(course_root / "source" / assignment)
        if "keras" in preload and pool is not None:  # the grader trains with Keras too: import it while
            pool.prepare(settings, slot, layout, run, preload)  # the first sandbox imports its own
            importlib.import_module("keras")
        for template in templates:
            session = Session(files, settings, slot, deadline, layout, run, preload, pool)
            try:
                result.notebooks.append(grade_notebook(assignment, student, nbs.read(template), template.name,
                                                       folder, found, session, settings, deadline))
            finally:
                session.close()
    finally:
        os.close(folder)
    result.seconds = time.perf_counter() - start
    return result


def grade_notebook(assignment, student, template, name, folder, found, session, settings, deadline):
    """Grade one notebook; never raises for anything the student did."""
    submitted, error = _read_submitted(folder, found, name)
    if error:
        return _unreadable(template, name, error)
    submitted, notes = nbs.sanitize(submitted)  # the raw JSON, in the form the grader reads
    plan = make_plan(template, submitted)
    result = NotebookResult(name, [ItemResult(item.grade_id, item.points, 0.0, []) for item in plan.items],
                            problems=notes + plan.problems)
    for cell in plan.cells:
        if deadline.passed:
            result.cells.append(CellRun(cell.label, cell.role, False, deadline.reason(), "", 0.0, cell.source))
        else:
            result.cells.append(session.run_cell(cell.label, cell.role, cell.source))
    _run_checks(assignment, student, result, session, settings, deadline)
    if session.tampered:
        _zero_everything(result, TAMPERED.format(session.tampered))
    return result


def _run_checks(assignment, student, result, session, settings, deadline):
    registry = checks_for(assignment)
    proxy = SandboxStudent(session)
    for item in result.items:
        checks = registry[item.grade_id]
        for check, share in zip(checks, point_shares(checks, item.points)):
            if deadline.passed:
                item.checks.append(CheckResult(check_name(check), describe(check), STUDENT_ERROR, deadline.reason(), 0.0, share))
                continue
            try:
                session.ensure()
            except SandboxDied as died:
                item.checks.append(CheckResult(check_name(check), describe(check), STUDENT_ERROR, died.reason, 0.0, share))
                continue
            with training.limits(deadline.end, settings.training_timeout):
                item.checks.append(run_check(check, proxy, assignment, item.grade_id, settings.seed, share, student))
        item.settle()


def _zero_everything(result, reason):
    for item in result.items:
        for check in item.checks:
            if check.passed:
                check.status, check.message = STUDENT_ERROR, reason
        item.settle()
    result.problems.append(reason)


def preloads(source_folder):
    """The heavy modules the course's set-up cells import (``PRELOADABLE``): a sandbox imports them while
    it waits for its submission (``SandboxPool``)."""
    found = set()
    for path in nbs.notebooks_of(source_folder):
        for cell in nbs.read(path).cells:
            if cell.cell_type == "code" and not (nbs.is_answer(cell) or nbs.is_graded_test(cell) or nbs.is_demo(cell)):
                found |= {m.group(1) for m in IMPORT.finditer(cell.source)}
    return tuple(sorted(PRELOADABLE[name] for name in found & PRELOADABLE.keys()))


def scored_zero(course_root, assignment, student, reason):
    """A submission that could not be graded for a reason of its own: every item zero, flagged."""
    templates = nbs.notebooks_of(Path(course_root) / "source" / assignment)
    return SubmissionResult(assignment, student, [_unreadable(nbs.read(t), t.name, reason) for t in templates],
                            problems=[reason])


def _unreadable(template, name, reason):
    """A notebook that cannot be graded: every item scores zero with the reason."""
    items = [ItemResult(nbs.grade_id(c), nbs.points(c), 0.0,
                        [CheckResult("notebook", "the notebook could be read", STUDENT_ERROR, reason, 0.0, nbs.points(c))])
             for c in template.cells if nbs.is_graded_test(c)]
    return NotebookResult(name, items, error=reason)


def _read_submitted(folder, found, name):
    """``(notebook, "")`` or ``(None, why it cannot be graded)``."""
    if name not in found.files:
        refused = [p for p in found.problems if p.startswith(f"{name} ")]
        return None, refused[0] if refused else f"{name} was not submitted"
    try:
        nb = json.loads(folder_io.read_file(folder, name, found.files[name]).decode("utf-8"))
    except (OSError, ValueError, RecursionError) as err:  # unreadable, not UTF-8 or not JSON
        return None, f"{name} is not a valid notebook ({type(err).__name__}: {str(err)[:200]})"
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return None, f"{name} has no list of cells"
    return nb, ""
