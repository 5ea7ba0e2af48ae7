"""How a check reaches the student's code: ``student.call("sigmoid", z)``.

``LocalStudent`` calls functions in the current process (stock nbgrader runs
hidden tests this way, inside the student's kernel). The grading engine
passes a ``SandboxStudent`` (``autograder.sandbox.client``) with the same
interface, whose calls cross into an isolated process. Either way a check
gets plain data back, or a CheckFailure whose message the student reads,
and Keras models are rebuilt by the grader from the student's description
(``keras_build``), so both graders train the same fresh model.
"""
import copy
import inspect
import sys

import numpy as np

from autograder.checks import keras_build
from autograder.checks.errors import CheckFailure, StudentError
from autograder.kernel.fixtures import Fixture
from autograder.kernel.plain import NotPlain, to_plain


class Student:
    """The student's functions, as seen by a check."""

    def call(self, name, *args, **kwargs):
        """Call the student's ``name`` and return its plain result, or raise CheckFailure."""
        return self.call_warnings(name, *args, **kwargs)[0]

    def call_warnings(self, name, *args, **kwargs):
        """Like ``call``, and also return the warnings the call raised, as strings."""
        raise NotImplementedError

    def keras_model(self, name, *args, seed=0, compiled=True, **kwargs):
        """Call a builder that returns a compiled Keras model and return that model.

        The model is rebuilt by the grader from the builder's description, with
        weights drawn from ``seed`` and a fresh optimizer (``keras_build``).
        ``compiled=False`` returns the architecture without the student's compile
        settings, for a check that trains it with a loss of its own (a student's
        hand-written loss cannot be loaded safely).
        """
        raise NotImplementedError

    def keras_fit(self, name, builder, *args, seed=0, **kwargs):
        """Build a model with the student's ``builder()``, call ``name(model, *args)`` (their training
        function) and return ``(plain result, the model afterwards)``; a History comes back as its
        ``history`` dict. Seeded like ``keras_model``."""
        raise NotImplementedError


def describe_error(name, error_type, message):
    """The student-facing sentence for an exception raised by their function."""
    if error_type == "NotImplementedError":
        return f"`{name}` is not implemented yet: replace `raise NotImplementedError()` with your code"
    return f"`{name}` raised {error_type}: {message}"


def describe_mutation(name, mutated):
    """The student-facing sentence for a function that changed its array arguments."""
    return (
        f"`{name}` changed its input{'s' if len(mutated) > 1 else ''} {', '.join(f'`{m}`' for m in mutated)} "
        "in place (even by one rounding step); work on a copy (e.g. `x = x.copy()`), or save an entry "
        "before changing it and assign the saved value back"
    )


class LocalStudent(Student):
    """Functions defined in a namespace of this process (e.g. the notebook's ``globals()``)."""

    def __init__(self, namespace):
        self.namespace = namespace

    def _function(self, name):
        fn = self.namespace.get(name)
        if not callable(fn):
            raise StudentError(f"`{name}` is not defined: run (or fix) the cell that defines it")
        return fn

    def call_warnings(self, name, *args, **kwargs):
        return self._call(name, args, kwargs, keep=())

    def keras_model(self, name, *args, seed=0, compiled=True, **kwargs):
        keras = _keras()
        model, _ = self._call(name, args, kwargs, keep=(keras.Model,))
        if not isinstance(model, keras.Model):
            raise StudentError(f"`{name}` returned {type(model).__name__}; expected a keras.Model")
        return keras_build.build(*keras_build.description(model), seed, f"`{name}`", compiled)

    def keras_fit(self, name, builder, *args, seed=0, **kwargs):
        from autograder.checks import training

        model = self.keras_model(builder, seed=seed)
        training.check_trainable(model, args[0], 1, 32)
        result, _ = self._call(name, (model, *args), kwargs, keep=(_keras().Model,), copy_args=False)
        return result, model

    def _call(self, name, args, kwargs, keep, copy_args=True):
        fn = self._function(name)
        try:
            result, mutated, raised = call_student(fn, args, kwargs, keep, copy_args)
        except NotPlain as err:
            raise StudentError(f"`{name}` returned something that is not numbers: {err}") from None
        except Exception as err:  # the student's code may raise anything; the student reads it
            raise StudentError(describe_error(name, type(err).__name__, err)) from None
        if mutated:
            raise CheckFailure(describe_mutation(name, mutated))
        return result, raised


def call_student(fn, args, kwargs, keep=(), copy_args=True):
    """Call ``fn`` on private copies of its arguments in this process: ``(plain result, names of array
    arguments changed in place, floating-point warnings raised)``.

    Exceptions raised by ``fn`` propagate; ``NotPlain`` is raised for a result
    that is not plain data. ``copy_args=False`` passes objects that cannot be
    copied (a Keras model to train) as they are.
    """
    if copy_args:
        args, kwargs = copy.deepcopy((tuple(args), dict(kwargs)))
    given = [_build(a) for a in args], {k: _build(v) for k, v in kwargs.items()}
    before = copy.deepcopy(given) if copy_args else given
    errors = []
    with np.errstate(over="call", divide="call", invalid="call", under="ignore", call=lambda kind, flag: errors.append(kind)):
        plain = to_plain(fn(*given[0], **given[1]), "the return value", keep)
    names = _parameter_names(fn, len(args))
    mutated = [names[i] for i, (a, b) in enumerate(zip(before[0], given[0])) if _changed(a, b)]
    mutated += [k for k in kwargs if _changed(before[1][k], given[1][k])]
    return plain, mutated, [f"RuntimeWarning: {kind} encountered" for kind in sorted(set(errors))]


def _build(value):
    return value.build() if isinstance(value, Fixture) else value


def _changed(before, after):
    if isinstance(before, np.ndarray):
        return not isinstance(after, np.ndarray) or before.shape != after.shape or before.tobytes() != after.tobytes()
    if isinstance(before, (list, tuple)) and isinstance(after, (list, tuple)):
        return len(before) != len(after) or any(_changed(a, b) for a, b in zip(before, after))
    if isinstance(before, dict) and isinstance(after, dict):
        return before.keys() != after.keys() or any(_changed(before[k], after[k]) for k in before)
    return False


def _parameter_names(fn, count):
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    return [names[i] if i < len(names) else f"argument {i + 1}" for i in range(count)]


def _keras():
    keras = sys.modules.get("keras")
    if keras is None:
        import keras
    return keras

