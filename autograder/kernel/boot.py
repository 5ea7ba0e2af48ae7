"""Start the sandboxed kernel: ``python -s -P -c "__import__('gradekernel.boot').boot.main()"``.

In this order, before any student code runs: the tamper guard is
installed; the submitted files are copied from the read-only
``/opt/submission`` into the private, size-limited home; IPython and numpy
are imported; the monitor (``monitor``) is loaded with private globals and
builtins and started in a thread of its own; the kernel's package is
dropped from ``sys.modules`` and ``sys.path``; the home folder is put last
on ``sys.path`` (a student's ``json.py`` cannot shadow the standard
library); the guard is armed; and the main thread starts running jobs.
The request and reply pipes' descriptors come in ``GRADEKERNEL_FDS``.
"""
import builtins
import os
import queue
import shutil
import sys
import _thread
from pathlib import Path

PACKAGE = __name__.rpartition(".")[0]
SUBMISSION = Path("/opt/submission")


def main():
    from . import guard

    arm = guard.install(PACKAGE)
    requests, replies = (int(fd) for fd in os.environ.pop("GRADEKERNEL_FDS").split(","))
    home = Path.cwd()
    _copy_submission(SUBMISSION, home)

    import numpy  # noqa: F401  (imported before student code, for the monitor and the jobs)
    from IPython.core.interactiveshell import InteractiveShell

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


def _copy_submission(source, home):
    """The submitted files into the home folder (the grader made ``source``: folders and regular files)."""
    if not source.is_dir():
        return
    for folder, subfolders, files in os.walk(source):
        target = home / Path(folder).relative_to(source)
        target.mkdir(exist_ok=True)
        for name in files:
            shutil.copyfile(Path(folder) / name, target / name)
