"""The check library hidden tests call.

Each check is a small named function that raises ``CheckFailure`` with a
precise, student-facing message (after scikit-learn's ``estimator_checks``);
gradient checking follows CS231n's ``gradient_check.py``.
"""
from autograder.checks.errors import CheckFailure
from autograder.checks.gradients import (
    check_gradient, check_layer_gradient, numerical_gradient, numerical_gradient_array, relative_error,
)
from autograder.checks.student import LocalStudent, Student
from autograder.checks.values import (
    as_array,
    check_close,
    check_dtype_kind,
    check_finite,
    check_scalar,
    check_shape,
    format_numbers,
)
from autograder.kernel.fixtures import Fixture

__all__ = [
    "CheckFailure", "Fixture", "LocalStudent", "Student", "as_array", "check_close",
    "check_dtype_kind", "check_finite", "check_gradient", "check_layer_gradient", "check_scalar", "check_shape",
    "format_numbers", "numerical_gradient", "numerical_gradient_array", "relative_error",
]
