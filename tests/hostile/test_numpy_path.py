"""Hostile submissions of 01_neuron, graded in one run beside two honest students.

Classes 1-8 of the hostile-input issue: each case is a crafted submission
that tries to end the run, hang past the limits, forge a verdict, read
through a link, shadow the grader's modules, beat the per-sandbox limits or
leak hidden inputs. Every case must score no more than it deserves (a wrong
answer never gets the points), be flagged where it tampered, say why in
its feedback, and leave the honest students' grades, the course's files
and the host exactly as they were.
"""
import json
import os
import stat
import subprocess

import nbformat
import pytest

from autograder.engine.run import summary_table
from tests.course_factory import make_course
from tests.hostile.harness import (
    RELU, RELU_IN_PLACE, REPLY_FD, SIGMOID_NAIVE, Case, feedback_text, grade_with_honest_students, items,
)

pytestmark = pytest.mark.xdist_group("hostile-numpy")

CELL_TIMEOUT, SUBMISSION_TIMEOUT, WALL_SLACK = 10, 90, 30  # WALL_SLACK: the stated bound beyond submission_timeout
FULL, NO_RELU = 20, 18
NO_SIGMOID = 9  # relu, decision_boundary and perceptron_update: everything else calls sigmoid
LEAK = "def sigmoid(z):\n    raise ValueError(repr(np.asarray(z).tolist()) * 1000)"
HANG_ON_REPLAY = "import time\nwhile 'first_run' not in globals():\n    time.sleep(0.1)"  # replays skip the failed cell


def relu_then(code, relu=RELU):
    """A relu cell whose hostile code runs every time relu is called."""
    body = "\n".join("    " + line for line in code.strip().splitlines())
    return {"relu": f"{REPLY_FD}\ndef relu(z):\n{body}\n    return np.maximum(z, 0.0)\n" if relu is RELU else relu}


def cell(code):
    """Hostile code that runs when the relu cell runs (the relu it defines is the correct one)."""
    return {"relu": code + "\n" + RELU}


def fake_reply(payload_code):
    return relu_then(f"fd = reply_fd()\n{payload_code}\nos.write(fd, frame)")


def added_cell(source, metadata):
    def edit(nb):
        nb.cells.insert(3, nbformat.v4.new_code_cell(source, metadata=metadata))
    return edit


def raw_cell(mutate):
    """Edit the notebook's JSON directly (what nbformat would refuse to build)."""
    def build(folder, course):
        path = folder / "neuron.ipynb"
        data = json.loads(path.read_text())
        mutate(data["cells"])
        path.write_text(json.dumps(data))
    return build


def replace_notebook(make):
    def build(folder, course):
        (folder / "neuron.ipynb").unlink()
        make(folder / "neuron.ipynb", course)
    return build


def hang_on_replay(nb):
    """A cell that fails the first time (so replays skip it) and four that hang whenever it did not run."""
    added = [nbformat.v4.new_code_cell("first_run = 1\nraise RuntimeError('only once')")]
    added += [nbformat.v4.new_code_cell(HANG_ON_REPLAY) for _ in range(4)]
    nb.cells[3:3] = added


def deep_tree(folder, course):
    path = folder
    for _ in range(300):
        path = path / "d"
    os.makedirs(path)
    (path / "leaf.txt").write_text("deep")


def sparse_file(folder, course):
    with open(folder / "data.bin", "wb") as f:
        f.truncate(1 << 40)  # 1 TB, nearly no disk


def many_files(folder, course):
    for i in range(800):
        (folder / f"f{i}.txt").write_text("x")


def timestamp(text):
    def build(folder, course):
        (folder / "timestamp.txt").write_text(text)
    return build


def sparse_timestamp(folder, course):
    with open(folder / "timestamp.txt", "wb") as f:
        f.truncate(10 << 30)


def symlink_to(target):
    def make(path, course):
        os.symlink(target(course) if callable(target) else target, path)
    return replace_notebook(make)


