"""Grade every submission of an assignment in parallel, resumably, with a progress bar.

Submissions are found in nbgrader's layout (``submitted/<student>/<assignment>/``).
Each worker process grades one submission at a time in its own sandbox slot,
on this machine or on a Ray cluster (``executors/``), and the result is
stored as JSON next to the autograded notebooks before the run counts it, so
an interrupted run loses nothing: the next run skips every submission whose
fingerprint (files, seed, notebooks, checks) is unchanged, unless forced.
Only this process writes the gradebook.
"""
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from autograder.engine import executors
from autograder.engine.grade import grade_submission
from autograder.results import SubmissionResult
from autograder.engine.settings import Settings
from autograder.hidden import ASSIGNMENTS

RESULT_FILE = "autograder.json"


@dataclass
class Job:
    assignment: str
    student: str
    submission_dir: Path
    result_path: Path
    fingerprint: str


@dataclass
class BatchOutcome:
    graded: list = field(default_factory=list)    # SubmissionResults graded in this run
    skipped: list = field(default_factory=list)   # SubmissionResults reused from an earlier run
    failures: dict = field(default_factory=dict)  # (assignment, student) -> grader error (no grade written)

    @property
    def results(self):
        return sorted(self.graded + self.skipped, key=lambda r: (r.assignment, r.student))

    def only(self, assignment):
        """The part of this outcome that concerns one assignment."""
        return BatchOutcome([r for r in self.graded if r.assignment == assignment],
                            [r for r in self.skipped if r.assignment == assignment],
                            {k: v for k, v in self.failures.items() if k[0] == assignment})


def discover(course_root, assignment, results_root, settings, students=None):
    """A Job for every submission of ``assignment`` (optionally only ``students``)."""
    course_root = Path(course_root)
    submitted = course_root / "submitted"
    if not submitted.is_dir():
        raise FileNotFoundError(f"no submitted/ folder in {course_root}: collect submissions first (nbgrader collect)")
    course_hash = _course_hash(course_root, assignment, settings)
    jobs = []
    for folder in sorted(submitted.glob(f"*/{assignment}")):
        student = folder.parent.name
        if students and student not in students:
            continue
        result_path = Path(results_root) / student / assignment / RESULT_FILE
        jobs.append(Job(assignment, student, folder, result_path, _fingerprint(folder, course_hash)))
    return jobs


def previous_result(job):
    """The stored result of an earlier run with the same fingerprint, or None."""
    try:
        data = json.loads(job.result_path.read_text())
    except (OSError, ValueError):
        return None
    return SubmissionResult.from_json(data) if data.get("fingerprint") == job.fingerprint else None


def grade_all(course_root, assignments, settings, results_root, *, force=False, students=None,
              on_result=None, show_progress=True):
    """Grade the submissions of ``assignments`` in one pool; ``on_result(result)`` runs in this process for each."""
    assignments = [assignments] if isinstance(assignments, str) else list(assignments)
    jobs = [job for a in assignments for job in discover(course_root, a, results_root, settings, students)]
    outcome, todo = BatchOutcome(), []
    for job in jobs:
        old = None if force else previous_result(job)
        if old is None:
            todo.append(job)
        else:
            outcome.skipped.append(old)
    if not todo:
        return outcome
    executor = executors.create(settings, results_root, len(todo))
    with _progress(show_progress) as progress:
        task = progress.add_task(f"grading {', '.join(assignments)} ({executor.description})", total=len(todo))
        for job, data, error in executor.run(todo, course_root, settings):
            if error:
                outcome.failures[(job.assignment, job.student)] = error
            else:
                result = SubmissionResult.from_json(data)
                outcome.graded.append(result)
                if on_result:
                    on_result(result)
            progress.advance(task)
    return outcome


def grade_notebooks(course_root, assignment, submissions, workdir, seed=2026, settings=None):
    """Grade ``{student: {notebook name: notebook}}`` in a throwaway folder; return ``{student: {grade_id: score}}``."""
    workdir = Path(workdir)
    for student, notebooks in submissions.items():
        folder = workdir / "course" / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        for name, nb in notebooks.items():
            nbformat.write(nb, str(folder / name))
    os.symlink(Path(course_root).resolve() / "source", workdir / "course" / "source")
    settings = settings or Settings.load(course_root, seed=seed)
    outcome = grade_all(workdir / "course", assignment, settings, workdir / "results", show_progress=False)
    if outcome.failures:
        raise RuntimeError(f"grader failures: {outcome.failures}")
    return {r.student: {i.grade_id: i.score for nb in r.notebooks for i in nb.items} for r in outcome.results}


# -- worker process -----------------------------------------------------------------------
_SLOT = 0


def _start_worker(slots, envs, log_dir):
    """Take a slot, its device environment, and send the worker's stderr (framework start-up chatter) to a log."""
    global _SLOT
    _SLOT = slots.get()
    os.environ.update(envs[_SLOT])
    log_dir.mkdir(parents=True, exist_ok=True)
    log = os.open(log_dir / f"worker-{_SLOT}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 2)


def _grade_job(course_root, job, settings):
    workdir = Path(tempfile.mkdtemp(prefix=f"autograder-{_SLOT}-"))
    try:
        result = grade_submission(course_root, job.assignment, job.student, job.submission_dir, settings, workdir, _SLOT)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result.fingerprint = job.fingerprint
    data = result.to_json()
    job.result_path.parent.mkdir(parents=True, exist_ok=True)
    partial = job.result_path.with_suffix(".partial")
    partial.write_text(json.dumps(data, indent=1))
    partial.replace(job.result_path)
    return data


# -- helpers ------------------------------------------------------------------------------
def _fingerprint(folder, course_hash):
    digest = hashlib.sha256(course_hash.encode())
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _course_hash(course_root, assignment, settings):
    """What a grade depends on besides the submission: source notebooks, hidden checks, seed, profile."""
    digest = hashlib.sha256(f"{settings.seed}|{settings.profile}".encode())
    for path in sorted((Path(course_root) / "source" / assignment).glob("*.ipynb")):
        digest.update(path.read_bytes())
    hidden = Path(__file__).resolve().parent.parent / "hidden"
    for path in [hidden / f"{ASSIGNMENTS[assignment]}.py", hidden / "thresholds.json"]:
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _progress(show):
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("ETA"), TimeRemainingColumn()]
    return Progress(*columns, disable=not show, transient=False)
