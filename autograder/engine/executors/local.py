"""The local executor: a pool of grading worker processes on this machine.

One worker per CPU core (or per GPU slot), each with its own sandbox slot
and device environment, all under a uid block leased for the run (its name,
``run-<block>``, also names its scratch folders and control groups); each
worker stores a result as soon as it has graded it (``batch._grade_job``).
A run killed outright leaves scratch folders and control groups behind; the
next run removes those of every run that no longer holds its uid block.
"""
import multiprocessing
import os
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from autograder.engine import batch, devices, uids
from autograder.engine.executors import WorkerDied
from autograder.sandbox import cgroups
from autograder.sandbox.client import SandboxUnavailable
from autograder.sandbox.process import SCRATCH, bwrap_usable


class LocalExecutor:
    """Grades jobs in a WorkerPool sized for this machine's CPUs or GPUs."""

    def __init__(self, settings, results_root, job_count, force=False):
        gpus = devices.find_gpus(settings.gpus)
        self.workers = min(devices.worker_count(settings, gpus), max(job_count, 1))
        self.envs = [devices.worker_environment(slot, self.workers, gpus, settings) for slot in range(self.workers)]
        cache = os.environ.get("AUTOGRADER_TRAINING_CACHE") or str(Path(results_root).resolve() / ".training-cache")
        for env in self.envs:
            env["AUTOGRADER_TRAINING_CACHE"] = cache  # identical models train once (see checks/training_cache.py)
            if force:
                env["AUTOGRADER_TRAINING_CACHE_REFRESH"] = "1"  # --force trains again instead of trusting stored results
        self.log_dir = Path(results_root) / ".logs"
        self.description, self.run_name = f"{self.workers} workers", ""
        if settings.sandbox == "bwrap" and not bwrap_usable():
            raise SandboxUnavailable(
                "bubblewrap (bwrap) is missing or cannot create namespaces here: install it (apt-get install bubblewrap) "
                "and allow user namespaces, or set c.Autograder.sandbox = 'none' for a trusted local run (no isolation)")
        self.layout = control_groups(settings.cgroups)

    def run(self, jobs, course_root, settings):
        """Yield ``(job, result data, error)`` for every job as it finishes."""
        with uids.leased(settings) as run_settings:
            run = self.run_name = f"run-{(run_settings.sandbox_uid_base - settings.sandbox_uid_base) // uids.BLOCK}"
            remove_leftovers(run, self.layout)
            try:
                yield from WorkerPool(self.workers, self.envs, self.log_dir).run(jobs, course_root, run_settings,
                                                                                 self.layout, run)
            finally:
                shutil.rmtree(SCRATCH / run, ignore_errors=True)
                if self.layout is not None:
                    cgroups.kill_and_remove([base / run for _, base in self.layout.bases])


class WorkerPool:
    """Grading worker processes that survive the loss of one of them.

    If a worker dies (the grader's own process ran out of memory, say), the
    pool is rebuilt and the unfinished jobs run one at a time until the job
    that kills a worker again is found; it is reported as not graded, the
    rest go on in parallel, and every other submission is still graded.
    """

    def __init__(self, workers, envs, log_dir, task=None):
        self.workers, self.envs, self.log_dir = workers, envs, log_dir
        self.task = task or batch._grade_job

    def _executor(self, workers):
        context = multiprocessing.get_context("spawn")
        slots = context.Queue()
        for slot in range(workers):
            slots.put(slot)
        return ProcessPoolExecutor(workers, mp_context=context, initializer=batch._start_worker,
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


def _shut_down(executor):
    """Stop the pool's workers and wait for them, so none is left behind as a zombie."""
    processes = list((executor._processes or {}).values())  # noqa: SLF001 - the executor does not join a broken pool's
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
            process.join()


def control_groups(mode):
    """The control-group layout sandboxes are limited with (``mode``: c.Autograder.cgroups), or None (said once,
    on stderr)."""
    if mode == "off":
        return None
    layout, why = cgroups.detect()
    if layout is None:
        message = (f"autograder: no control groups ({why}); memory is limited per process (RLIMIT_AS) and "
                   "processes per uid (RLIMIT_NPROC), not per sandbox")
        if mode == "required":
            raise SandboxUnavailable(message + "; c.Autograder.cgroups = 'required' refuses to grade like this")
        print(message, file=sys.stderr)
    return layout


def remove_leftovers(run, layout):
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
