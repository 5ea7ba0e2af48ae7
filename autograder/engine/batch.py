"""Grade every submission of an assignment in parallel, resumably, with a progress bar.

Submissions are found in nbgrader's layout (``submitted/<student>/<assignment>/``).
Each worker process grades one submission at a time in its own sandbox slot
and writes the result as JSON next to the autograded notebooks before the
parent hears of it, so an interrupted run loses nothing: the next run skips
every submission whose fingerprint (files, seed, notebooks, checks) is
unchanged, unless forced. Only the parent writes the gradebook.

Anything that goes wrong while grading or recording one submission is that
submission's outcome alone: it is reported as a grader error (in the table,
its ``autograder.json``, the report and the exit code), every other
submission is graded and recorded, and the next run grades it again.
A run killed outright leaves scratch folders and control groups behind; the
next run removes those of every run that no longer holds its uid lease.
"""
import hashlib
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from autograder.engine import devices, uids
from autograder.engine import submission as folder_io
from autograder.engine.grade import grade_submission, scored_zero
from autograder.engine.settings import Settings
from autograder.hidden import ASSIGNMENTS
from autograder.results import SubmissionResult
from autograder.sandbox import cgroups
from autograder.sandbox.client import SandboxUnavailable
from autograder.sandbox.process import bwrap_usable

RESULT_FILE = "autograder.json"
SCRATCH = Path(tempfile.gettempdir()) / "autograder-runs"


@dataclass
class Job:
    assignment: str
    student: str
    result_path: Path
    fingerprint: str


@dataclass
class BatchOutcome:
    graded: list = field(default_factory=list)    # SubmissionResults graded in this run
    skipped: list = field(default_factory=list)   # SubmissionResults reused from an earlier run
    failures: dict = field(default_factory=dict)  # (assignment, student) -> grader error (no grade written)
    run: str = ""                                 # the run's name: its uid block, scratch folder and control groups

    @property
    def results(self):
        return sorted(self.graded + self.skipped, key=lambda r: (r.assignment, r.student))

    def only(self, assignment):
        """The part of this outcome that concerns one assignment."""
        return BatchOutcome([r for r in self.graded if r.assignment == assignment],
                            [r for r in self.skipped if r.assignment == assignment],
                            {k: v for k, v in self.failures.items() if k[0] == assignment}, self.run)


def discover(course_root, assignment, results_root, settings, students=None):
    """A Job for every submission of ``assignment`` (optionally only ``students``)."""
    course_root = Path(course_root)
    submitted = course_root / "submitted"
    if not submitted.is_dir():
        raise FileNotFoundError(f"no submitted/ folder in {course_root}: collect submissions first (nbgrader collect)")
    course_hash = _course_hash(course_root, assignment, settings)
    limits = folder_io.Limits.from_settings(settings)
    notebooks = [p.name for p in (course_root / "source" / assignment).glob("*.ipynb")]
    jobs = []
    for student in sorted(os.listdir(submitted)):
        if students and student not in students:
            continue
        try:
            folder = folder_io.open_folder(course_root, "submitted", student, assignment)
        except OSError:
            if not (submitted / student / assignment).is_symlink():
                continue  # this student submitted nothing for this assignment
            fingerprint = hashlib.sha256(f"{course_hash}|a symbolic link".encode()).hexdigest()
        else:
            try:
                fingerprint = folder_io.fingerprint(folder, folder_io.scan(folder, limits, notebooks), course_hash)
            finally:
                os.close(folder)
        jobs.append(Job(assignment, student, Path(results_root) / student / assignment / RESULT_FILE, fingerprint))
    return jobs


def previous_result(job):
    """The stored result of an earlier run with the same fingerprint, or None (also after a grader error)."""
    try:
        data = json.loads(job.result_path.read_text())
        result = SubmissionResult.from_json(data)
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return result if result.fingerprint == job.fingerprint and result.reusable else None


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
        if force:
            env["AUTOGRADER_TRAINING_CACHE_REFRESH"] = "1"  # --force trains again instead of trusting stored results
    if not todo:
        return outcome
    if settings.sandbox == "bwrap" and not bwrap_usable():
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is missing or cannot create namespaces here: install it (apt-get install bubblewrap) "
            "and allow user namespaces, or set c.Autograder.sandbox = 'none' for a trusted local run (no isolation)")
    layout = _control_groups(settings)

    with _progress(show_progress) as progress, uids.leased(settings) as run_settings:
        run = outcome.run = f"run-{(run_settings.sandbox_uid_base - settings.sandbox_uid_base) // uids.BLOCK}"
        _remove_leftovers(run, layout, settings)
        task = progress.add_task(f"grading {', '.join(assignments)} ({workers} workers)", total=len(todo))
        pool = WorkerPool(workers, envs, Path(results_root) / ".logs")
        for job, data, error in pool.run(todo, course_root, run_settings, layout, run):
            if isinstance(error, WorkerDied):  # the submission's fault: zero, flagged, with the reason
                data, error = _store(job, scored_zero(course_root, job.assignment, job.student, str(error))), None
            result = None if error else _result_or_error(data)
            if result is not None and on_result:
                try:
                    on_result(result)
                except Exception as err:  # noqa: BLE001 - recording one submission must not stop the run
                    error = f"grader error while recording: {type(err).__name__}: {str(err)[:300]}"
            if result is None and not error:
                error = (data or {}).get("error") or "grader error: the worker returned no result"
            if error:
                outcome.failures[(job.assignment, job.student)] = error
                _store_error(job, error)
            else:
                outcome.graded.append(result)
            progress.advance(task)
        shutil.rmtree(SCRATCH / run, ignore_errors=True)
        if layout is not None:
            cgroups.kill_and_remove([base / run for _, base in layout.bases])
    return outcome


