"""The isolated process a student's code runs in, and the Student that reaches it.

With bubblewrap the student's process sees a read-only system, the Python
environment, the public ``assignments`` package and the kernel code, and a
scratch copy of its own submission as home: not the course folder, the
gradebook, the hidden checks, or other students' files. It has no network,
its own PID namespace, and when the engine runs as root it runs as a
per-worker uid from a block leased for the run (``uids.py``), so the
process limit holds. Memory (address space), process count, file size and
open files are capped with rlimits; time is capped by the engine, which
kills the whole sandbox.
"""
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

from autograder.checks.errors import CheckFailure, StudentError
from autograder.checks.student import Student, describe_error, describe_mutation
from autograder.engine import devices
from autograder.kernel import wire

KERNEL_DIR = Path(__file__).resolve().parent.parent / "kernel"
ASSIGNMENTS_DIR = Path(__file__).resolve().parents[2] / "assignments"


class SandboxDied(Exception):
    """The student's process ended or hung; ``reason`` says how, for the feedback."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot start on this host (bubblewrap missing or broken): a grader fault, never a grade."""


def bwrap_usable():
    """True when ``bwrap`` exists and can create a sandbox here."""
    if not shutil.which("bwrap"):
        return False
    probe = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "true"],
                           capture_output=True)
    return probe.returncode == 0


