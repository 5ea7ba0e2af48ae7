"""Grading on a real Ray cluster: a head and a second node on 127.0.0.1, one CPU each.

The same zoo subset graded by the local pool and by Ray (through `autograder
grade --ray=ADDRESS`) gives the same grades and gradebook rows; a node killed
mid-run loses nothing and counts nothing twice; a submission that kills its
grading worker is zero with the reason, not retried forever; a node or a
driver whose grader differs is refused with what differs.
"""
import dataclasses
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time

import nbformat
import pytest
from nbgrader.api import Gradebook
from rich.console import Console

from autograder import identity, stock
from autograder.ci import max_scores
from autograder.engine import batch
from autograder.engine.executors import WorkerDied
from autograder.engine.grade import scored_zero
from autograder.engine.run import grade_assignments
from autograder.engine.settings import Settings
from autograder.results import STUDENT_ERROR
from autograder.zoo import cases
from tests.conftest import ROOT
from tests.course_factory import Course, make_course

os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # read when Ray is imported: nodes and drivers stay on 127.0.0.1
import ray  # noqa: E402
from ray.cluster_utils import Cluster  # noqa: E402

from autograder.engine.executors import ray as ray_executor  # noqa: E402

pytestmark = pytest.mark.xdist_group("ray")
ASSIGNMENT = "01_neuron"
NODE = {"num_cpus": 1, "object_store_memory": 80 << 20, "include_dashboard": False}


def start(make, tries=3):
    """A Ray node start that survives a slow machine: the raylet gives its agents 15 s to come up."""
    for attempt in range(tries):
        try:
            return make()
        except Exception:  # noqa: BLE001 - "node timed out during startup": try again, the caches are warm now
            if attempt == tries - 1:
                raise


@pytest.fixture(scope="module")
def cluster():
    head = start(lambda: Cluster(initialize_head=True, head_node_args=NODE))
    second = start(lambda: head.add_node(**NODE))
    head.wait_for_nodes()
    ray.init(address=head.address, log_to_driver=False)
    try:
        yield head, second
    finally:
        ray.shutdown()
        head.shutdown()


@pytest.fixture(scope="module")
def zoo(tmp_path_factory):
    """A released course (SQLite gradebook) and a subset of 01's zoo: solution, release, bugs, an alternative."""
    found = cases(ROOT, ASSIGNMENT, ROOT / "tests" / "zoo")
    subset = found[:5] + [c for c in found if c.student.startswith("alt-")][:1]
    return make_course(tmp_path_factory.mktemp("ray"), ASSIGNMENT), subset


def copy_course(course, folder):
    """A copy of a released course that keeps its own gradebook (nbgrader_config.py names absolute paths)."""
    shutil.copytree(course.root, folder)
    config = folder / "nbgrader_config.py"
    config.write_text(config.read_text().replace(str(course.root), str(folder)))
    return Course(folder, course.assignment)


def submit(course, subset):
    for case in subset:
        for name, nb in case.notebooks.items():
            nbformat.write(nb, str(course.folder(case.student) / name))


def gradebook_rows(course, students):
    """``{student: ({grade_id: score}, flagged)}`` as nbgrader's gradebook holds them."""
    scores = stock.read_scores(f"sqlite:///{course.root}/gradebook.db", ASSIGNMENT, students)
    with Gradebook(f"sqlite:///{course.root}/gradebook.db") as gb:
        flags = {s: any(nb.flagged for nb in gb.find_submission(ASSIGNMENT, s).notebooks) for s in students}
    return {s: (scores[s], flags[s]) for s in students}


def verdicts(course, students):
    """Every check of every stored result: what decided the grade, without timings."""
    found = {}
    for student in students:
        data = json.loads((course.root / "autograded" / student / ASSIGNMENT / batch.RESULT_FILE).read_text())
        found[student] = [(i["grade_id"], c["name"], c["status"], c["points"], c["message"])
                          for nb in data["notebooks"] for i in nb["items"] for c in i["checks"]]
    return found


