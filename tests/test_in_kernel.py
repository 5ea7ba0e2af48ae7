"""The stock-nbgrader path: hidden-test cells call run_in_kernel inside the student's kernel."""
import subprocess
import sys

from tests.conftest import ROOT

NOISY = """
import os, sys
import numpy as np
from autograder import hidden
from autograder.hidden import a01_neuron

def check_noisy(student, rng):
    '''a check whose framework writes to stderr'''
    sys.stderr.write("python-level warning\\n")
    os.write(2, b"I0000 C-level log line from a framework\\n")
    student.call("sigmoid", np.zeros(2))

hidden.checks_for = lambda assignment: {"test_noise": [check_noisy]}
hidden.run_in_kernel("01_neuron", "test_noise", {"sigmoid": a01_neuron.sigmoid}, points=1)
print("done")
"""


def test_framework_noise_on_stderr_cannot_zero_a_correct_answer():
    done = subprocess.run([sys.executable, "-c", NOISY], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "PASS  a check whose framework writes to stderr" in done.stdout
    assert "C-level log line" in done.stdout and done.stdout.rstrip().endswith("done")


def test_a_failing_check_fails_the_cell_with_every_message():
    code = ("from autograder.hidden import run_in_kernel\nimport numpy as np\n"
            "run_in_kernel('01_neuron', 'test_relu', {'relu': lambda z: np.abs(z)}, points=2)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode != 0 and "CheckFailure" in done.stderr
    assert "FAIL  relu matches max(z, 0)" in done.stdout and "wrong values" in done.stdout


def test_a_cell_scores_the_shares_of_the_checks_that_passed():
    """test_sigmoid_hidden (3 points) bundles two checks: an overflowing sigmoid passes the values check
    and fails the extremes check, so the cell's value, nbgrader's partial credit, is half its points."""
    code = ("from autograder.hidden import run_in_kernel\nimport numpy as np\n"
            "print(repr(run_in_kernel('01_neuron', 'test_sigmoid_hidden', {'sigmoid': lambda z: 1 / (1 + np.exp(-z))}, points=3)))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "PASS  sigmoid matches the reference" in done.stdout and "FAIL  sigmoid gives exact 0 and 1" in done.stdout
    assert done.stdout.rstrip().endswith("1.5")