def secret(course):
    """A root-only file outside the course (made by the fixture)."""
    return course.root.parent / "root-only.txt"


def hardlink_to_secret(path, course):
    os.link(secret(course), path)


def fifo(path, course):
    os.mkfifo(path)


def device(path, course):
    os.mknod(path, 0o644 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero


def folder_is_symlink(folder, course):
    folder.rename(folder.with_name("moved"))
    os.symlink(course.folder("honest-solution"), folder)


def subfolder_link(folder, course):
    os.symlink("/etc", folder / "etc")


def shadowing(files):
    def build(folder, course):
        for name, text in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text)
    return build


CASES = [
    # 1. One submission ends the whole run.
    Case("reply-absurd-array-shape", 1, 0, fake_reply(
        "import json\nh = json.dumps({'nonce': 1, 'reply': {'ok': True, 'value': {'$nd': 0}, 'warnings': [], 'mutated': []},"
        " 'blobs': [['<f8', [10 ** 12, 10 ** 6], 8]]}).encode()\nbody = len(h).to_bytes(4, 'little') + h + bytes(8)\n"
        "frame = len(body).to_bytes(8, 'little') + body"), flagged=True, reason="does not match"),
    Case("reply-zip-archive", 1, 0, fake_reply(
        "import io, zipfile, json\nbuf = io.BytesIO()\nzipfile.ZipFile(buf, 'w').writestr('a.npy', b'x' * 100)\n"
        "blob = buf.getvalue()\nh = json.dumps({'nonce': 1, 'reply': {'ok': True, 'value': {'$nd': 0}}, 'blobs': [['<f8', [3], len(blob)]]}).encode()\n"
        "body = len(h).to_bytes(4, 'little') + h + blob\nframe = len(body).to_bytes(8, 'little') + body"), flagged=True,
         reason="does not match"),
    Case("reply-length-of-an-exabyte", 1, 0, fake_reply("frame = (2 ** 62).to_bytes(8, 'little')"), flagged=True,
         reason="byte limit"),
    Case("reply-not-json", 1, 0, fake_reply(
        "body = (7).to_bytes(4, 'little') + b'{{{{{{{'\nframe = len(body).to_bytes(8, 'little') + body"), flagged=True,
         reason="not valid JSON"),
    Case("metadata-grade-id-is-a-list", 1, FULL, edit=added_cell("x = 1", {"nbgrader": {"grade_id": [1, 2], "grade": True,
                                                                                       "points": 99}}), flagged=True,
         exactly=FULL, reason="wrong types"),
    Case("metadata-is-a-list", 1, FULL, build=raw_cell(lambda cells: cells.insert(3, {
        "cell_type": "code", "metadata": [1, 2], "source": "y = 2", "outputs": [], "execution_count": None})), exactly=FULL),
    Case("cell-source-is-a-number", 1, FULL, build=raw_cell(lambda cells: cells.insert(3, {
        "cell_type": "code", "metadata": {}, "source": 12345, "outputs": [], "execution_count": None})), flagged=True,
         exactly=FULL, reason="malformed"),
    Case("cell-type-unknown", 1, FULL, build=raw_cell(lambda cells: cells.insert(3, {
        "cell_type": "evil", "metadata": {}, "source": "z = 3"})), flagged=True, exactly=FULL, reason="malformed"),
    Case("timestamp-not-a-date", 1, FULL, build=timestamp("the day after tomorrow"), flagged=True, exactly=FULL),
    Case("timestamp-sparse-10gb", 1, FULL, build=sparse_timestamp, flagged=True, exactly=FULL),
    Case("folder-300-deep", 1, FULL, build=deep_tree, flagged=True, exactly=FULL, reason="nested too deeply"),
    Case("sparse-file-1tb", 1, FULL, build=sparse_file, flagged=True, exactly=FULL, reason="over the"),
    Case("800-files", 1, FULL, build=many_files, flagged=True, exactly=FULL, reason="more than"),
    Case("deep-tree-in-the-sandbox-home", 1, FULL, cell(
        "import os\np = 'deep'\nfor _ in range(3000):\n    p = os.path.join(p, 'd')\n    try:\n        os.mkdir(p)\n"
        "    except OSError:\n        break"), exactly=FULL),
    # 2. Hangs past the limits.
    Case("stops-itself-while-called", 2, NO_RELU, relu_then("import signal\nos.kill(os.getpid(), signal.SIGSTOP)"),
         reason="timed out"),
    Case("closes-its-pipes", 2, 0, relu_then(
        "for fd in range(3, 64):\n    try:\n        os.close(fd)\n    except OSError:\n        pass"), flagged=True,
         reason="tampering"),
    Case("added-cells-that-hang-on-replay", 2, NO_SIGMOID, {"sigmoid": "import os\ndef sigmoid(z):\n    os._exit(1)"},
         edit=lambda nb: hang_on_replay(nb), reason="timed out"),
    # 3. The grader believes what the sandbox says about itself.
    Case("imports-the-kernel", 3, 0, cell("import gradekernel.monitor"), flagged=True, reason="tampering"),
    Case("lists-every-object", 3, 0, cell("import gc\nobjects = gc.get_objects()"), flagged=True, reason="tampering"),
    Case("reads-other-threads-frames", 3, 0, cell("import sys\nframes = sys._current_frames()"), flagged=True,
         reason="tampering"),
    Case("writes-its-own-memory", 3, 0, cell("open('/proc/self/mem', 'rb')"), flagged=True, reason="tampering"),
    Case("in-place-relu-with-deepcopy-patched", 3, NO_RELU, {"relu": "import copy\ncopy.deepcopy = lambda x, memo=None: x\n"
                                                                  "copy._deepcopy_dispatch.clear()\n" + RELU_IN_PLACE},
         reason="changed its input"),
    Case("in-place-relu-with-builtins-patched", 3, NO_RELU, {"relu": "import builtins\nbuiltins.len = lambda x: 0\n"
                                                                 "builtins.isinstance = lambda *a: True\n" + RELU_IN_PLACE}),
    Case("in-place-relu-with-the-main-loop-walked", 3, 0, {"relu": (
        "import sys\ndef relu(z):\n    try:\n        raise RuntimeError\n    except RuntimeError as e:\n"
        "        frame = e.__traceback__.tb_frame\n    while frame is not None:\n        slot = frame.f_locals.get('slot')\n"
        "        if isinstance(slot, list):  # the kernel's main loop: hand the monitor a result first\n"
        "            slot.append(('ok', np.maximum(z, 0), [], ['z']))\n"
        "        frame = frame.f_back\n    z[z < 0] = 0\n    return z\n")}, flagged=True, reason="tampering"),
    Case("forged-reply-with-guessed-nonces", 3, 0, {"relu": REPLY_FD + (
        "import json\ndef relu(z):\n    fd = reply_fd()\n    out = np.maximum(z, 0)\n    for nonce in range(1, 40):\n"
        "        h = json.dumps({'nonce': nonce, 'reply': {'ok': True, 'value': out.tolist(), 'warnings': [], 'mutated': []},"
        " 'blobs': []}).encode()\n        body = len(h).to_bytes(4, 'little') + h\n"
        "        os.write(fd, len(body).to_bytes(8, 'little') + body)\n    z[z < 0] = 0\n    return z\n")}, flagged=True,
         reason="tampering"),
    Case("naive-sigmoid-with-warnings-silenced", 3, FULL - 1.5, {"sigmoid": "import warnings\nwarnings.filters[:] = []\n"
                                                                   "warnings.simplefilter = lambda *a, **k: None\n"
                                                                   "np.seterr(all='ignore')\n" + SIGMOID_NAIVE}),
    Case("complex-sigmoid-with-the-right-real-part", 3, NO_SIGMOID, {"sigmoid": (
        "def sigmoid(z):\n    z = np.asarray(z, dtype=float)\n    e = np.exp(-np.abs(z))\n"
        "    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)) + 1e-3j")}, reason="complex"),
    Case("complex-sigmoid-with-a-zero-imaginary-part", 3, NO_SIGMOID, {"sigmoid": (
        "def sigmoid(z):\n    z = np.asarray(z, dtype=float)\n    e = np.exp(-np.abs(z))\n"
        "    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(complex)")}, reason="complex"),
    # 4. Files in submitted/ are followed.
    Case("notebook-links-to-the-solution", 4, 0, build=symlink_to(lambda c: c.root / "source" / "01_neuron" / "neuron.ipynb"),
         flagged=True, reason="symbolic link"),
    Case("notebook-links-to-another-student", 4, 0, build=symlink_to(lambda c: c.folder("honest-solution") / "neuron.ipynb"),
         flagged=True, reason="symbolic link"),
    Case("notebook-links-to-a-root-only-file", 4, 0, build=symlink_to(lambda c: secret(c)), flagged=True,
         reason="symbolic link"),
    Case("notebook-hard-links-a-root-only-file", 4, 0, build=replace_notebook(hardlink_to_secret), flagged=True,
         reason="hard link"),
    Case("notebook-is-a-fifo", 4, 0, build=replace_notebook(fifo), flagged=True, reason="not a regular file"),
    Case("notebook-is-a-device", 4, 0, build=replace_notebook(device), flagged=True, reason="not a regular file"),
    Case("folder-links-to-another-student", 4, 0, build=folder_is_symlink, flagged=True, reason="symbolic link"),
    Case("subfolder-links-to-etc", 4, FULL, build=subfolder_link, flagged=True, exactly=FULL, reason="symbolic link"),
    # 5. Student files shadow the grader's modules.
    Case("json-py-beside-the-notebook", 5, FULL, build=shadowing({"json.py": "raise SystemExit('shadowed')"}), exactly=FULL),
    Case("gradekernel-package-beside-the-notebook", 5, FULL, build=shadowing({"gradekernel/__init__.py": "raise SystemExit(3)",
                                                                                "gradekernel/boot.py": "raise SystemExit(3)"}),
         exactly=FULL),
    Case("numpy-py-beside-the-notebook", 5, FULL, build=shadowing({"numpy.py": "raise ImportError('shadowed')"}), exactly=FULL),
    Case("ipython-startup-file", 5, FULL, build=shadowing({".ipython/profile_default/startup/00-evil.py": "import os\nos._exit(5)"}),
         exactly=FULL),
    Case("sitecustomize-beside-the-notebook", 5, FULL, build=shadowing({"sitecustomize.py": "import os\nos._exit(6)"}),
         exactly=FULL),
    Case("own-helper-module-breaks-own-cell", 5, FULL, build=shadowing({"mylib.py": "this is not python"}),
         edit=lambda nb: nb.cells.append(nbformat.v4.new_code_cell("import mylib")), exactly=FULL),
    # 6. Limits are per sandbox, not per process.
    Case("three-children-of-900-mb", 6, NO_RELU, {"relu": (  # relu exists only if the three got 2.7 GB together
        "import os, time\nchildren = []\nfor _ in range(3):\n    pid = os.fork()\n    if pid == 0:\n"
        "        hog = bytearray(900 << 20)\n        hog[::4096] = b'x' * len(hog[::4096])\n        time.sleep(3)\n"
        "        os._exit(0)\n    children.append(pid)\nif all(os.waitpid(p, 0)[1] == 0 for p in children):\n" + "\n".join(
            "    " + line for line in RELU.splitlines()))}, reason="not defined"),
    Case("fills-its-home", 6, NO_RELU, cell("with open('big', 'wb') as f:\n    f.write(bytes(1 << 30))"),
         reason="No space left"),
    Case("raises-its-own-output-cap", 6, FULL, cell("import sys\nsys.stdout.parts.clear(); sys.stdout.size = -10 ** 12\n"
                                                   "print('x' * (150 << 20))"), exactly=FULL),
    Case("threads-bomb", 6, NO_RELU, cell("import threading, time\nwhile True:\n    threading.Thread(target=time.sleep, args=(60,)).start()"),
         reason="can't start new thread"),
    # 7. Hidden inputs leak through feedback.
    Case("raises-its-arguments", 7, NO_SIGMOID, {"sigmoid": LEAK}, reason="ValueError"),
    Case("raises-its-arguments-too", 7, NO_SIGMOID, {"sigmoid": LEAK}, reason="ValueError"),
]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("hostile"), "01_neuron", cell_timeout=CELL_TIMEOUT,
                         submission_timeout=SUBMISSION_TIMEOUT, memory_mb=2048, extra="c.Autograder.scratch_mb = 256\n")
    secret(course).write_text("TOPSECRET-LINE")
    os.chmod(secret(course), 0o600)
    honest = {"honest-solution": {}, "honest-buggy": {"sigmoid": SIGMOID_NAIVE}}
    run = grade_with_honest_students(course, CASES, honest)
    run["console"] = summary_table("01_neuron", run["outcome"])
    return run