def test_a_submission_travels_as_this_machine_reads_it_with_its_notes(tmp_path):
    course = tmp_path / "course"
    folder = course / "submitted" / "ann" / ASSIGNMENT
    (folder / "data").mkdir(parents=True)
    (course / "source" / ASSIGNMENT).mkdir(parents=True)
    (course / "source" / ASSIGNMENT / "neuron.ipynb").write_text("{}")
    (folder / "data" / "a.csv").write_bytes(b"1,2\n")
    with open(folder / "huge.bin", "wb") as huge:  # sparse: over the submission's size limit, costs no disk
        huge.truncate((51 << 20))
    (folder / "neuron.ipynb").write_text('{"cells": []}')
    (folder / "link").symlink_to("/etc/passwd")
    job = batch.Job(ASSIGNMENT, "ann", tmp_path / "result.json", "")
    files, notes = ray_executor.pack_submission(course, job, Settings())
    assert sorted(name for name, _ in files) == ["data/a.csv", "neuron.ipynb"]
    assert any("link is a symbolic link" in n for n in notes) and any("huge.bin is" in n for n in notes)
    arrived = ray_executor.unpack_submission(files, tmp_path / "node" / "submitted" / "ann" / ASSIGNMENT)
    assert (arrived / "neuron.ipynb").read_text() == '{"cells": []}' and (arrived / "data" / "a.csv").read_bytes() == b"1,2\n"
    (course / "submitted" / "bob").mkdir()
    os.symlink(folder, course / "submitted" / "bob" / ASSIGNMENT)  # a folder that is a link travels as nothing
    files, notes = ray_executor.pack_submission(course, batch.Job(ASSIGNMENT, "bob", tmp_path / "r.json", ""), Settings())
    assert files == [] and "symbolic link" in notes[0]


