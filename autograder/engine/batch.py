"""Grade every submission of an assignment in parallel, resumably, with a progress bar.

Submissions are found in nbgrader's layout (``submitted/<student>/<assignment>/``).
Each worker grades one submission at a time in its own sandbox slot, on this
machine or on a Ray cluster (``executors/``), and the result is stored as
JSON next to the autograded notebooks before the run counts it, so an
interrupted run loses nothing: the next run skips every submission whose
fingerprint (its files, and everything of the grader's a grade depends on:
the grader's code, hidden checks and thresholds, the release and source
notebooks, the seed, the resolved profile and backend) is unchanged, unless
forced. Only this process writes the gradebook.

Anything that goes wrong while grading or recording one submission is that
submission's outcome alone: it is reported as a grader error (in the table,
its ``autograder.json``, the report and the exit code), every other
submission is graded and recorded, and the next run grades it again.
"""
import hashlib
import json
import os
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from autograder import identity
from autograder.engine import devices, executors
from autograder.engine import submission as folder_io
from autograder.engine.grade import grade_submission, scored_zero
from autograder.engine.settings import Settings
from autograder.results import SubmissionResult
from autograder.sandbox.client import POOL, SandboxUnavailable

RESULT_FILE = "autograder.json"


@dataclass
class Job:
    assignment: str
    student: str
    result_path: Path
    fingerprint: str
    last: bool = False  # the last job the run hands out: its worker starts no sandbox for a next one


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
    if not todo:
        return outcome
    todo[-1] = replace(todo[-1], last=True)
    executor = executors.create(settings, results_root, len(todo), force)
    with _progress(show_progress) as progress:
        task = progress.add_task(f"grading {', '.join(assignments)} ({executor.description})", total=len(todo))
        for job, data, error in executor.run(todo, course_root, settings):
            if isinstance(error, executors.WorkerDied):  # the submission's fault: zero, flagged, with the reason
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
    outcome.run = executor.run_name
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


def _grade_job(course_root, job, settings, layout=None, run="run", notes=()):
    """Grade one submission and store its result; any exception becomes that submission's grader error.
    ``notes`` about its folder come from where it was read (a Ray driver)."""
    POOL.spares = not job.last
    try:
        result = grade_submission(course_root, job.assignment, job.student, settings, _SLOT, layout, run)
        result.problems[:0] = notes
    except SandboxUnavailable as err:
        result = SubmissionResult(job.assignment, job.student, [], error=f"grader error: the sandbox could not start: {err}")
    except Exception as err:  # noqa: BLE001 - a fault of the grader's while grading this one submission
        where = traceback.extract_tb(err.__traceback__)[-1]
        result = SubmissionResult(job.assignment, job.student, [], error=(
            f"grader error: {type(err).__name__}: {str(err)[:300]} (at {Path(where.filename).name}:{where.lineno})"))
    return _store(job, result)


# -- helpers ------------------------------------------------------------------------------
def _course_hash(course_root, assignment, settings):
    """What a grade depends on besides the submission: the grader (its code, hidden checks, thresholds,
    libraries: ``identity``), the course's source and release notebooks, the seed, and the profile and
    Keras backend this run resolves to."""
    backend = devices.keras_backend(settings.keras_backend)
    profile = settings.profile if settings.profile != "auto" else ("gpu" if devices.find_gpus(settings.gpus) else "cpu")
    digest = hashlib.sha256(f"{settings.seed}|{profile}|{backend}".encode())
    digest.update(identity.digest(identity.grader_identity(backend)).encode())
    for kind in ("source", "release"):
        for path in sorted((Path(course_root) / kind / assignment).glob("*.ipynb")):
            digest.update(kind.encode() + path.read_bytes())
    return digest.hexdigest()


def _progress(show):
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("ETA"), TimeRemainingColumn()]
    return Progress(*columns, disable=not show, transient=False)
