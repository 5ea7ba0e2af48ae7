"""What the sandbox's main thread does: run the student's cells and call their functions.

This is the student's side of the sandbox. Everything here runs among the
student's own code and may be changed by it, so nothing here decides a
verdict: the monitor thread (``monitor``) takes the plain results, checks
the arguments for changes itself, and answers the grader. A job is a tuple
``(op, payload, slot, done)``: the result goes into ``slot`` and ``done``
is released.
"""
import io
import json
import os
import sys

from numpy._core.umath import _extobj_contextvar, _make_extobj

from .fixtures import FACTORIES
from .plain import NotPlain, to_plain

FIXTURE_TAG = "\0fixture"

MAX_OUTPUT = 20_000
MAX_MESSAGE = 2_000


class CappedText(io.TextIOBase):
    """A text sink that keeps the first MAX_OUTPUT characters and counts the rest."""

    def __init__(self):
        self.parts, self.size, self.dropped = [], 0, 0

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        room = max(MAX_OUTPUT - self.size, 0)
        self.parts.append(text[:room])
        self.size += min(len(text), room)
        self.dropped += max(len(text) - room, 0)
        return len(text)

    def getvalue(self):
        tail = f"\n... [{self.dropped} more characters of output cut]" if self.dropped else ""
        return "".join(self.parts) + tail


class Student:
    """The student's namespace (an IPython shell) and the operations on it."""

    def __init__(self, shell):
        self.shell = shell

    def files(self, files):
        """Write the submission's files (``{relative path: bytes}``) into the home folder, before any of its code runs."""
        home = os.getcwd()
        for name, data in files.items():
            parts = [p for p in name.split("/") if p]
            if name.startswith("/") or ".." in parts or not parts:
                continue
            folder = os.path.join(home, *parts[:-1])
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, parts[-1]), "wb") as handle:
                handle.write(data)
        return ("ok",)

    def run_cell(self, code):
        out = CappedText()
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = out
        try:
            result = self.shell.run_cell(code, store_history=False, silent=False)
        finally:
            sys.stdout, sys.stderr = saved
        error = result.error_before_exec or result.error_in_exec
        return ("ok" if error is None else "failed", _describe(error), out.getvalue())

    def call(self, name, args, kwargs):
        """``("ok", plain value, floating-point errors, parameter names)`` or an error tuple."""
        fn = self._function(name)
        if fn is None:
            return ("missing",)
        args, kwargs = [_build(a) for a in args], {k: _build(v) for k, v in kwargs.items()}
        errors = []
        token = _extobj_contextvar.set(_make_extobj(over="call", divide="call", invalid="call", under="ignore",
                                                    call=lambda kind, flag: errors.append(kind)))
        try:
            value = to_plain(fn(*args, **kwargs), "the return value")
        except NotPlain as err:
            return ("notplain", str(err)[:MAX_MESSAGE])
        except BaseException as err:  # noqa: BLE001 - whatever the student's code raised is reported
            return _raised(err)
        finally:
            _extobj_contextvar.reset(token)
        return ("ok", value, sorted(set(errors)), _parameter_names(fn, len(args)))

    def model(self, name, args, kwargs):
        """``("ok", architecture JSON, compile settings JSON or None)`` of the model a builder returns."""
        import keras

        fn = self._function(name)
        if fn is None:
            return ("missing",)
        try:
            model = fn(*[_build(a) for a in args], **{k: _build(v) for k, v in kwargs.items()})
            if not isinstance(model, keras.Model):
                return ("notmodel", type(model).__name__[:100])
            return ("ok", model.to_json(), _compile_json(model))
        except BaseException as err:  # noqa: BLE001
            return _raised(err)

    def fit(self, name, config, compile_config, seed, weights, args, kwargs):
        """Rebuild the grader's model, pass it to the student's training function ``name`` (seeded), and
        return ``("ok", plain value, architecture JSON afterwards, weights afterwards)``."""
        import keras

        fn = self._function(name)
        if fn is None:
            return ("missing",)
        try:
            keras.utils.set_random_seed(seed)
            model = keras.models.model_from_json(config)
            model.set_weights(weights)
            if compile_config is not None:
                model.compile_from_config(json.loads(compile_config))
            value = to_plain(fn(model, *args, **kwargs), "the return value")
            return ("ok", value, model.to_json(), to_plain([w for w in model.get_weights()], "the weights"))
        except NotPlain as err:
            return ("notplain", str(err)[:MAX_MESSAGE])
        except BaseException as err:  # noqa: BLE001
            return _raised(err)

    def _function(self, name):
        fn = self.shell.user_ns.get(name)
        return fn if callable(fn) else None


def main_loop(student, inbox):
    """Run the jobs the monitor thread sends, one at a time, forever."""
    ops = {"files": student.files, "run_cell": student.run_cell, "call": student.call, "model": student.model,
           "fit": student.fit}
    while True:
        op, payload, slot, done = inbox.get()
        try:
            slot.append(ops[op](*payload))
        except BaseException as err:  # noqa: BLE001 - e.g. a KeyboardInterrupt the student raised
            slot.append(_raised(err))
        done.release()


def _build(value):
    """An argument as the function gets it: a fixture ``(FIXTURE_TAG, name, params)`` is built here."""
    if type(value) is tuple and len(value) == 3 and type(value[0]) is str and value[0] == FIXTURE_TAG:
        return FACTORIES[value[1]](**value[2])
    return value


def _compile_json(model):
    config = model.get_compile_config() if getattr(model, "compiled", False) else None
    return None if config is None else json.dumps(config, default=lambda o: f"<{type(o).__name__}>")


def _parameter_names(fn, count):
    import inspect

    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    return [str(names[i]) if i < len(names) else f"argument {i + 1}" for i in range(count)]


def _raised(err):
    try:
        message = str(err)
    except BaseException:  # noqa: BLE001 - a message that cannot be shown is still an error
        message = "(the exception's message could not be shown)"
    return ("error", type(err).__name__[:100], message[:MAX_MESSAGE])


def _describe(error):
    if error is None:
        return ""
    return f"{type(error).__name__}: {error}"[:MAX_MESSAGE]
