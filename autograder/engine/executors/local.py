"""The local executor: a pool of grading worker processes on this machine.

One worker per CPU core (or per GPU slot), each with its own sandbox slot,
device environment and a uid block leased for the run; the worker stores
each result as soon as it is graded (``batch._grade_job``).
"""
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from autograder.engine import batch, devices, uids
from autograder.engine.sandbox import SandboxUnavailable, bwrap_usable


class LocalExecutor:
    """Grades jobs in a WorkerPool sized for this machine's CPUs or GPUs."""

    def __init__(self, settings, results_root, job_count):
        gpus = devices.find_gpus(settings.gpus)
        self.workers = min(devices.worker_count(settings, gpus), max(job_count, 1))
        self.envs = [devices.worker_environment(slot, self.workers, gpus, settings) for slot in range(self.workers)]
        cache = os.environ.get("AUTOGRADER_TRAINING_CACHE") or str(Path(results_root).resolve() / ".training-cache")
        for env in self.envs:
            env["AUTOGRADER_TRAINING_CACHE"] = cache  # identical models train once (see checks/training_cache.py)
        self.log_dir = Path(results_root) / ".logs"
        self.description = f"{self.workers} workers"
        if settings.sandbox == "bwrap" and not bwrap_usable():
            raise SandboxUnavailable(
                "bubblewrap (bwrap) is missing or cannot create namespaces here: install it (apt-get install bubblewrap) "
                "and allow user namespaces, or set c.Autograder.sandbox = 'none' for a trusted local run (no isolation)")

    def run(self, jobs, course_root, settings):
        """Yield ``(job, result data, error)`` for every job as it finishes."""
        with uids.leased(settings) as run_settings:
            yield from WorkerPool(self.workers, self.envs, self.log_dir).run(jobs, course_root, run_settings)


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
