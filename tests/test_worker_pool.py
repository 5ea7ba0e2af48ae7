"""A grading worker that dies takes no other submission with it; its sandboxes are started ahead of need."""
import os
import types
from pathlib import Path

from autograder.engine import executors
from autograder.engine.batch import Job, grade_all
from autograder.engine.executors.local import WorkerDied, WorkerPool
from autograder.engine.settings import Settings
from autograder.sandbox import client


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


class FakeSandbox:
    """Stands in for a started sandbox; ``started`` lists every one started."""
    started = []

    def __init__(self, *key):
        self.process = types.SimpleNamespace(alive=True)
        FakeSandbox.started.append(self)

    def close(self):
        self.process.alive = False


def test_a_worker_starts_a_spare_sandbox_for_every_submission_but_the_runs_last(monkeypatch):
    monkeypatch.setattr(client, "_new_sandbox", FakeSandbox)
    FakeSandbox.started = []
    pool, key = client.SandboxPool(), (Settings(), 0, None, "run", ())
    first = pool.take(*key)
    assert FakeSandbox.started == [first, pool.warm]  # the next submission's, booting while this one is graded
    pool.spares = False
    last = pool.take(*key)
    assert last is FakeSandbox.started[1] and pool.warm is None and len(FakeSandbox.started) == 2


def test_only_the_last_job_a_run_hands_out_is_marked_last(tmp_path, monkeypatch):
    course = tmp_path / "course"
    for student in ("ann", "bob", "cy"):
        (course / "submitted" / student / "01_neuron").mkdir(parents=True)
    (course / "source" / "01_neuron").mkdir(parents=True)
    handed_out = []

    class Recorder:
        description, run_name = "recorder", "run-0"

        def run(self, jobs, course_root, settings):
            handed_out.extend(jobs)
            return iter(())

    monkeypatch.setattr(executors, "create", lambda *args: Recorder())
    grade_all(course, "01_neuron", Settings(), tmp_path / "results", show_progress=False)
    assert [(job.student, job.last) for job in handed_out] == [("ann", False), ("bob", False), ("cy", True)]
