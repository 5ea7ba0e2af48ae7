"""Where submissions are graded: ``local`` (a pool of worker processes on this machine) or ``ray`` (a Ray cluster).

Both grade today's unit of work, ``batch.Job`` through ``batch._grade_job``
(one submission, sandboxed), and offer one method:
``run(jobs, course_root, settings)``, an iterator of ``(job, result data or
None, error or None)`` in the order submissions finish, each result stored
before it is yielded; and ``description``, a few words for the progress bar.
"""
EXECUTORS = ("local", "ray")


def create(settings, results_root, job_count):
    """The executor ``settings.executor`` names, set up for ``job_count`` jobs (Ray is imported only when asked)."""
    if settings.executor == "ray":
        from autograder.engine.executors.ray import RayExecutor

        return RayExecutor(settings)
    from autograder.engine.executors.local import LocalExecutor

    return LocalExecutor(settings, results_root, job_count)