class Sandbox:
    """One running student process; ``request`` sends a message and waits for the reply."""

    def __init__(self, scratch, settings, slot=0, env=None):
        self.scratch, self.settings, self.slot = Path(scratch), settings, slot
        self.extra_env = env or {}
        self.process = None
        self.output = b""

    # -- lifecycle -----------------------------------------------------------------------
    def start(self):
        req_r, self.req_w = os.pipe()
        self.rep_r, rep_w = os.pipe()
        env = self._environment(req_r, rep_w)
        self.process = subprocess.Popen(
            self._command(), cwd=self.scratch, env=env, pass_fds=(req_r, rep_w),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=self._limit,
        )
        os.close(req_r)
        os.close(rep_w)
        self._drain = threading.Thread(target=self._drain_output, daemon=True)
        self._drain.start()
        try:
            self._expect_reply(self.settings.cell_timeout + 60, "starting Python")
        except SandboxDied as died:  # no student code has run yet: the grader's set-up is at fault
            raise SandboxUnavailable(f"{died.reason}\n{self.output.decode(errors='replace')[-3000:]}") from None

    def close(self):
        if self.process is None:
            return
        for fd in (self.req_w, self.rep_r):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        self.process = None

    @property
    def alive(self):
        return self.process is not None and self.process.poll() is None

    # -- requests ------------------------------------------------------------------------
    def request(self, message, timeout, doing):
        """Send ``message``; return the reply, or raise SandboxDied (the sandbox is closed then)."""
        try:
            wire.send(self.req_w, message)
        except (BrokenPipeError, OSError):
            raise self._died(doing) from None
        return self._expect_reply(timeout, doing)

    def _expect_reply(self, timeout, doing):
        deadline = time.monotonic() + timeout
        try:
            reply = wire.receive(self.rep_r, lambda fd, n: _read_before(fd, n, deadline))
        except TimeoutError:
            self.close()
            raise SandboxDied(f"timed out after {timeout:g} s while {doing} (limit: cell_timeout)") from None
        except wire.WireError:
            raise self._died(doing) from None
        if not isinstance(reply, dict):
            self.close()
            raise SandboxDied(f"sent a malformed reply while {doing}")
        return reply

    def _died(self, doing):
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self.close()
        self._drain.join(timeout=5)
        return SandboxDied(f"the kernel died while {doing}: {describe_exit(code, self.settings.memory_mb)}")

    # -- process set-up ------------------------------------------------------------------
    def _environment(self, req_r, rep_w):
        env = {
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "HOME": str(self.home), "PYTHONPATH": f"{self.kernel_root}:{self.course_root}",
            "GRADEKERNEL_FDS": f"{req_r},{rep_w}", "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0",
            "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_HOME": f"{self.home}/.keras",
            "CUDA_VISIBLE_DEVICES": "", "JAX_PLATFORMS": "cpu",  # no GPU for the student (a CUDA JAX needs both)
            "OMP_NUM_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1",
            "LANG": "C.UTF-8", "KERAS_BACKEND": devices.keras_backend(self.settings.keras_backend),
        }
        env.update(self.extra_env)
        return env

    @property
    def isolated(self):
        return self.settings.sandbox != "none"

    @property
    def home(self):
        return "/home/student" if self.isolated else str(self.scratch)

    @property
    def kernel_root(self):
        return "/opt/grader" if self.isolated else str(self.scratch / ".grader")

    @property
    def course_root(self):
        return "/opt/course" if self.isolated else str(self.scratch / ".course")

    def _command(self):
        python = [sys.executable, "-m", "gradekernel.runner"]
        if not self.isolated:
            _copy_public_code(self.scratch)
            return python
        args = ["bwrap", "--die-with-parent", "--unshare-pid", "--unshare-net", "--unshare-ipc",
                "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox",
                "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev"]  # first: the binds below may lie under /tmp
        for top in ("/usr", "/etc"):
            args += ["--ro-bind", top, top]
        for top in ("/bin", "/sbin", "/lib", "/lib64", "/lib32"):
            if os.path.islink(top):
                args += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                args += ["--ro-bind", top, top]
        prefixes = {sys.base_prefix, sys.prefix, os.path.realpath(sys.base_prefix)}
        mounts = [(p, p) for p in sorted(prefixes | _site_dirs_outside(prefixes | {"/usr", "/etc"}))]
        mounts += [(str(KERNEL_DIR), "/opt/grader/gradekernel"), (str(ASSIGNMENTS_DIR), "/opt/course/assignments")]
        args += _parent_dirs([dest for _, dest in mounts] + ["/home/student"])
        for source, dest in mounts:
            args += ["--ro-bind", source, dest]
        args += ["--bind", str(self.scratch), "/home/student", "--chdir", "/home/student"]
        if os.geteuid() == 0:
            uid = str(self.settings.sandbox_uid_base + self.slot)
            os.chown(self.scratch, int(uid), int(uid))
            for path in self.scratch.rglob("*"):
                os.lchown(path, int(uid), int(uid))
            args += ["--", "setpriv", f"--reuid={uid}", f"--regid={uid}", "--inh-caps=-all", "--bounding-set=-all",
                     "--clear-groups", "--no-new-privs", "--"]
        else:
            args += ["--unshare-user", "--"]
        return args + python

    def _limit(self):
        """rlimits for the sandbox, applied in the child before exec (inherited by all it starts)."""
        memory = self.settings.memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_FSIZE, (512 << 20, 512 << 20))
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        processes = self.settings.max_processes
        if os.geteuid() != 0:
            processes += _processes_of(os.getuid())
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))

    def _drain_output(self):
        """Keep the first 64 KiB the student's process writes to its stdout/stderr; discard the rest."""
        stream, kept = self.process.stdout, []
        size = 0
        for chunk in iter(lambda: stream.read(65536), b""):
            if size < 65536:
                kept.append(chunk[: 65536 - size])
                size += len(kept[-1])
        self.output = b"".join(kept)


def _site_dirs_outside(mounted):
    """Site directories on the grader's import path outside every folder in ``mounted``: a virtual
    environment layered over another Python's packages by a .pth file (the GPU kit's, over the
    machine's JAX and torch) imports from them, and the student's process must import the same."""
    return {p for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages") and os.path.isdir(p)
            and not any(Path(p).is_relative_to(top) for top in mounted)}


def _parent_dirs(destinations):
    """bwrap arguments creating every parent of ``destinations`` world-readable (bwrap's default is 0700)."""
    parents = sorted({str(p) for d in destinations for p in Path(d).parents if str(p) != "/"}, key=len)
    return [arg for p in parents for arg in ("--perms", "0755", "--dir", p)]