def test_at_least_fifty_cases_over_the_eleven_classes():
    from tests.hostile import test_keras_path

    cases = CASES + test_keras_path.CASES
    assert len(cases) >= 50 and {c.klass for c in cases} >= set(range(1, 12)) - {8}


def test_the_run_grades_everyone(graded):
    assert not graded["outcome"].failures
    assert len(graded["results"]) == len(CASES) + 2


def test_honest_students_get_exactly_what_they_get_alone(graded):
    for student, scores in graded["alone"].items():
        assert items(graded["results"][student]) == scores
    assert sum(graded["alone"]["honest-solution"].values()) == FULL


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.student)
def test_a_hostile_case_gets_no_more_than_it_deserves(graded, case):
    result = graded["results"][case.student]
    text = feedback_text(result)
    assert result.score <= case.at_most, text[-3000:]
    if case.exactly is not None:
        assert result.score == case.exactly, text[-3000:]
    if case.flagged:
        assert result.flagged, text[-3000:]
    assert case.reason in text, text[-3000:]
    assert result.seconds <= SUBMISSION_TIMEOUT + WALL_SLACK
    assert "TOPSECRET" not in text and "BEGIN SOLUTION" not in text


def test_nothing_outside_the_sandboxes_changed_and_nothing_is_left(graded):
    assert graded["unchanged"]
    assert graded["processes"] == [] and graded["zombies"] == [] and graded["leftovers"] == []


def test_feedback_never_quotes_what_was_behind_a_link(graded):
    root = graded["course"].root
    for path in list((root / "autograded").rglob("*.html")) + list((root / "autograded").rglob("*.ipynb")):
        text = path.read_text(errors="replace")
        assert "TOPSECRET" not in text and "### BEGIN SOLUTION" not in text, path


def test_leaked_inputs_are_bounded_and_differ_per_student(graded):
    def leaked(student):
        return [c.message for nb in graded["results"][student].notebooks for i in nb.items for c in i.checks
                if c.name == "sigmoid_values"][0]

    first, second = leaked("c07-raises-its-arguments"), leaked("c07-raises-its-arguments-too")
    assert "ValueError" in first and len(first) <= 600 and len(second) <= 600
    assert first != second  # the same code saw other hidden inputs


def test_output_and_replies_are_capped_by_the_grader(graded):
    stored = graded["course"].root / "autograded" / "c06-raises-its-own-output-cap" / "01_neuron" / "autograder.json"
    assert stored.stat().st_size < 1 << 20


def test_the_table_says_what_happened(graded):
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(graded["console"])
    text = console.export_text()
    assert "c03-imports-the-kernel" in text and "flagged" in text
