"""The hostile zoo's harness: crafted submissions graded in one run beside honest students.

A ``Case`` is a hostile student: the answers it writes, an edit of its
notebook, raw files, or a function that builds its folder; what it may
score at most; whether it must be flagged; and a phrase its feedback must
contain. ``grade_with_honest_students`` grades the honest students alone,
then everyone in one run, and returns everything the assertions need:
results, the honest students' lone scores, the run's wall time and what
was left behind on the host.
"""
import dataclasses
import hashlib
import os
import time
from pathlib import Path
from typing import Callable

from autograder.engine.run import grade_assignment
from autograder.sandbox import cgroups
from autograder.sandbox.process import SCRATCH

# Hostile code looks for the pipe it answers the grader on the way any process can: its open descriptors.
REPLY_FD = """
import os, fcntl
def reply_fd():
    for fd in sorted(int(n) for n in os.listdir('/proc/self/fd')):
        try:
            link = os.readlink(f'/proc/self/fd/{fd}')
        except OSError:
            continue
        if link.startswith('pipe:') and fd > 2 and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
            return fd
"""
RELU = "def relu(z):\n    return np.maximum(z, 0.0)\n"
RELU_IN_PLACE = "def relu(z):\n    z[z < 0] = 0\n    return z\n"
SIGMOID_NAIVE = "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n"


@dataclasses.dataclass
class Case:
    name: str
    klass: int                       # the class of attack (1-11)
    at_most: float                   # the most it may score
    answers: dict = dataclasses.field(default_factory=dict)
    edit: Callable = None            # edit(notebook) before it is written
    build: Callable = None           # build(folder, course) after the notebook is written (links, FIFOs, ...)
    flagged: bool = False            # must be flagged for review
    reason: str = ""                 # a phrase the feedback must contain
    exactly: float = None            # the exact score, where it is known

    @property
    def student(self):
        return f"c{self.klass:02d}-{self.name}"


def submit_case(course, case):
    course.submit(case.student, case.answers, case.edit)
    if case.build:
        case.build(course.folder(case.student), course)


def feedback_text(result):
    """Everything the student's feedback says about their submission."""
    parts = list(result.problems) + [result.error]
    for nb in result.notebooks:
        parts += nb.problems + [nb.error] + [c.error for c in nb.cells] + [c.output for c in nb.cells]
        parts += [check.message for item in nb.items for check in item.checks]
    return "\n".join(parts)


def items(result):
    return {i.grade_id: i.score for nb in result.notebooks for i in nb.items}


def tree_digest(*folders):
    """A digest of every file under ``folders`` (names and contents), to show nothing changed."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file() and not path.is_symlink():
                digest.update(str(path).encode() + path.read_bytes())
    return digest.hexdigest()


def sandbox_processes(settings, run):
    """Processes running as a sandbox uid of ``run``'s block (none may outlive the run)."""
    low = settings.sandbox_uid_base + int(run.removeprefix("run-")) * 256
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                uid = os.stat(f"/proc/{entry}").st_uid
            except OSError:
                continue
            if low <= uid < low + 256:
                found.append(int(entry))
    return found


def zombie_children():
    """This process's children that ended and were never waited for."""
    zombies = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] == "Z" and int(fields[1]) == os.getpid():
                zombies.append(int(entry))
    return zombies


def leftovers(run):
    """Scratch folders and control groups of ``run`` still on the host (none may outlive it)."""
    layout, _ = cgroups.detect()
    places = [SCRATCH / run] + [base / run for _, base in (layout.bases if layout else ())]
    return [p for p in places if p.exists()]


def grade_with_honest_students(course, cases, honest):
    """Grade ``honest`` ({student: answers}) alone, then everyone together; return what the tests check."""
    for student, answers in honest.items():
        course.submit(student, answers)
    alone = grade_assignment(course.root, course.assignment, course.settings, students=list(honest))
    for case in cases:
        submit_case(course, case)
    protected = [course.root / "source", *(course.folder(s) for s in honest)]
    before = tree_digest(*protected)
    start = time.monotonic()
    outcome = grade_assignment(course.root, course.assignment, course.settings, force=True)
    return {
        "course": course, "outcome": outcome, "seconds": time.monotonic() - start,
        "alone": {r.student: items(r) for r in alone.results},
        "unchanged": tree_digest(*protected) == before,
        "processes": sandbox_processes(course.settings, outcome.run), "zombies": zombie_children(),
        "leftovers": leftovers(outcome.run),
        "results": {r.student: r for r in outcome.results},
    }
