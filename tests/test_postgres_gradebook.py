"""The gradebook in PostgreSQL: release, grade, export and formgrader's API on a real server.

A throwaway server from Debian's ``postgresql`` package runs for this module:
``initdb`` into a temp folder (as the ``postgres`` user when we are root:
initdb refuses root), listening on a Unix socket in that folder only, no TCP.
"""
import csv
import dataclasses
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import pytest
from nbgrader.api import Gradebook
from nbgrader.apps.api import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config.loader import PyFileConfigLoader

from autograder import stock
from autograder.engine.record import GradebookRecorder
from autograder.results import SubmissionResult
from tests.conftest import ROOT
from tests.course_factory import ENGINE_CONFIG, Course

pytestmark = pytest.mark.xdist_group("postgres")


@dataclasses.dataclass
class Server:
    socket_dir: Path

    def url(self, database):
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir}"

    def connect(self, database="postgres"):
        return psycopg.connect(host=str(self.socket_dir), user="postgres", dbname=database, autocommit=True)

    def create_database(self, name):
        with self.connect() as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="module")
def postgres():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    assert found, "PostgreSQL is not installed: scripts/setup.sh installs Debian's postgresql package"
    bindir = Path(found[-1]).parent
    folder = Path(tempfile.mkdtemp(prefix="pg-"))  # short: a Unix socket path has at most 107 characters
    as_postgres = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*as_postgres, bindir / "initdb", "-D", folder / "data", "-U", "postgres", "-A", "trust",
                    "--no-sync", "-E", "UTF8"], check=True, capture_output=True)
    server = subprocess.Popen([*as_postgres, bindir / "postgres", "-D", folder / "data", "-k", folder,
                               "-c", "listen_addresses=", "-c", "fsync=off"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until_ready(Server(folder))
        yield Server(folder)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_until_ready(server, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        try:
            server.connect().close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def released_course(root, assignments, db_url):
    """A course whose nbgrader_config.py keeps the gradebook at ``db_url``, with ``assignments`` released.

    nbgrader needs a course id with PostgreSQL, which enforces the foreign key SQLite ignores."""
    config = f"c.CourseDirectory.db_url = {db_url!r}\nc.CourseDirectory.course_id = 'dl-course'\n"
    stock.released_course(root, ROOT, assignments, 60, ENGINE_CONFIG.format(
        cell_timeout=10, submission_timeout=300, memory_mb=2048, workers=1) + config)
    return {a: Course(root, a) for a in assignments}


def autograder(args, root):
    return subprocess.Popen([sys.executable, "-m", "autograder", *args], cwd=root, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finished(process):
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, f"{out[-2000:]}\n{err[-3000:]}"
    return out


@pytest.fixture(scope="module")
def course(postgres, tmp_path_factory):
    """One course for the module, 01_neuron and 03_losses released into a fresh PostgreSQL database."""
    url = postgres.create_database("course")
    return released_course(tmp_path_factory.mktemp("pg") / "course", ["01_neuron", "03_losses"], url), url


def test_release_grade_export_and_formgrader_work_on_postgresql(course):
    courses, url = course
    neuron = courses["01_neuron"]
    neuron.submit("ann")
    neuron.submit("ben", {"relu": "def relu(z):\n    return np.abs(z)"})
    out = finished(autograder(["grade", "01_neuron", "-s", "ann", "-s", "ben"], neuron.root))
    assert "20 / 20" in out and "18 / 20" in out and f"gradebook: {url}" in out
    assert not (neuron.root / "gradebook.db").exists(), "SQLite was used although db_url names PostgreSQL"

    stock.nbgrader(["export", "--to", "exported.csv"], neuron.root)
    rows = {r["student_id"]: float(r["score"]) for r in csv.DictReader(open(neuron.root / "exported.csv"))
            if r["assignment"] == "01_neuron"}
    assert rows == {"ann": 20, "ben": 18}

    config = PyFileConfigLoader("nbgrader_config.py", path=str(neuron.root)).load_config()
    api = NbGraderAPI(CourseDirectory(config=config), config=config)  # what formgrader's pages call
    assert {s["student"]: s["score"] for s in api.get_submissions("01_neuron")} == {"ann": 20, "ben": 18}
    assert [n["name"] for n in api.get_notebooks("01_neuron")] == ["neuron"]


def test_two_runs_at_once_on_different_assignments_lose_nothing(course):
    courses, url = course
    students = ["cat", "dan", "eve"]  # new to the gradebook in both runs: both add them at once
    for one in courses.values():
        for student in students:
            one.submit(student)
    runs = [autograder(["grade", assignment, *(a for s in students for a in ("-s", s))], one.root) for assignment, one in courses.items()]
    for run in runs:
        finished(run)
    with Gradebook(url) as gb:
        for assignment in courses:
            full = gb.find_assignment(assignment).max_score
            got = {s.student.id: s.score for s in gb.assignment_submissions(assignment) if s.student.id in students}
            assert got == dict.fromkeys(students, full)


def test_a_student_added_by_another_run_meanwhile_is_found_on_the_retry(postgres, course):
    _, url = course
    result = SubmissionResult("01_neuron", "zoe", [])
    recorder = GradebookRecorder(url, ["01_neuron"])
    other = postgres.connect("course")
    other.autocommit = False
    other.execute("INSERT INTO student (id) VALUES ('zoe')")  # another run's insert, not yet committed
    failed = []
    worker = threading.Thread(target=lambda: _record_or_keep_error(recorder, result, failed))
    worker.start()
    _wait_for_lock_wait(postgres, "course")  # our insert of zoe now waits on theirs
    other.commit()
    worker.join(timeout=60)
    other.close()
    recorder.close()
    assert not worker.is_alive() and not failed, failed
    with Gradebook(url) as gb:
        assert gb.find_submission("01_neuron", "zoe").student.id == "zoe"


def _record_or_keep_error(recorder, result, failed):
    try:
        recorder.record(result)
    except Exception as err:  # noqa: BLE001 - the test reports it
        failed.append(err)


def _wait_for_lock_wait(postgres, database, seconds=30):
    deadline = time.monotonic() + seconds
    with postgres.connect() as db:
        while not db.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                             (database,)).fetchone()[0]:
            assert time.monotonic() < deadline, "the recorder never waited on the other run's insert"
            time.sleep(0.05)
