"""Start the sandboxed kernel: ``python -s -P -c "__import__('gradekernel.boot').boot.main()"``.

In this order, before any student code runs: the tamper guard is
installed; IPython, numpy and the modules the course's set-up cells import
(``GRADEKERNEL_PRELOAD``, e.g. ``keras``) are imported, or only stood in
for until first used (``deferred``: ``matplotlib.pyplot``); the monitor
(``monitor``) is loaded with private globals and builtins and started in
a thread of its own; the kernel's package is dropped from ``sys.modules``
and ``sys.path``; the home folder is put last on ``sys.path`` (a student's
``json.py`` cannot shadow the standard library); the guard is armed; and
the main thread starts running jobs. A kernel is started before the grader
knows whose work it will run: the submission's files arrive with its first
request (``files``), so a worker can boot the next sandbox while it grades
the current one. The request and reply pipes' descriptors come in
``GRADEKERNEL_FDS``.
"""
import builtins
import importlib
import os
import queue
import sys
import _thread
from pathlib import Path

PACKAGE = __name__.rpartition(".")[0]


def main():
    from . import guard

    arm = guard.install(PACKAGE)
    requests, replies = (int(fd) for fd in os.environ.pop("GRADEKERNEL_FDS").split(","))
    home = Path.cwd()

    import numpy  # noqa: F401  (imported before student code, for the monitor and the jobs)
    from IPython.core.interactiveshell import InteractiveShell

    from . import deferred

    for name in filter(None, os.environ.pop("GRADEKERNEL_PRELOAD", "").split(",")):
        if name in deferred.DEFERRED:
            deferred.install(name)  # a stand-in: imported only if student code uses it
        else:
            importlib.import_module(name)

    from . import jobs

    student = jobs.Student(InteractiveShell.instance())
    inbox, lock = queue.SimpleQueue(), _thread.allocate_lock()
    serve = _load_monitor()
    _thread.start_new_thread(serve, (requests, replies, inbox, lock))

    grader_path = str(Path(__file__).resolve().parent.parent)
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    sys.path[:] = [p for p in sys.path if p != grader_path] + [str(home)]
    arm()
    jobs.main_loop(student, inbox)


def _load_monitor():
    """The monitor's ``serve``, from a private copy of the module: its own globals and builtins."""
    path = Path(__file__).with_name("monitor.py")
    namespace = {"__name__": f"{PACKAGE}.monitor", "__builtins__": dict(builtins.__dict__)}
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102 - the grader's own file
    return namespace["serve"]
