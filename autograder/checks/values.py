"""Type, shape and value checks on plain arrays (see ``autograder.kernel.plain``).

Comparisons use ndarray operators and methods only, never module-level numpy
functions, so a student cell that replaces ``np.allclose`` or
``np.testing.assert_allclose`` cannot change a verdict even when a check runs
in the student's own kernel.
"""
from itertools import combinations

import numpy as np

from autograder.checks.errors import CheckFailure
from autograder.kernel.plain import NotPlain, to_array

_F64 = np.dtype(np.float64)


def as_array(value, what):
    """``value`` as a plain ndarray of real numbers, or a CheckFailure naming what came back.

    Complex results are refused even when their real part is right: a value check compares real numbers."""
    try:
        array = to_array(value, what)
    except NotPlain as err:
        raise CheckFailure(str(err)) from None
    if array.dtype.kind == "c":
        raise CheckFailure(f"{what}: expected real numbers, got the complex dtype {array.dtype}; "
                           "return a real (float or integer) array")
    return array


def check_shape(value, expected_shape, what):
    """Fail unless ``value`` is an array of exactly ``expected_shape``."""
    array = as_array(value, what)
    if array.shape != tuple(expected_shape):
        raise CheckFailure(f"{what}: expected shape {tuple(expected_shape)}, got {array.shape}")
    return array


def check_dtype_kind(value, kinds, what):
    """Fail unless the dtype kind of ``value`` is one of ``kinds`` ('f' float, 'i'/'u' int, 'b' bool)."""
    array = as_array(value, what)
    names = {"f": "floating", "i": "integer", "u": "integer", "b": "bool", "c": "complex"}
    if array.dtype.kind not in kinds:
        wanted = " or ".join(sorted({names[k] for k in kinds}))
        raise CheckFailure(f"{what}: expected {'an' if wanted[0] in 'aeiou' else 'a'} {wanted} dtype, got {array.dtype}")
    return array


def check_scalar(value, what):
    """Fail unless ``value`` is one number (a float, or an array of size 1)."""
    array = as_array(value, what)
    if array.size != 1:
        raise CheckFailure(f"{what}: expected a single number, got an array of shape {array.shape}")
    return array.reshape(())


def mismatch(received, expected, rtol, atol):
    """Flat boolean mask of entries where ``received`` is not close to ``expected`` (NaN matches NaN, inf matches inf)."""
    r = received.astype(_F64).reshape(-1)
    e = expected.astype(_F64).reshape(-1)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = (r - e).__abs__()
        close = (r == e) | (diff <= atol + rtol * e.__abs__()) | ((r != r) & (e != e))
    return ~close


def check_close(value, expected, what, rtol=1e-6, atol=1e-9, inputs=""):
    """Fail unless ``value`` has ``expected``'s shape and values, naming the worst entry.

    ``inputs`` describes what the function was called with (shown in the message).
    """
    expected = np.asarray(expected)
    received = check_shape(value, expected.shape, what)
    bad = mismatch(received, expected, rtol, atol)
    if not bad.any():
        return received
    r, e = received.astype(_F64).reshape(-1), expected.astype(_F64).reshape(-1)
    with np.errstate(invalid="ignore"):
        error = (r - e).__abs__()
    error[error != error] = np.inf
    error[~bad] = -1.0
    flat = int(error.argmax())
    worst = tuple(int(i) for i in np.unravel_index(flat, expected.shape)) if expected.ndim else ()
    on = f" on {inputs}" if inputs else ""
    want, got = format_numbers(e[flat], r[flat])
    if bad.size == 1:
        raise CheckFailure(f"{what}: wrong value{on}: expected {want}, got {got}")
    raise CheckFailure(
        f"{what}: wrong values{on}: {int(bad.sum())} of {bad.size} entries differ; "
        f"worst at index {worst}: expected {want}, got {got}"
    )


def check_finite(value, what):
    """Fail if ``value`` holds NaN or infinity."""
    array = as_array(value, what)
    flat = array.astype(_F64).reshape(-1)
    with np.errstate(invalid="ignore"):
        bad = (flat != flat) | (flat.__abs__() == np.inf)
    if bad.any():
        first = int(bad.argmax())
        index = tuple(int(i) for i in np.unravel_index(first, array.shape)) if array.ndim else ()
        raise CheckFailure(f"{what}: contains {format_numbers(flat[first])[0]} at index {index}; expected finite numbers")
    return array


def format_numbers(*values, digits=8):
    """``values`` as text with ``digits`` significant digits, or more where two different values would
    print the same (up to 17, which tells any two floats apart), so no message says "expected 0, got 0"
    of 0 and 7e-218. Very small and very large magnitudes print in scientific notation, NaN and
    infinities by name."""
    values = [float(v) for v in values]
    shortest = [_round_trip_digits(v) for v in values]
    for precision in range(digits, 18):
        texts = [f"{v:.{min(precision, q)}g}" for v, q in zip(values, shortest)]
        if all(_same(a, b) for (a, ta), (b, tb) in combinations(zip(values, texts), 2) if ta == tb):
            break
    return texts


def _round_trip_digits(x):
    """The fewest significant digits that print ``x`` so that it reads back as ``x`` (17 always do)."""
    return next((q for q in range(1, 17) if x != x or float(f"{x:.{q}g}") == x), 17)


def _same(a, b):
    """Whether two floats are the same number (NaN is the same as NaN)."""
    return a == b or (a != a and b != b)