def _processes_of(uid):
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                count += os.stat(f"/proc/{entry}").st_uid == uid
            except OSError:
                pass
    return count


def _copy_public_code(scratch):
    """Without bubblewrap the student's process imports copies of the public packages from scratch."""
    shutil.copytree(KERNEL_DIR, scratch / ".grader" / "gradekernel", dirs_exist_ok=True)
    shutil.copytree(ASSIGNMENTS_DIR, scratch / ".course" / "assignments", dirs_exist_ok=True)


def _read_before(fd, size, deadline):
    chunks, left = [], size
    while left:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise TimeoutError
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise wire.WireError("hung up")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def describe_exit(code, memory_mb):
    """Why a student's process ended, in words."""
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


class SandboxStudent(Student):
    """The student's functions, called across the sandbox boundary."""

    def __init__(self, sandbox, settings, models_dir):
        self.sandbox, self.settings, self.models_dir = sandbox, settings, Path(models_dir)

    def call_warnings(self, name, *args, **kwargs):
        reply = self._ask({"op": "call", "name": name, "args": list(args), "kwargs": kwargs}, name)
        if reply["mutated"]:
            raise CheckFailure(describe_mutation(name, reply["mutated"]))
        return reply["value"], reply["warnings"]

    def keras_model(self, name, *args, seed=0, compiled=True, **kwargs):
        reply = self._ask({"op": "model", "name": name, "args": list(args), "kwargs": kwargs, "seed": seed}, name)
        return self._load_model(name, reply["value"], compiled)

    def keras_fit(self, name, builder, *args, seed=0, **kwargs):
        request = {"op": "fit", "name": name, "builder": builder, "args": list(args), "kwargs": kwargs, "seed": seed}
        reply = self._ask(request, name)
        return reply["value"], self._load_model(builder, reply["model"])

    def _ask(self, request, name):
        if not self.sandbox.alive:
            raise StudentError(f"`{name}` could not be called: the kernel is not running")
        try:
            reply = self.sandbox.request(request, self.settings.cell_timeout, f"calling `{name}`")
        except SandboxDied as died:
            raise StudentError(died.reason) from None
        if reply.get("ok"):
            return reply
        failed = reply.get("stage", name)
        kind = reply.get("kind")
        if kind == "missing":
            raise StudentError(f"`{failed}` is not defined: run (or fix) the cell that defines it")
        if kind == "notplain":
            raise StudentError(f"`{failed}` returned something that is not numbers: {reply.get('message')}")
        if kind == "notmodel":
            raise StudentError(f"`{failed}` returned {reply.get('message')}; expected a keras.Model")
        raise StudentError(describe_error(failed, reply.get("type", "Error"), reply.get("message", "")))

    def _load_model(self, name, ref, compiled=True):
        import keras

        if not isinstance(ref, dict) or not isinstance(ref.get("$model"), str):
            raise StudentError(f"`{name}` did not return a model")
        path = (self.sandbox.scratch / ref["$model"]).resolve()
        if path.parent != self.sandbox.scratch.resolve() or path.is_symlink() or not path.is_file():
            raise StudentError(f"`{name}`: the saved model could not be read back")
        local = self.models_dir / path.name
        self.models_dir.mkdir(parents=True, exist_ok=True)
        try:
            with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as src, open(local, "wb") as dst:
                shutil.copyfileobj(src, dst)
        except OSError:
            raise StudentError(f"`{name}`: the saved model could not be read back") from None
        try:
            with warnings.catch_warnings():  # e.g. "skipping variable loading for optimizer": a fresh optimizer is right
                warnings.simplefilter("ignore")
                return keras.saving.load_model(local, safe_mode=True, compile=compiled)
        except Exception as err:  # noqa: BLE001 - any load failure is the student's model's fault
            raise StudentError(
                f"`{name}`'s model could not be loaded safely ({type(err).__name__}: {str(err)[:300]}); "
                "use built-in Keras layers only (no Lambda layers or custom classes)"
            ) from None
