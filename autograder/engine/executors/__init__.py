"""Where submissions are graded: ``local`` (a pool of worker processes on this machine) or ``ray`` (a Ray cluster).

Both grade today's unit of work, ``batch.Job`` through ``batch._grade_job``
(one submission, sandboxed), and offer one method:
``run(jobs, course_root, settings)``, an iterator of ``(job, result data or
None, error or None)`` in the order submissions finish, each result stored
before it is yielded (an error may be a ``WorkerDied``: the submission is
then scored zero, its own fault); ``description``, a few words for the
progress bar; and ``run_name``, what names the run's scratch folders and
control groups.
"""
EXECUTORS = ("local", "ray")


class WorkerDied(Exception):
    """Grading this submission killed the grading worker process, twice (the second time alone)."""

    def __str__(self):
        return ("grading this submission killed the grader's worker process twice (out of memory?); it scores "
                "zero and is flagged for review")


def create(settings, results_root, job_count, force=False):
    """The executor ``settings.executor`` names, set up for ``job_count`` jobs (Ray is imported only when asked);
    ``force`` makes its workers train again instead of reusing stored training results."""
    if settings.executor == "ray":
        from autograder.engine.executors.ray import RayExecutor

        return RayExecutor(settings, force=force)
    from autograder.engine.executors.local import LocalExecutor

    return LocalExecutor(settings, results_root, job_count, force)
