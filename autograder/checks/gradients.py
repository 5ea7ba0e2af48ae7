"""Numerical gradients and relative errors, after CS231n's ``gradient_check.py``.

Always float64 and central differences with h = 1e-5: float32 fails correct
code and a larger h trips over ReLU kinks (see GRADING_NOTES.md).
"""
import numpy as np

from autograder.checks.errors import CheckFailure
from autograder.checks.values import format_numbers


def numerical_gradient(f, x, h=1e-5, indices=None):
    """Central-difference gradient of scalar ``f`` at float64 ``x``; only at ``indices`` if given (others 0)."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in (indices if indices is not None else np.ndindex(*x.shape)):
        old = x[index]
        x[index] = old + h
        plus = float(f(x))
        x[index] = old - h
        minus = float(f(x))
        x[index] = old
        grad[index] = (plus - minus) / (2 * h)
    return grad


def numerical_gradient_array(f, x, dout, h=1e-5, indices=None):
    """Gradient of sum(f(x) * dout) for an array-valued ``f``, by central differences (CS231n's
    ``eval_numerical_gradient_array``): what a layer's backward pass returns for the upstream ``dout``."""
    return numerical_gradient(weighted_sum(f, dout), x, h, indices)


def weighted_sum(f, dout):
    """The scalar function v -> sum(f(v) * dout), summed at once (safe for an ``f`` that returns a view)."""
    dout = np.asarray(dout, dtype=np.float64)
    return lambda v: float(np.sum(np.asarray(f(v), dtype=np.float64) * dout))


def relative_error(a, b):
    """max(|a - b| / max(1e-8, |a| + |b|)), elementwise: the CS231n measure."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))) if a.size else 0.0


def sample_indices(shape, rng, count=20):
    """All indices of a small tensor, or ``count`` seeded distinct ones of a large one."""
    size = int(np.prod(shape))
    flat = np.arange(size) if size <= count else rng.choice(size, size=count, replace=False)
    return [tuple(int(i) for i in np.unravel_index(k, shape)) for k in flat]


def check_gradient(analytic, f, x, what, rng, tol=1e-6, h=1e-5, count=20):
    """Fail unless ``analytic`` matches the numerical gradient of ``f`` at ``x``.

    Pass/fail by the norm ratio ||a - n|| / (||a|| + ||n||) over a seeded sample
    of entries (both zero passes); the message names the worst entry by the
    elementwise relative error with both values.
    """
    analytic = np.asarray(analytic, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    if analytic.shape != x.shape:
        raise CheckFailure(f"{what}: gradient has shape {analytic.shape}, the parameter has shape {x.shape}")
    indices = sample_indices(x.shape, rng, count)
    numeric = numerical_gradient(f, x, h, indices)
    a = np.array([analytic[i] for i in indices])
    n = np.array([numeric[i] for i in indices])
    scale = np.linalg.norm(a) + np.linalg.norm(n)
    ratio = 0.0 if scale == 0 else float(np.linalg.norm(a - n) / scale)
    if ratio <= tol:
        return ratio
    errors = np.abs(a - n) / np.maximum(1e-8, np.abs(a) + np.abs(n))
    worst = int(np.argmax(errors))
    ratio_text, tol_text = format_numbers(ratio, tol, digits=2)
    analytic_text, numeric_text = format_numbers(a[worst], n[worst])
    raise CheckFailure(
        f"{what}: gradient does not match central differences (relative error {ratio_text} > {tol_text}); "
        f"worst at index {indices[worst]}: analytic {analytic_text}, numerical {numeric_text}"
    )


def check_layer_gradient(analytic, f, x, dout, what, rng, tol=1e-6, h=1e-5, count=20):
    """``check_gradient`` for an array-valued ``f`` (a layer's forward pass) and an upstream gradient ``dout``.

    Use a random ``dout``, as CS231n does: with ``dout`` all ones a transposed
    or summed-up gradient can still look right.
    """
    return check_gradient(analytic, weighted_sum(f, dout), x, what, rng, tol, h, count)
