"""The grader's side of a sandbox: the only code that talks to a student's process.

``Sandbox`` is one running process and its request/reply pipes; every wait
on it has a deadline. ``Session`` is one notebook's sandbox over its life:
given the student's files, restarted after the student's process dies, with
the cells that worked replayed, all within the submission's time
(``Deadline``). ``SandboxPool`` starts each worker's next sandbox while the
current one is in use (every submission still gets a process of its own,
which ran nobody's code before). ``SandboxStudent`` is how checks reach the
student's functions: plain data goes in, strictly parsed plain data comes
out, and Keras models are rebuilt by the grader from their description
(``checks.keras_build``).
"""
import atexit
import itertools
import json
import os
import time

import numpy as np

from autograder.checks import keras_build, training
from autograder.checks.errors import CheckFailure, StudentError
from autograder.checks.student import Student, describe_error, describe_mutation
from autograder.kernel.guard import TAMPER_EXIT, TAMPER_NOTE
from autograder.kernel.monitor import MONITOR_BROKEN
from autograder.results import CellRun
from autograder.sandbox import protocol
from autograder.sandbox.process import StudentProcess

START_SECONDS = 60  # the kernel's own start: Python, numpy and IPython imports, no student code


class SandboxDied(Exception):
    """The student's process ended, hung or misbehaved; ``reason`` says how, for the feedback."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot start on this host (bubblewrap missing or broken): a grader fault, never a grade."""


class Deadline:
    """The end of a submission's time (``submission_timeout``); every wait is cut to what is left."""

    def __init__(self, seconds):
        self.seconds, self.end = seconds, time.monotonic() + seconds

    @property
    def passed(self):
        return time.monotonic() >= self.end

    def left(self):
        return max(self.end - time.monotonic(), 0.0)

    def reason(self):
        return f"not run: the submission used up its {self.seconds:g} s time limit (submission_timeout)"


class Sandbox:
    """One running student process; ``request`` sends a message and returns the parsed reply."""

    def __init__(self, process, settings):
        self.process, self.settings = process, settings
        self.nonces = itertools.count(1)
        self.tampered = ""

    def launch(self):
        """Start the process; it boots (imports) on its own until ``ready`` is awaited."""
        req_r, self.req_w = os.pipe()
        self.rep_r, rep_w = os.pipe()
        os.set_blocking(self.req_w, False)
        try:
            self.process.start(req_r, rep_w)
        finally:
            os.close(req_r)
            os.close(rep_w)
        return self

    def ready(self, timeout):
        """Wait until the kernel says it is ready (no student code has run yet); SandboxUnavailable if not."""
        try:
            reply = protocol.read_reply(self.rep_r, time.monotonic() + timeout, 1 << 16, 0)
            if not isinstance(reply, dict) or reply.get("ready") is not True:
                raise protocol.ProtocolError("did not start")
        except (protocol.TimedOut, EOFError, protocol.ProtocolError) as err:
            why = self._death("starting Python") if not isinstance(err, protocol.TimedOut) else f"no answer in {timeout:g} s"
            output = self.process.output.decode(errors="replace")[-3000:]
            self.close()
            raise SandboxUnavailable(f"the sandbox did not start: {why}\n{output}") from None

    @property
    def alive(self):
        return self.process.alive and not self.tampered

    @property
    def output(self):
        return self.process.output

    def request(self, op, timeout, doing, **fields):
        """Send one request and return its reply (a dict); raise SandboxDied (the sandbox is closed then)."""
        nonce = next(self.nonces)
        deadline = time.monotonic() + timeout
        try:
            protocol.write_all(self.req_w, protocol.encode_request(nonce, op, **fields), deadline)
            reply = protocol.read_reply(self.rep_r, deadline, int(self.settings.max_reply_mb * (1 << 20)), nonce)
        except protocol.TimedOut:
            memory = " (the sandbox had also reached its memory limit)" if self.process.out_of_memory() else ""
            self.close()
            raise SandboxDied(f"timed out after {timeout:g} s while {doing}{memory}") from None
        except (EOFError, BrokenPipeError, OSError):
            raise SandboxDied(self._death(doing)) from None
        except protocol.ProtocolError as err:
            raise SandboxDied(self._forged(f"your process {err}", doing)) from None
        if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool) or reply.get("kind") == "protocol":
            raise SandboxDied(self._forged("your process sent a malformed reply", doing))
        return reply

    def _forged(self, what, doing):
        """Only code that tampers with the kernel's pipes or its main loop makes a reply no kernel sends."""
        self.close()
        self.tampered = f"{what} while {doing}"
        return f"the kernel stopped while {doing}: tampering with the grader detected ({self.tampered})"

    def _death(self, doing):
        code = self.process.exit_code(timeout=5)
        oom = self.process.out_of_memory()
        self.close()
        output = self.process.output
        if code == TAMPER_EXIT and TAMPER_NOTE in output:
            self.tampered = output.split(TAMPER_NOTE, 1)[1].split(b"\n", 1)[0].decode(errors="replace")[:200]
            return f"the kernel stopped while {doing}: tampering with the grader detected ({self.tampered})"
        if code == MONITOR_BROKEN:
            self.tampered = "the kernel's pipes to the grader were closed or corrupted"
            return f"the kernel stopped while {doing}: tampering with the grader detected ({self.tampered})"
        return f"the kernel died while {doing}: {describe_exit(code, self.settings.memory_mb, oom)}"

    def close(self):
        for name in ("req_w", "rep_r"):
            fd = getattr(self, name, None)
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
                setattr(self, name, None)
        self.process.kill()


