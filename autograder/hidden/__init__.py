"""Hidden checks: one module per assignment, never shown to students.

Each module defines ``CHECKS``, a dict from the ``grade_id`` of a graded test
cell in ``source/<assignment>/`` to the check functions that decide it. A
check is ``check_<what>(student, rng)``: it calls the student's functions
through ``student.call`` on inputs drawn from ``rng`` and compares with a
reference implementation kept in the same module. Its docstring is the line
the student sees; its CheckFailure message says what went wrong.

The same checks decide a cell whether stock nbgrader runs them in the
student's kernel (``run_in_kernel``, called from the hidden-test cells) or
the grading engine runs them from outside the sandbox.
"""
import contextlib
import importlib
import io
import os
import sys
import tempfile
import time
import zlib
import numpy as np

from autograder.checks import training
from autograder.checks.errors import CheckFailure, StudentError
from autograder.checks.student import LocalStudent
from autograder.results import FAILED, GRADER_ERROR, PASSED, STUDENT_ERROR, CheckResult, point_shares

ASSIGNMENTS = {
    "01_neuron": "a01_neuron",
    "02_forward_pass": "a02_forward_pass",
    "03_losses": "a03_losses",
    "04_gradient_descent": "a04_gradient_descent",
    "05_backprop": "a05_backprop",
    "06_keras_basics": "a06_keras_basics",
    "07_fashion_mnist": "a07_fashion_mnist",
    "08_regularization": "a08_regularization",
    "09_cnn": "a09_cnn",
    "10_rnn": "a10_rnn",
    "11_modular_backprop": "a11_modular_backprop",
    "12_batchnorm_optimizers": "a12_batchnorm_optimizers",
    "13_evaluation": "a13_evaluation",
    "14_probabilistic_regression": "a14_probabilistic_regression",
}
DEFAULT_SEED = 2026
GRADER_ERROR_NOTE = "grader error (this submission is flagged for a person to review):"


def checks_for(assignment):
    """The ``CHECKS`` dict of an assignment."""
    if assignment not in ASSIGNMENTS:
        raise KeyError(f"unknown assignment {assignment!r}; known: {', '.join(ASSIGNMENTS)}")
    return importlib.import_module(f"{__name__}.{ASSIGNMENTS[assignment]}").CHECKS


def check_rng(seed, assignment, grade_id, check_name, student=None):
    """The generator one check draws its hidden inputs from: fixed by the course's seed and the student,
    independent of the order checks run in. Hidden inputs differ per student, so inputs one student's
    feedback reveals hold for nobody else; the same submission and seed always get the same grade."""
    names = (assignment, grade_id, check_name) + (() if student is None else (student,))
    return np.random.default_rng([seed] + [zlib.crc32(s.encode()) for s in names])


def check_name(check):
    return check.__name__.removeprefix("check_")


def describe(check):
    """The line the student reads for a check: the first line of its docstring."""
    return (check.__doc__ or check.__name__).strip().splitlines()[0]


def run_check(check, student, assignment, grade_id, seed, points=0.0, student_id=None):
    """Run one check (worth ``points``) for ``student_id`` and return its CheckResult.

    A check may return a dict of details (plain data) for the feedback; a
    CheckFailure may carry them too. A check marked ``course_seeded`` (a
    training: its held-out data never enters the sandbox) draws from the
    course's seed alone, so the same model gets the same score for everyone.
    """
    name = check_name(check)
    start = time.perf_counter()
    details = {}
    per_student = None if getattr(check, "course_seeded", False) else student_id
    try:
        with training.recording() as reported:
            returned = check(student, check_rng(seed, assignment, grade_id, name, per_student))
        status, message = PASSED, ""
        compared = [entry["details"] for entry in reported if "details" in entry]
        details = returned if isinstance(returned, dict) else compared[-1] if compared else {}
    except StudentError as failure:
        status, message, details = STUDENT_ERROR, str(failure), failure.details
    except CheckFailure as failure:
        status, message, details = FAILED, str(failure), failure.details
    except Exception as err:  # noqa: BLE001 - a fault in the check itself must not stop grading
        status, message = GRADER_ERROR, f"{GRADER_ERROR_NOTE} {type(err).__name__}: {str(err)[:500]}"
    return CheckResult(name, describe(check), status, message, time.perf_counter() - start, points, details)


def run_item(assignment, grade_id, points, student, seed):
    """Every check of one graded cell, each worth its share of ``points``: a list of CheckResults."""
    checks = checks_for(assignment)[grade_id]
    return [run_check(c, student, assignment, grade_id, seed, share)
            for c, share in zip(checks, point_shares(checks, points))]


@contextlib.contextmanager
def stderr_to_stdout():
    """Send whatever the checks write to stderr (Python or C level, e.g. TensorFlow's logs) to stdout.

    Stock nbgrader scores a test cell zero for any stderr output, so noise
    from a framework must not reach stderr while a correct answer is checked.
    """
    sys.stderr.flush()
    saved_fd, saved_stream = os.dup(2), sys.stderr
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        sys.stderr = io.TextIOWrapper(os.fdopen(os.dup(2), "wb"), write_through=True)
        try:
            yield
        finally:
            sys.stderr.close()
            sys.stderr = saved_stream
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
            sink.seek(0)
            noise = sink.read().decode(errors="replace").strip()
    if noise:
        print(f"(messages the checks wrote to stderr)\n{noise[-2000:]}")


def run_in_kernel(assignment, grade_id, namespace, points):
    """Grade one test cell worth ``points`` inside the notebook's own kernel (the stock nbgrader path).

    Prints one line per check. Returns the cell's score when some checks
    passed: the cell's last value, which nbgrader takes as partial credit.
    Raises CheckFailure when none passed, which is how nbgrader scores the
    cell zero. Seeded by ``AUTOGRADER_SEED``.
    """
    seed = int(os.environ.get("AUTOGRADER_SEED", DEFAULT_SEED))
    student = LocalStudent(namespace)
    with stderr_to_stdout():
        results = run_item(assignment, grade_id, float(points), student, seed)
    for r in results:
        print(f"{'PASS' if r.passed else 'FAIL'}  {r.description}" + ("" if r.passed else f"\n      {r.message}"))
    failed = [r for r in results if not r.passed]
    if len(failed) == len(results):
        raise CheckFailure(f"{len(failed)} of {len(results)} hidden checks failed: " + "; ".join(r.message for r in failed))
    return round(sum(r.score for r in results), 6)