def _result_or_error(data):
    """The SubmissionResult a worker sent, or None when it reports a grader error."""
    try:
        result = SubmissionResult.from_json(data)
    except (TypeError, KeyError, ValueError):
        return None
    return None if result.error else result


def _store_error(job, error):
    """Write the grader error into the submission's ``autograder.json`` (the next run grades it again)."""
    _store(job, SubmissionResult(job.assignment, job.student, [], error=error))


def _store(job, result):
    """Write a result (with the job's fingerprint) as the submission's ``autograder.json``; return its data."""
    result.fingerprint = job.fingerprint
    data = result.to_json()
    job.result_path.parent.mkdir(parents=True, exist_ok=True)
    partial = job.result_path.with_suffix(".partial")
    partial.write_text(json.dumps(data, indent=1))
    partial.replace(job.result_path)
    return data


def _control_groups(settings):
    """The control-group layout sandboxes are limited with, or None (said once, on stderr)."""
    if settings.cgroups == "off":
        return None
    layout, why = cgroups.detect()
    if layout is None:
        message = (f"autograder: no control groups ({why}); memory is limited per process (RLIMIT_AS) and "
                   "processes per uid (RLIMIT_NPROC), not per sandbox")
        if settings.cgroups == "required":
            raise SandboxUnavailable(message + "; c.Autograder.cgroups = 'required' refuses to grade like this")
        print(message, file=sys.stderr)
    return layout


def _remove_leftovers(run, layout, settings):
    """Scratch folders and control groups of runs that ended without cleaning up (killed with SIGKILL)."""
    def live(name):
        block = name.removeprefix("run-")
        return name == run or (block.isdigit() and uids.held(int(block)))

    SCRATCH.mkdir(mode=0o755, exist_ok=True)
    for folder in SCRATCH.glob("run-*"):
        if folder.name == run or not live(folder.name):
            shutil.rmtree(folder, ignore_errors=True)
    if layout is not None:
        cgroups.remove_stale(layout, "run-", live)


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

    def run(self, jobs, course_root, settings, *extra):
        """Yield ``(job, result data, error)`` for every job as it finishes; ``extra`` goes to the task."""
        queue, careful = list(jobs), False
        while queue:
            executor = self._executor(1 if careful else self.workers)
            futures = {executor.submit(self.task, str(course_root), job, settings, *extra): job
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
                    except Exception as err:  # noqa: BLE001 - the task itself failed: this job's outcome only
                        error = f"grader error: {type(err).__name__}: {str(err)[:300]}"
                    queue.remove(job)
                    yield job, data, error
            finally:
                _shut_down(executor)
            if broken and careful:
                yield queue.pop(0), None, WorkerDied()
                careful = False  # culprit found: back to full speed
            else:
                careful = careful or broken


class WorkerDied(Exception):
    """Grading this submission killed the grading worker process, twice (the second time alone)."""

    def __str__(self):
        return ("grading this submission killed the grader's worker process twice (out of memory?); it scores "
                "zero and is flagged for review")


def _shut_down(executor):
    """Stop the pool's workers and wait for them, so none is left behind as a zombie."""
    processes = list((executor._processes or {}).values())  # noqa: SLF001 - the executor does not join a broken pool's
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
            process.join()


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


def _grade_job(course_root, job, settings, layout=None, run="run"):
    """Grade one submission and store its result; any exception becomes that submission's grader error."""
    (SCRATCH / run).mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=f"slot{_SLOT}-", dir=SCRATCH / run))
    try:
        result = grade_submission(course_root, job.assignment, job.student, settings, workdir, _SLOT, layout, run)
    except SandboxUnavailable as err:
        result = SubmissionResult(job.assignment, job.student, [], error=f"grader error: the sandbox could not start: {err}")
    except Exception as err:  # noqa: BLE001 - a fault of the grader's while grading this one submission
        where = traceback.extract_tb(err.__traceback__)[-1]
        result = SubmissionResult(job.assignment, job.student, [], error=(
            f"grader error: {type(err).__name__}: {str(err)[:300]} (at {Path(where.filename).name}:{where.lineno})"))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return _store(job, result)


# -- helpers ------------------------------------------------------------------------------
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