def describe_exit(code, memory_mb, out_of_memory=False):
    """Why a student's process ended, in words."""
    import signal

    if out_of_memory:
        return f"the sandbox went over its {memory_mb} MB memory limit (memory_mb) and was killed"
    if code is None:
        return "it stopped answering"
    if code > 128 and code - 128 in signal.valid_signals():  # bubblewrap reports a signal as 128 + its number
        code = 128 - code
    if code < 0:
        name = signal.Signals(-code).name
        why = {"SIGSEGV": "a segmentation fault", "SIGKILL": f"killed (often: memory over the {memory_mb} MB limit)",
               "SIGXFSZ": "a file over the size limit", "SIGABRT": "an abort (often: out of memory)"}
        return f"{why.get(name, name)} ({name})"
    return f"it exited with status {code} (sys.exit, os._exit or a crash in your code)"


class SandboxPool:
    """A worker's sandboxes started ahead of need: ``take`` hands out a started one (booted, imports done,
    never given anyone's files) and starts the next at once, so its boot overlaps the grading of this one;
    with ``spares`` off (the run's last submission) it starts none. A sandbox started for other settings
    or imports is not used: it is closed and one is started cold."""

    def __init__(self):
        self.warm, self.key, self.spares = None, None, True
        atexit.register(self.close)

    def prepare(self, settings, slot, layout, run, preload):
        """Start a sandbox for these settings now unless one is waiting: its boot overlaps what comes next."""
        key = (settings, slot, layout, run, tuple(preload))
        if self.warm is None or self.key != key or not self.warm.process.alive:
            self.close()
            self.warm, self.key = _new_sandbox(*key), key

    def take(self, settings, slot, layout, run, preload):
        self.prepare(settings, slot, layout, run, preload)
        sandbox, self.warm = self.warm, _new_sandbox(*self.key) if self.spares else None
        return sandbox

    def close(self):
        if self.warm is not None:
            self.warm.close()
        self.warm = self.key = None


POOL = SandboxPool()  # this process's: a grading worker grades one submission after another


def _new_sandbox(settings, slot, layout, run, preload):
    return Sandbox(StudentProcess(settings, slot, layout, run, preload), settings).launch()


