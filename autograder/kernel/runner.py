"""The sandboxed kernel: runs a student's cells and calls their functions on request.

Started by the grading engine as ``python -m gradekernel.runner`` inside the
sandbox, with the request and reply pipe descriptors in ``GRADEKERNEL_FDS``.
Requests: ``run_cell`` (execute code with IPython, report success and the
captured output), ``call`` (call a student function, see ``calls``),
``model`` (call a Keras builder, save the model as a ``.keras`` file) and
``fit`` (build a model, pass it to the student's training function).
"""
import io
import os
import sys

from . import wire
from .calls import call_student
from .plain import NotPlain

MAX_OUTPUT = 20_000


class CappedText(io.TextIOBase):
    """A text sink that keeps the first MAX_OUTPUT characters and counts the rest."""

    def __init__(self):
        self.parts, self.size, self.dropped = [], 0, 0

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        room = MAX_OUTPUT - self.size
        self.parts.append(text[:room])
        self.size += min(len(text), max(room, 0))
        self.dropped += max(len(text) - max(room, 0), 0)
        return len(text)

    def getvalue(self):
        tail = f"\n... [{self.dropped} more characters of output cut]" if self.dropped else ""
        return "".join(self.parts) + tail


class Kernel:
    """One student's namespace and the requests that act on it."""

    def __init__(self):
        from IPython.core.interactiveshell import InteractiveShell

        self.shell = InteractiveShell.instance()
        self.models = 0

    def run_cell(self, code):
        out = CappedText()
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = out
        try:
            result = self.shell.run_cell(code, store_history=False, silent=False)
        finally:
            sys.stdout, sys.stderr = saved
        error = result.error_before_exec or result.error_in_exec
        return {"ok": error is None, "error": _describe(error), "output": out.getvalue()}

    def call(self, name, args, kwargs):
        fn = self.shell.user_ns.get(name)
        if not callable(fn):
            return {"ok": False, "kind": "missing"}
        try:
            value, mutated, raised = call_student(fn, args, kwargs)
        except NotPlain as err:
            return {"ok": False, "kind": "notplain", "message": str(err)}
        except BaseException as err:  # noqa: BLE001 - report anything the student's code raised
            return _raised(err)
        return {"ok": True, "value": value, "mutated": mutated, "warnings": raised}

    def model(self, name, args, kwargs, seed):
        model, error = self._build(name, args, kwargs, seed)
        return error or {"ok": True, "value": self._save(model)}

    def fit(self, name, builder, args, kwargs, seed):
        model, error = self._build(builder, [], {}, seed)
        if error:
            return error | {"stage": builder}
        fn = self.shell.user_ns.get(name)
        if not callable(fn):
            return {"ok": False, "kind": "missing"}
        try:
            value, _, raised = call_student(fn, (model, *args), kwargs, copy_args=False)
        except NotPlain as err:
            return {"ok": False, "kind": "notplain", "message": str(err)}
        except BaseException as err:  # noqa: BLE001
            return _raised(err)
        return {"ok": True, "value": value, "model": self._save(model), "warnings": raised}

    def _build(self, name, args, kwargs, seed):
        """``(model, None)`` from the student's builder, or ``(None, error reply)``."""
        import keras

        keras.utils.set_random_seed(int(seed))
        fn = self.shell.user_ns.get(name)
        if not callable(fn):
            return None, {"ok": False, "kind": "missing"}
        try:
            model, _, _ = call_student(fn, args, kwargs, keep=(keras.Model,))
        except BaseException as err:  # noqa: BLE001
            return None, _raised(err)
        if not isinstance(model, keras.Model):
            return None, {"ok": False, "kind": "notmodel", "message": type(model).__name__}
        return model, None

    def _save(self, model):
        self.models += 1
        path = f"model-{self.models}.keras"
        model.save(path)
        return {"$model": path}


def _raised(err):
    return {"ok": False, "kind": "error", "type": type(err).__name__, "message": str(err)[:2000]}


def _describe(error):
    if error is None:
        return None
    return f"{type(error).__name__}: {error}"[:2000]


def serve(requests, replies):
    """Answer requests until the grader closes the pipe."""
    kernel = Kernel()
    handlers = {
        "run_cell": lambda r: kernel.run_cell(r["code"]),
        "call": lambda r: kernel.call(r["name"], r["args"], r["kwargs"]),
        "model": lambda r: kernel.model(r["name"], r["args"], r["kwargs"], r["seed"]),
        "fit": lambda r: kernel.fit(r["name"], r["builder"], r["args"], r["kwargs"], r["seed"]),
    }
    kernel_pid = os.getpid()
    wire.send(replies, {"ok": True, "ready": True})
    while True:
        try:
            request = wire.receive(requests)
        except wire.WireError:
            return
        reply = handlers[request["op"]](request)
        if os.getpid() != kernel_pid:  # a process the student forked must never answer the grader
            os._exit(0)
        try:
            wire.send(replies, reply)
        except TypeError as err:  # the student's value could not be sent
            wire.send(replies, {"ok": False, "kind": "notplain", "message": str(err)})


if __name__ == "__main__":
    fd_in, fd_out = (int(x) for x in os.environ["GRADEKERNEL_FDS"].split(","))
    serve(fd_in, fd_out)