def test_the_executor_setting_is_checked(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.Autograder.executor = 'spark'\n")
    with pytest.raises(ValueError, match="executor = 'spark' is refused: expected any of"):
        Settings.load(tmp_path)


def test_ray_resumes_after_its_driver_dies_and_grades_exactly_as_the_local_pool(cluster, zoo, tmp_path):
    course, subset = zoo
    students = [c.student for c in subset]
    local, on_ray = copy_course(course, tmp_path / "local"), copy_course(course, tmp_path / "ray")
    for one in (local, on_ray):
        submit(one, subset)
    grade_assignments(local.root, ASSIGNMENT, local.settings, console=Console(quiet=True))
    command = [sys.executable, "-m", "autograder", "grade", ASSIGNMENT, f"--ray={cluster[0].address}"]
    options = {"cwd": on_ray.root, "env": {**os.environ, "RAY_ADDRESS": ""}, "text": True,
               "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}

    def stored():
        return list((on_ray.root / "autograded").glob(f"*/{ASSIGNMENT}/{batch.RESULT_FILE}"))

    driver = subprocess.Popen(command, **options)
    while len(stored()) < 2 and driver.poll() is None:
        time.sleep(0.1)
    driver.kill()  # the driver dies mid-run: what it stored stays, the next run grades the rest
    driver.communicate()
    kept = len(stored())
    done = subprocess.run(command, timeout=600, **options)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "profile cpu (decided once for the run)" in done.stdout and "ETA" in done.stdout + done.stderr
    assert kept < len(students) and f"{len(students) - kept} graded, {kept} unchanged since the last run" in done.stdout

    assert gradebook_rows(on_ray, students) == gradebook_rows(local, students)
    assert verdicts(on_ray, students) == verdicts(local, students)
    maxima = max_scores(ROOT, ASSIGNMENT)
    rows = gradebook_rows(on_ray, students)
    assert {c.student: c.verdict(rows[c.student][0], maxima) for c in subset} == dict.fromkeys(students, "")
    assert (on_ray.root / "autograded" / students[0] / ASSIGNMENT / "feedback.html").exists()


@ray.remote(max_retries=0)
def _fake_grade(context, job, files):
    """Stands in for grading on a node: the job named 'killer' kills its worker process; each attempt is counted
    in the file the job's fingerprint names."""
    with open(job.fingerprint, "a") as attempts:
        attempts.write(job.student + "\n")
    if job.student == "killer":
        os._exit(9)
    return ray.get_runtime_context().get_node_id(), {"student": job.student}


@ray.remote(max_retries=0)
def _refusing_grade(context, job, files):
    """Stands in for grading: every node but the head refuses, as a node with another grader would."""
    node = ray.get_runtime_context().get_node_id()
    if node != job.fingerprint:  # the test puts the head's node id there
        raise ray_executor.NodeRefused(node, "its installed grader differs from the driver's: hidden checks: a01_neuron.py differs")
    return node, {"student": job.student}


def fake_jobs(tmp_path, names, marker):
    """Jobs (with no submission folder: the fake tasks ignore it) whose fingerprint carries ``marker`` to the fake task."""
    jobs = []
    for name in names:
        jobs.append(batch.Job(ASSIGNMENT, name, tmp_path / "results" / name / batch.RESULT_FILE, marker))
    return jobs


def run_with(task, jobs, course):
    settings = dataclasses.replace(course.settings, executor="ray")
    return list(ray_executor.RayExecutor(settings, task=task, settle_seconds=2).run(jobs, course.root, settings))


def test_a_submission_that_kills_its_worker_is_zero_with_the_reason_and_not_retried_forever(cluster, zoo, tmp_path):
    course, _ = zoo
    attempts = tmp_path / "attempts.txt"
    jobs = fake_jobs(tmp_path, ["ann", "killer", "ben", "cat"], str(attempts))
    results = run_with(_fake_grade, jobs, course)
    by_student = {job.student: (data, error) for job, data, error in results}
    assert len(results) == 4 and all(data and not error for s, (data, error) in by_student.items() if s != "killer")
    assert attempts.read_text().split().count("killer") == ray_executor.WORKER_CRASHES
    died = by_student["killer"][1]
    assert isinstance(died, WorkerDied)  # the batch scores it zero, by the local pool's rule:
    killed = scored_zero(course.root, ASSIGNMENT, "killer", str(died))
    checks = [c for nb in killed.notebooks for i in nb.items for c in i.checks]
    assert checks and all(c.status == STUDENT_ERROR for c in checks)
    assert all(i.score == 0 for nb in killed.notebooks for i in nb.items)
    assert "killed the grader's worker process twice" in checks[0].message


def test_a_node_that_refuses_gets_no_more_work_and_nothing_is_lost(cluster, zoo, tmp_path, caplog):
    course, _ = zoo
    head_id = ray.get_runtime_context().get_node_id()  # this driver runs on the head node
    jobs = fake_jobs(tmp_path, [f"s{k}" for k in range(6)], head_id)
    with caplog.at_level(logging.WARNING, logger=ray_executor.__name__):
        results = run_with(_refusing_grade, jobs, course)
    assert sorted(job.student for job, data, error in results if data and not error) == [j.student for j in jobs]
    assert "refused Ray node" in caplog.text and "hidden checks: a01_neuron.py differs" in caplog.text


def test_a_driver_whose_grader_differs_is_refused_by_every_node_saying_what_differs(cluster, zoo, monkeypatch):
    course, _ = zoo
    ours = identity.grader_identity()
    changed = {**ours, "thresholds": {"thresholds.json": "0" * 64}, "package version": "9.9"}
    monkeypatch.setattr(ray_executor.identity, "grader_identity", lambda backend="tensorflow": changed)
    with pytest.raises(RuntimeError, match="no node of the Ray cluster can grade") as refused:
        ray_executor.RayExecutor(dataclasses.replace(course.settings, executor="ray"))
    assert "thresholds: thresholds.json differs" in str(refused.value)
    assert f"package version: 9.9 on the driver, {ours['package version']} here" in str(refused.value)


def test_a_node_killed_mid_run_loses_nothing_and_counts_nothing_twice(cluster, zoo, tmp_path, caplog):
    head, second = cluster
    course, subset = zoo
    students = [c.student for c in subset]
    killed = copy_course(course, tmp_path / "killed")
    submit(killed, subset)
    seen, lost, removed = [], threading.Event(), []

    def kill_when_both_nodes_grade():  # the second node is busy: kill it under its task
        while not lost.is_set():
            if ray.available_resources().get("CPU", 0) == 0:
                head.remove_node(second, allow_graceful=False)
                removed.append(time.monotonic())
                lost.set()
            time.sleep(0.05)

    killer = threading.Thread(target=kill_when_both_nodes_grade, daemon=True)
    killer.start()
    settings = dataclasses.replace(killed.settings, executor="ray")
    with caplog.at_level(logging.WARNING, logger=ray_executor.__name__):
        outcome = batch.grade_all(killed.root, ASSIGNMENT, settings, killed.root / "autograded",
                                  on_result=lambda r: seen.append(r.student), show_progress=False)
    lost.set()
    assert removed, "both nodes never graded at once: the second node was not killed"
    assert sorted(seen) == sorted(students) and not outcome.failures  # each graded exactly once
    assert "lost while grading" in caplog.text or "worker died while grading" in caplog.text
    maxima = max_scores(ROOT, ASSIGNMENT)
    scores = {r.student: {i.grade_id: i.score for nb in r.notebooks for i in nb.items} for r in outcome.graded}
    assert {c.student: c.verdict(scores[c.student], maxima) for c in subset} == dict.fromkeys(students, "")