class Session:
    """The sandbox of one notebook: given the student's ``files`` ({relative path: bytes}), restarted and
    replayed after the student's process dies. Sandboxes come from ``pool`` when given."""

    def __init__(self, files, settings, slot, deadline, layout=None, run="run", preload=(), pool=None):
        self.files, self.settings, self.slot, self.deadline = files, settings, slot, deadline
        self.layout, self.run, self.preload, self.pool = layout, run, tuple(preload), pool
        self.sandbox, self.replay, self.models = None, [], {}
        self.tampered = ""

    def wait_limit(self):
        """Seconds one request may take: ``cell_timeout``, cut to the submission's time left."""
        if self.deadline.passed:
            raise SandboxDied(self.deadline.reason())
        return min(float(self.settings.cell_timeout), self.deadline.left())

    def ensure(self):
        """A live sandbox that has run every cell that worked so far."""
        if self.sandbox is not None and self.sandbox.alive:
            return self.sandbox
        if self.tampered:
            raise SandboxDied(f"not run: tampering with the grader was detected ({self.tampered})")
        if self.deadline.passed:
            raise SandboxDied(self.deadline.reason())
        key = (self.settings, self.slot, self.layout, self.run, self.preload)
        self.sandbox = self.pool.take(*key) if self.pool else _new_sandbox(*key)
        try:
            self.sandbox.ready(min(START_SECONDS, self.deadline.left()))
        except SandboxUnavailable:
            if self.deadline.passed:
                raise SandboxDied(self.deadline.reason()) from None
            raise
        if not self.request("files", "receiving your files", files=self.files)["ok"]:
            raise SandboxDied("your files could not be written into the sandbox (over its scratch_mb?)")
        for source in list(self.replay):
            try:
                reply = self.request("run_cell", "replaying your cells", code=source)
            except SandboxDied:
                self.replay.remove(source)  # a cell that breaks on replay is not tried again
                raise
            if not reply["ok"]:
                self.replay.remove(source)
        return self.sandbox

    def request(self, op, doing, **fields):
        try:
            return self.sandbox.request(op, self.wait_limit(), doing, **fields)
        except SandboxDied:
            self.tampered = self.tampered or self.sandbox.tampered
            raise

    def run_cell(self, label, role, source):
        start = time.perf_counter()
        try:
            self.ensure()
            reply = self.request("run_cell", f"running {label}", code=source)
        except SandboxDied as died:
            output = self.sandbox.output.decode(errors="replace")[-2000:] if self.sandbox else ""
            return CellRun(label, role, False, died.reason, output, time.perf_counter() - start, source)
        ok = reply["ok"]
        if ok:
            self.replay.append(source)
        limit = int(self.settings.max_output_kb * 1024)
        error, output = reply.get("error"), reply.get("output")
        return CellRun(label, role, ok, error[:2000] if isinstance(error, str) else "",
                       output[:limit] if isinstance(output, str) else "", time.perf_counter() - start, source)

    def close(self):
        if self.sandbox is not None:
            self.sandbox.close()


