"""Grade one submission: per notebook, plan, run the cells in a sandbox, run the hidden checks.

A crash or a hang in the student's process costs only what it touched: the
engine restarts the sandbox, replays the cells that worked, skips the one
that crashed, and goes on. Every reason ends up in the student's feedback.
"""
import shutil
import time
from pathlib import Path

import nbformat

from autograder import notebooks as nbs
from autograder.engine.plan import make_plan
from autograder.engine.sandbox import Sandbox, SandboxDied, SandboxStudent
from autograder.hidden import check_name, checks_for, describe, run_check
from autograder.results import (
    STUDENT_ERROR, CellRun, CheckResult, ItemResult, NotebookResult, SubmissionResult, point_shares,
)

MAX_SCRATCH_BYTES = 200 << 20


class Deadline:
    def __init__(self, seconds):
        self.seconds, self.end = seconds, time.monotonic() + seconds

    @property
    def passed(self):
        return time.monotonic() > self.end

    def reason(self):
        return f"not run: the submission used up its {self.seconds:g} s time limit (submission_timeout)"


class Session:
    """The sandbox of one notebook, restarted and replayed after the student's process dies."""

    def __init__(self, scratch, settings, slot):
        self.scratch, self.settings, self.slot = scratch, settings, slot
        self.sandbox, self.replay = None, []

    def ensure(self):
        """A live sandbox that has run every cell that worked so far."""
        if self.sandbox is not None and self.sandbox.alive:
            return self.sandbox
        self.sandbox = Sandbox(self.scratch, self.settings, self.slot)
        self.sandbox.start()
        for source in self.replay:
            self.sandbox.request({"op": "run_cell", "code": source}, self.settings.cell_timeout, "replaying your cells")
        return self.sandbox

    def run_cell(self, cell):
        start = time.perf_counter()
        try:
            reply = self.ensure().request({"op": "run_cell", "code": cell.source}, self.settings.cell_timeout,
                                          f"running {cell.label}")
        except SandboxDied as died:
            return CellRun(cell.label, cell.role, False, died.reason, self.sandbox.output.decode(errors="replace")[-2000:],
                           time.perf_counter() - start, cell.source)
        if reply.get("ok"):
            self.replay.append(cell.source)
        return CellRun(cell.label, cell.role, bool(reply.get("ok")), str(reply.get("error") or ""),
                       str(reply.get("output", "")), time.perf_counter() - start, cell.source)

    def close(self):
        if self.sandbox is not None:
            self.sandbox.close()


def grade_submission(course_root, assignment, student, submission_dir, settings, workdir, slot=0):
    """Grade every course notebook of ``assignment`` for one student; return a SubmissionResult."""
    start = time.perf_counter()
    deadline = Deadline(settings.submission_timeout)
    templates = nbs.notebooks_of(Path(course_root) / "source" / assignment)
    results = [
        grade_notebook(assignment, nbs.read(t), Path(submission_dir) / t.name, settings, Path(workdir) / student, slot, deadline)
        for t in templates
    ]
    return SubmissionResult(assignment, student, results, time.perf_counter() - start)


def grade_notebook(assignment, template, submitted_path, settings, workdir, slot, deadline):
    """Grade one notebook; never raises for anything the student did."""
    items = [ItemResult(nbs.grade_id(c), nbs.points(c), 0.0, []) for c in template.cells if nbs.is_graded_test(c)]
    result = NotebookResult(submitted_path.name, items)
    submitted, result.error = _read_submitted(submitted_path, settings)
    if result.error:
        _fail_all(result, result.error)
        return result
    plan = make_plan(template, submitted)
    result.problems = plan.problems
    scratch = _make_scratch(submitted_path.parent, workdir / "scratch")
    session = Session(scratch, settings, slot)
    try:
        for cell in plan.cells:
            if deadline.passed:
                result.cells.append(CellRun(cell.label, cell.role, False, deadline.reason(), "", 0.0, cell.source))
                continue
            result.cells.append(session.run_cell(cell))
        _run_checks(assignment, result, session, settings, workdir / "models", deadline)
    finally:
        session.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def _run_checks(assignment, result, session, settings, models_dir, deadline):
    registry = checks_for(assignment)
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
            student = SandboxStudent(session.sandbox, settings, models_dir)
            item.checks.append(run_check(check, student, assignment, item.grade_id, settings.seed, share))
        item.settle()


def _fail_all(result, reason):
    for item in result.items:
        item.checks = [CheckResult("notebook", "the notebook could be read", STUDENT_ERROR, reason, 0.0, item.points)]


def _read_submitted(path, settings):
    """``(notebook, "")`` or ``(None, why it cannot be graded)``."""
    if not path.is_file():
        return None, f"{path.name} was not submitted"
    size = path.stat().st_size
    if size > settings.max_notebook_mb * 1e6:
        return None, f"{path.name} is {size / 1e6:.0f} MB, over the {settings.max_notebook_mb:g} MB limit (max_notebook_mb)"
    try:
        nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    except Exception as err:  # noqa: BLE001 - any parse failure means the same thing to the student
        return None, f"{path.name} is not a valid notebook ({type(err).__name__}: {str(err)[:200]})"
    if not isinstance(nb.get("cells"), list):
        return None, f"{path.name} has no list of cells"
    return nb, ""


def _make_scratch(submission_dir, scratch):
    """A private copy of this student's submitted files (regular files only, size-capped)."""
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True)
    total = 0
    for path in sorted(submission_dir.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        total += path.stat().st_size
        if total > MAX_SCRATCH_BYTES:
            break
        target = scratch / path.relative_to(submission_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return scratch
