"""Call one student function on private copies of its arguments.

Shared by the sandbox runner and by in-kernel grading, so both report the
same result, the same mutated arguments and the same errors.
"""
import copy
import inspect
import warnings

import numpy as np

from .fixtures import Fixture
from .plain import to_plain


def call_student(fn, args, kwargs, keep=(), copy_args=True):
    """Return ``(plain result, names of array arguments changed in place, warnings raised)``.

    Exceptions raised by ``fn`` propagate; ``plain.NotPlain`` is raised for a
    result that is not plain data. ``copy_args=False`` passes objects that
    cannot be copied (a Keras model to train) as they are.
    """
    if copy_args:
        args, kwargs = copy.deepcopy((tuple(args), dict(kwargs)))
    given = [_build(a) for a in args], {k: _build(v) for k, v in kwargs.items()}
    before = copy.deepcopy(given) if copy_args else given
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="warn", divide="warn", invalid="warn"):
            result = fn(*given[0], **given[1])
            plain = to_plain(result, "the return value", keep)
    raised = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    names = _parameter_names(fn, len(args))
    mutated = [names[i] for i, (a, b) in enumerate(zip(before[0], given[0])) if _changed(a, b)]
    mutated += [k for k in kwargs if _changed(before[1][k], given[1][k])]
    return plain, mutated, raised


def _build(value):
    return value.build() if isinstance(value, Fixture) else value


def _changed(before, after):
    if isinstance(before, np.ndarray):
        return not isinstance(after, np.ndarray) or before.shape != after.shape or before.tobytes() != after.tobytes()
    if isinstance(before, (list, tuple)) and isinstance(after, (list, tuple)):
        return len(before) != len(after) or any(_changed(a, b) for a, b in zip(before, after))
    return False


def _parameter_names(fn, count):
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    return [names[i] if i < len(names) else f"argument {i + 1}" for i in range(count)]