class SandboxStudent(Student):
    """The student's functions, called across the sandbox boundary of one ``Session``."""

    def __init__(self, session):
        self.session = session

    def call_warnings(self, name, *args, **kwargs):
        reply = self._ask("call", name, name=name, args=list(args), kwargs=kwargs)
        value = reply.get("value")
        warnings = protocol.field(reply, "warnings", list, "call")
        mutated = protocol.field(reply, "mutated", list, "call")
        if not all(isinstance(w, str) for w in warnings + mutated):
            raise StudentError(f"`{name}`: your process sent a malformed reply")
        if _contains(value, protocol.NOT_PLAIN):
            raise StudentError(f"`{name}` returned something that is not numbers, strings or containers of them")
        if mutated:
            raise CheckFailure(describe_mutation(name, mutated))
        return value, [f"RuntimeWarning: {w} encountered" for w in warnings]

    def keras_model(self, name, *args, seed=0, compiled=True, **kwargs):
        """The model the student's builder describes, built by the grader with weights from ``seed``. The
        builder runs once per session and arguments, so every check sees the same architecture."""
        key = json.dumps([name, _describe_args(args), _describe_args(kwargs)], sort_keys=True)
        if key not in self.session.models:
            reply = self._ask("model", name, name=name, args=list(args), kwargs=kwargs)
            config = protocol.field(reply, "config", str, "model")
            settings = reply.get("compile")
            if settings is not None and not isinstance(settings, str):
                raise StudentError(f"`{name}`: your process sent a malformed reply")
            self.session.models[key] = (config, settings)
        config, settings = self.session.models[key]
        return keras_build.build(config, settings, seed, f"`{name}`", compiled)

    def keras_fit(self, name, builder, *args, seed=0, **kwargs):
        model = self.keras_model(builder, seed=seed)
        training.check_trainable(model, args[0], 1, 32)  # the student's code trains it: bounded alike
        architecture, settings = keras_build.description(model)
        reply = self._ask("fit", name, name=name, config=architecture, compile=settings, seed=int(seed),
                          args=[model.get_weights(), *args], kwargs=kwargs)
        value = reply.get("value")
        if _contains(value, protocol.NOT_PLAIN):
            raise StudentError(f"`{name}` returned something that is not numbers, strings or containers of them")
        after = protocol.field(reply, "config", str, "fit")
        if _architecture(after) != _architecture(architecture):
            raise CheckFailure(f"`{name}` changed the model's layers; train the model it is given")
        weights = protocol.field(reply, "weights", list, "fit")
        expected = model.get_weights()
        if len(weights) != len(expected) or any(not isinstance(w, np.ndarray) or w.shape != e.shape
                                                for w, e in zip(weights, expected)):
            raise StudentError(f"`{name}`: the trained model's weights do not fit its layers")
        model.set_weights([w.astype(e.dtype) for w, e in zip(weights, expected)])
        return value, model

    def _ask(self, op, function, **fields):
        """The reply to one request about the student's ``function``; anything but success is a StudentError."""
        name = function
        session = self.session
        try:
            session.ensure()
            reply = session.request(op, f"calling `{name}`", **fields)
        except SandboxDied as died:
            raise StudentError(died.reason) from None
        if reply["ok"]:
            return reply
        kind, message = reply.get("kind"), reply.get("message")
        message = message[:500] if isinstance(message, str) else ""
        if kind == "missing":
            raise StudentError(f"`{name}` is not defined: run (or fix) the cell that defines it")
        if kind == "notplain":
            raise StudentError(f"`{name}` returned something that is not numbers: {message}")
        if kind == "notmodel":
            raise StudentError(f"`{name}` returned {message}; expected a keras.Model")
        if kind == "error":
            kind_name = reply.get("type")
            raise StudentError(describe_error(name, kind_name if isinstance(kind_name, str) else "Error", message))
        raise StudentError(f"`{name}`: your process sent a malformed reply")


def _contains(value, marker):
    if value is marker:
        return True
    if isinstance(value, (list, tuple)):
        return any(_contains(v, marker) for v in value)
    if isinstance(value, dict):
        return any(_contains(v, marker) for v in value.values())
    return False


def _describe_args(value):
    """A JSON-able key for builder arguments (numbers and shapes; arrays by shape and a digest)."""
    if isinstance(value, np.ndarray):
        return ["ndarray", list(value.shape), str(value.dtype), hash(value.tobytes())]
    if isinstance(value, dict):
        return {str(k): _describe_args(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_describe_args(v) for v in value]
    return value if isinstance(value, (int, float, str, bool)) or value is None else repr(value)


def _architecture(config_json):
    """The layers of an architecture, names left out (a rebuilt model's layers get new names)."""
    from autograder.checks.training_cache import without_names

    try:
        return json.dumps(without_names(json.loads(config_json)), sort_keys=True)
    except (ValueError, RecursionError):
        return None
