"""A grading worker that dies takes no other submission with it."""
import os
from pathlib import Path

from autograder.engine.batch import Job
from autograder.engine.executors.local import WorkerDied, WorkerPool
from autograder.engine.settings import Settings


def fake_grade(course_root, job, settings, *extra):
    """Stands in for grading: the job named 'killer' kills its worker process."""
    if job.student == "killer":
        os._exit(9)
    return {"student": job.student}


def test_the_pool_survives_a_dying_worker_and_names_the_culprit(tmp_path):
    jobs = [Job("01_neuron", name, tmp_path / name, "") for name in ["a", "b", "killer", "c", "d", "e"]]
    envs = [{}, {}]
    results = list(WorkerPool(2, envs, tmp_path / "logs", task=fake_grade).run(jobs, ".", Settings()))
    graded = {job.student for job, data, error in results if not error}
    failed = {job.student: error for job, data, error in results if error}
    assert graded == {"a", "b", "c", "d", "e"}
    assert list(failed) == ["killer"] and isinstance(failed["killer"], WorkerDied)
    assert "killed the grader's worker process twice" in str(failed["killer"])
