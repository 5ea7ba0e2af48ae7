"""Faults of the grader itself, and runs that end badly: only the submission at fault is affected.

An exception injected into the grading of one submission (and one into a
check) makes that submission a grader error alone: its table row, its
``autograder.json`` and the exit code say so, everyone else is graded and
recorded, and the next run grades only it again. A run killed with SIGKILL
leaves scratch folders and control groups behind, and the next run removes
them.
"""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from autograder.sandbox import cgroups
from autograder.sandbox.process import SCRATCH
from tests.course_factory import make_course
from tests.hostile.harness import leftovers, sandbox_processes

pytestmark = pytest.mark.xdist_group("hostile-runs")

FAULTS = """
import os
if os.environ.get("INJECT_FAULT_FOR"):
    from autograder.engine import grade
    from autograder.hidden import a01_neuron

    whole = grade.grade_notebook
    def grade_notebook(assignment, student, *args, **kwargs):
        if student == os.environ["INJECT_FAULT_FOR"]:
            raise RuntimeError("injected fault")
        return whole(assignment, student, *args, **kwargs)
    grade.grade_notebook = grade_notebook

    check = a01_neuron.CHECKS["test_relu"][0]
    def check_relu_values(student, rng):
        '''relu matches max(z, 0) on hidden inputs, including exact zeros'''
        if "inject-into-a-check" in student.session.files:  # the submission's {relative path: bytes}
            return 1 / 0
        return check(student, rng)
    a01_neuron.CHECKS["test_relu"][0] = check_relu_values
"""


def grade(course, env=None, *args):
    return subprocess.run([sys.executable, "-m", "autograder", "grade", "01_neuron", *args], cwd=course.root,
                          capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=900)


def runs_on_the_host(workers):
    """Names of runs with a sandbox's control group or scratch folder on the host made by one of ``workers``
    (pids; the folders are named ``s<slot>-<worker pid>-<n>`` and ``unisolated-<worker pid>-<n>``): the runs
    of other tests are not this test's."""
    layout, _ = cgroups.detect()
    places = [SCRATCH] + [base for _, base in (layout.bases if layout else ())]
    return {run.name for place in places if place.is_dir() for run in place.glob("run-*")
            if run.is_dir() and any(p.is_dir() and p.name.count("-") == 2 and p.name.split("-")[1] in workers
                                    for p in run.iterdir())}


def workers_of(pid):
    """The pids (as text) of the processes whose parent is ``pid``."""
    children = set()
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                if stat.read().rpartition(")")[2].split()[1] == str(pid):
                    children.add(entry)
        except OSError:
            pass
    return children


def started(pids):
    """``{(pid, start time)}`` of the processes ``pids`` still running: a process's identity, though pids are reused."""
    found = set()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                found.add((pid, stat.read().rpartition(")")[2].split()[19]))
        except OSError:
            pass
    return found


def stored(course, student):
    return json.loads((course.root / "autograded" / student / "01_neuron" / "autograder.json").read_text())


def test_an_exception_grading_one_submission_is_its_outcome_alone(tmp_path):
    course = make_course(tmp_path, "01_neuron")
    for student in ("ann", "ben", "victim", "victim-of-a-check"):
        course.submit(student)
    (course.folder("victim-of-a-check") / "inject-into-a-check").write_text("")
    (tmp_path / "faults").mkdir()
    (tmp_path / "faults" / "sitecustomize.py").write_text(FAULTS)
    env = {"INJECT_FAULT_FOR": "victim", "PYTHONPATH": f"{tmp_path / 'faults'}:{os.environ.get('PYTHONPATH', '')}"}

    first = grade(course, env)
    assert first.returncode == 1, first.stdout[-3000:] + first.stderr[-3000:]
    assert "grader error" in first.stdout and "injected fault" in first.stdout
    assert "error" in stored(course, "victim") and "injected fault" in stored(course, "victim")["error"]
    checked = stored(course, "victim-of-a-check")
    statuses = [c["status"] for nb in checked["notebooks"] for i in nb["items"] for c in i["checks"]]
    assert statuses.count("grader error") == 1 and "ZeroDivisionError" in json.dumps(checked)
    for student in ("ann", "ben"):
        assert sum(i["score"] for nb in stored(course, student)["notebooks"] for i in nb["items"]) == 20
    rows = (course.root / "grades.csv").read_text()
    assert "ann" in rows and "ben" in rows

    again = grade(course)  # the fault is gone: only the two that erred are graded again
    assert again.returncode == 0, again.stdout[-3000:]
    assert "2 graded, 2 unchanged" in again.stdout
    assert sum(i["score"] for nb in stored(course, "victim")["notebooks"] for i in nb["items"]) == 20


def test_a_killed_run_leaves_nothing_the_next_run_does_not_remove(tmp_path):
    course = make_course(tmp_path, "01_neuron", cell_timeout=60)
    course.submit("slow", {"relu": "import time\ntime.sleep(50)\ndef relu(z):\n    return np.maximum(z, 0.0)"})
    course.submit("quick")
    run = subprocess.Popen([sys.executable, "-m", "autograder", "grade", "01_neuron"], cwd=course.root,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline, killed = time.monotonic() + 300, None
    while killed is None and time.monotonic() < deadline:  # the run's scratch folder shows it is grading
        time.sleep(0.5)
        killed = next((name for name in runs_on_the_host(workers_of(run.pid)) if sandbox_processes(course.settings, name)),
                      None)
    assert killed, "the run never started a sandbox"
    # The killed run's own processes, by pid and start time: once it is dead, another test's run may lease
    # the same uid block, and its live sandboxes are not this run's leftovers.
    processes = started(sandbox_processes(course.settings, killed))
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    processes |= started(sandbox_processes(course.settings, killed))
    left = [p for place in leftovers(killed) for p in place.iterdir() if p.is_dir()]  # its sandboxes' folders and groups
    assert left and processes, "the killed run had nothing on the host to leave behind"
    after = grade(course)
    assert after.returncode == 0, after.stdout[-3000:]
    assert not any(p.exists() for p in left) and processes & started(sandbox_processes(course.settings, killed)) == set()
