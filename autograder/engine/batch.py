"""Grade every submission of an assignment in parallel, resumably, with a progress bar.

Submissions are found in nbgrader's layout (``submitted/<student>/<assignment>/``).
Each worker process grades one submission at a time in its own sandbox slot
and writes the result as JSON next to the autograded notebooks before the
parent hears of it, so an interrupted run loses nothing: the next run skips
every submission whose fingerprint (files, seed, notebooks, checks) is
unchanged, unless forced. Only the parent writes the gradebook.
"""
import hashlib
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from autograder.engine import devices, uids
from autograder.engine.grade import grade_submission
from autograder.results import SubmissionResult
from autograder.engine.sandbox import SandboxUnavailable, bwrap_usable
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
    gpus = devices.find_gpus(settings.gpus)
    workers = min(devices.worker_count(settings, gpus), max(len(todo), 1))
    envs = [devices.worker_environment(slot, workers, gpus, settings) for slot in range(workers)]
    cache = os.environ.get("AUTOGRADER_TRAINING_CACHE") or str(Path(results_root).resolve() / ".training-cache")
    for env in envs:
        env["AUTOGRADER_TRAINING_CACHE"] = cache  # identical models train once (see checks/training_cache.py)
    if not todo:
        return outcome
    if settings.sandbox == "bwrap" and not bwrap_usable():
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is missing or cannot create namespaces here: install it (apt-get install bubblewrap) "
            "and allow user namespaces, or set c.Autograder.sandbox = 'none' for a trusted local run (no isolation)")

    with _progress(show_progress) as progress, uids.leased(settings) as run_settings:
        task = progress.add_task(f"grading {', '.join(assignments)} ({workers} workers)", total=len(todo))
        pool = WorkerPool(workers, envs, Path(results_root) / ".logs")
        for job, data, error in pool.run(todo, course_root, run_settings):
            if error:
                outcome.failures[(job.assignment, job.student)] = error
            else:
                result = SubmissionResult.from_json(data)
                outcome.graded.append(result)
                if on_result:
                    on_result(result)
            progress.advance(task)
    return outcome


class WorkerPool:
    """Grading worker processes that survive the loss of one of them.

    If a worker dies (the grader's own process ran out of memory, say), the
    pool is rebuilt and the unfinished jobs run one at a time until the job
    that kills a worker again is found; it is reported as not graded, the
    rest go on in parallel, and every other submission is still graded.
    """

    def __init__(self, workers, envs, log_dir, task=None):
        self.workers, self.envs, self.log_dir = workers, envs, log_dir
        self.task = task or _grade_job

    def _executor(self, workers):
        context = multiprocessing.get_context("spawn")
        slots = context.Queue()
        for slot in range(workers):
            slots.put(slot)
        return ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                   initargs=(slots, self.envs, self.log_dir))

    def run(self, jobs, course_root, settings):
        """Yield ``(job, result data, error)`` for every job as it finishes."""
        queue, careful = list(jobs), False
        while queue:
            executor = self._executor(1 if careful else self.workers)
            futures = {executor.submit(self.task, str(course_root), job, settings): job
                       for job in (queue[:1] if careful else queue)}
            broken = False
            try:
                for future in as_completed(futures):
                    job, error, data = futures[future], None, None
                    try:
                        data = future.result()
                    except BrokenProcessPool:
                        broken = True
                        continue
                    except SandboxUnavailable as err:
                        error = f"the sandbox could not start: {err}"
                    queue.remove(job)
                    yield job, data, error
            finally:
                executor.shutdown(wait=not sys.exc_info()[0], cancel_futures=True)
            if broken and careful:
                yield queue.pop(0), None, "the grading worker died while grading this submission (out of memory?)"
                careful = False  # culprit found: back to full speed
            else:
                careful = careful or broken


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
