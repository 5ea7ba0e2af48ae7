"""Points per check: a cell's points are split over its checks, and a result says why each check ended."""
import numpy as np

from autograder.checks.errors import CheckFailure
from autograder.checks.student import LocalStudent
from autograder.hidden import run_check
from autograder.results import (
    FAILED, GRADER_ERROR, PASSED, STUDENT_ERROR, ItemResult, SubmissionResult, NotebookResult, point_shares, weight,
)


def check_one(student, rng):
    """passes"""
    return {"score": 0.9}


@weight(2)
def check_two(student, rng):
    """fails"""
    raise CheckFailure("wrong", details={"score": 0.1})


def check_three(student, rng):
    """calls a function that raises"""
    student.call("boom")


def check_four(student, rng):
    """has a bug of its own"""
    return 1 / 0


def test_shares_follow_the_weights_and_add_up_exactly():
    assert point_shares([check_one, check_two], 3) == [1.0, 2.0]
    shares = point_shares([check_one, check_three, check_four], 4)
    assert sum(shares) == 4 and all(abs(s - 4 / 3) < 1e-12 for s in shares)
    assert point_shares([], 2) == []


def test_each_status_and_the_partial_score():
    student = LocalStudent({"boom": lambda: np.zeros(1) / 0 + int("x")})
    results = [run_check(c, student, "01_neuron", "cell", 2026, p)
               for c, p in zip([check_one, check_two, check_three, check_four], [1, 2, 1, 1])]
    assert [r.status for r in results] == [PASSED, FAILED, STUDENT_ERROR, GRADER_ERROR]
    assert results[0].details == {"score": 0.9} and results[1].details == {"score": 0.1}
    assert "ValueError" in results[2].message and "ZeroDivisionError" in results[3].message
    item = ItemResult("cell", 5, 0, results)
    item.settle()
    assert item.score == 1
    submission = SubmissionResult("01_neuron", "s", [NotebookResult("n.ipynb", [item])])
    assert submission.flagged and submission.grader_errors == [results[3]]
    again = SubmissionResult.from_json(submission.to_json())
    assert again.score == 1 and again.notebooks[0].items[0].checks[1].details == {"score": 0.1}


def test_all_passed_is_exactly_the_cells_points():
    results = [run_check(check_one, None, "01_neuron", "cell", 1, 10 / 3) for _ in range(3)]
    item = ItemResult("cell", 10, 0, results)
    item.settle()
    assert item.score == 10
