"""Memory and process limits for a whole sandbox, through Linux control groups.

rlimits bound each process alone: three forked children may each use the
address-space limit. A control group bounds the sandbox's processes
together. Two layouts are supported:

- cgroup v2 (one unified hierarchy; most current servers): a group under a
  delegated subtree, with ``memory.max``, ``memory.swap.max`` and ``pids.max``;
- cgroup v1 (separate ``memory`` and ``pids`` hierarchies, as on these CI
  machines): ``memory.limit_in_bytes`` (and ``memory.memsw.limit_in_bytes``
  where swap is accounted) and ``pids.max``.

Every group of one grading run lives under ``autograder/run-<lease>``, so a
run killed with SIGKILL leaves nothing the next run cannot find and remove
(``remove_stale``). Where neither layout is writable, ``detect`` says why.
"""
import dataclasses
import os
import signal
import time
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PARENT = "autograder"


@dataclasses.dataclass(frozen=True)
class Layout:
    """Where the groups go: ``version`` 1 or 2, and the base folder per controller."""

    version: int
    bases: tuple  # ((controller, base folder), ...): v2 has one entry for both controllers

    def describe(self):
        return f"cgroup v{self.version} ({', '.join(str(b) for _, b in self.bases)})"


def detect(root=ROOT):
    """``(Layout, "")`` where this process may create limited groups, else ``(None, why not)``."""
    root = Path(root)
    if (root / "cgroup.controllers").is_file():
        return _detect_v2(root)
    memory, pids = root / "memory", root / "pids"
    if (memory / "memory.limit_in_bytes").is_file() and (pids / "cgroup.procs").is_file():
        bases = []
        for controller, mount in (("memory", memory), ("pids", pids)):
            base = mount / PARENT
            try:
                base.mkdir(exist_ok=True)
            except OSError as err:
                return None, f"cgroup v1 {controller} controller is not writable here ({err.strerror})"
            bases.append((controller, base))
        return Layout(1, tuple(bases)), ""
    return None, f"no cgroup v1 memory/pids controllers or cgroup v2 hierarchy under {root}"


def _detect_v2(root):
    """The group this process is in must be delegated to it (writable, with memory and pids available)."""
    own = root
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            if line.startswith("0::"):
                own = root / line[3:].lstrip("/")
    except OSError:
        pass
    controllers = set((own / "cgroup.controllers").read_text().split()) if (own / "cgroup.controllers").is_file() else set()
    if not {"memory", "pids"} <= controllers:
        return None, f"cgroup v2: the memory and pids controllers are not delegated to {own}"
    base = own / PARENT
    try:
        base.mkdir(exist_ok=True)
        (base / "cgroup.subtree_control").write_text("+memory +pids")
    except OSError as err:
        return None, f"cgroup v2: cannot create a delegated group under {own} ({err.strerror})"
    return Layout(2, (("memory", base), ("pids", base))), ""


class Group:
    """One sandbox's control group(s): created with limits, joined by the sandbox, killed and removed."""

    def __init__(self, layout, run, name, memory_mb, max_processes):
        self.layout, self.name = layout, f"{run}/{name}"
        self.paths = sorted({base / run / name for _, base in layout.bases})
        for _, base in layout.bases:
            (base / run).mkdir(exist_ok=True)
            if layout.version == 2:  # a v2 group's children get a controller only where the group enables it
                _write_if_exists(base / run / "cgroup.subtree_control", "+memory +pids")
        for path in self.paths:
            path.mkdir(exist_ok=True)
        limit = str(int(memory_mb) << 20)
        if layout.version == 2:
            (self.paths[0] / "memory.max").write_text(limit)
            _write_if_exists(self.paths[0] / "memory.swap.max", "0")
            (self.paths[0] / "pids.max").write_text(str(max_processes))
        else:
            memory, pids = (base / run / name for _, base in layout.bases)
            (memory / "memory.limit_in_bytes").write_text(limit)
            _write_if_exists(memory / "memory.memsw.limit_in_bytes", limit)
            (pids / "pids.max").write_text(str(max_processes))

    def procs_files(self):
        """The files a process writes its pid to (from ``preexec_fn``: plain ``os`` calls only)."""
        return [str(path / "cgroup.procs") for path in self.paths]

    def out_of_memory(self):
        """Whether the kernel killed a process of this group for memory (or the limit was hit)."""
        try:
            if self.layout.version == 2:
                events = (self.paths[0] / "memory.events").read_text().split()
                return int(events[events.index("oom_kill") + 1]) > 0
            memory = next(base / self.name for controller, base in self.layout.bases if controller == "memory")
            return int((memory / "memory.failcnt").read_text()) > 0
        except (OSError, ValueError, IndexError):
            return False

    def kill_and_remove(self, timeout=10.0):
        """SIGKILL every process left in the group, then remove it."""
        kill_and_remove(self.paths, timeout)


def join(procs_files):
    """Move the calling process into the groups (called in the child before exec)."""
    pid = str(os.getpid()).encode()
    for path in procs_files:
        fd = os.open(path, os.O_WRONLY)
        try:
            os.write(fd, pid)
        finally:
            os.close(fd)


def kill_and_remove(paths, timeout=10.0):
    """SIGKILL every process in the groups ``paths`` (and in groups below them), then remove them."""
    end = time.monotonic() + timeout
    paths = [child for path in paths if path.is_dir() for child in sorted(path.glob("*/"), reverse=True)] + list(paths)
    for path in paths:
        while path.exists():
            for pid in _pids(path):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                path.rmdir()
            except OSError:
                if time.monotonic() > end:
                    break
                time.sleep(0.02)


def remove_stale(layout, prefix, live):
    """Remove the groups named ``<prefix>*`` that no live run owns (``live(name)`` says which are)."""
    for _, base in layout.bases:
        for run in sorted(base.glob(f"{prefix}*")):
            if run.is_dir() and not live(run.name):
                kill_and_remove([*sorted(p for p in run.iterdir() if p.is_dir()), run])


def _pids(path):
    try:
        return [int(p) for p in (path / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def _write_if_exists(path, value):
    if path.exists():
        try:
            path.write_text(value)
        except OSError:
            pass
