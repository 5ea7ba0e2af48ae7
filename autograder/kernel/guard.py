"""Tamper detection inside the sandbox: an audit hook the student's code cannot remove.

Once armed (after the kernel has started, before the first student cell),
the hook ends the process at once, with ``TAMPER_EXIT`` and a note on
stderr, when student code reaches for the grader's machinery: importing
the kernel, listing every thread's frames or exceptions, walking the
garbage collector's object graph, tracing other threads, adding audit
hooks, writing process memory through ``/proc/<pid>/mem`` or through
ctypes' raw memory functions. None of these is needed by an exercise,
and none is used by numpy, Keras or its backends while they run.

This is detection, not the boundary: the grader never trusts a verdict
made inside the sandbox (see ``monitor``), so a tampering attempt the
hook does not know costs the student nothing they could gain.
"""
import os
import re
import sys

TAMPER_EXIT = 86
TAMPER_NOTE = b"gradekernel: tampering with the grader detected: "

_FORBIDDEN = frozenset({
    "sys._current_frames", "sys._current_exceptions", "sys.settrace", "sys.setprofile",
    "sys._settraceallthreads", "sys._setprofileallthreads", "sys.addaudithook",
    "gc.get_objects", "gc.get_referrers", "gc.get_referents",
    "ctypes.addressof", "ctypes.string_at", "ctypes.wstring_at", "ctypes.cdata",
})
_PROCESS_MEMORY = re.compile(r"^/proc/(self|thread-self|\d+)(/task/\d+)?/mem$")


def install(package):
    """Add the hook (disarmed) and return the function that arms it; ``package`` is the kernel's own
    package name, which student code may not import."""
    armed = []
    write, exit_now = os.write, os._exit
    forbidden, memory_path, prefix = _FORBIDDEN, _PROCESS_MEMORY.match, package + "."
    raw_memory = _ctypes_memory_functions()
    is_a, text = isinstance, str  # bound now: student code may replace the builtins later

    def hook(event, args):
        if not armed:
            return
        if event in forbidden:
            why = event
        elif event == "import" and args and is_a(args[0], text) and (text.__eq__(args[0], package) is True or text.startswith(args[0], prefix)):
            why = f"import {args[0]}"
        elif event == "open" and args and is_a(args[0], text) and memory_path(args[0]):
            why = f"open {args[0]}"
        elif event == "ctypes.call_function" and args and args[0] in raw_memory:
            why = "ctypes raw memory access"
        else:
            return
        write(2, TAMPER_NOTE + why.encode("ascii", "replace") + b"\n")
        exit_now(TAMPER_EXIT)

    sys.addaudithook(hook)
    return lambda: armed.append(True)


def _ctypes_memory_functions():
    """Addresses of ctypes' memmove and memset, if ctypes is there (the call_function event names them)."""
    try:
        import ctypes
    except ImportError:
        return frozenset()
    return frozenset(getattr(ctypes, name) for name in ("_memmove_addr", "_memset_addr") if hasattr(ctypes, name))
