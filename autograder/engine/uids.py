"""A block of sandbox uids per grading run, so that runs on one host cannot starve each other.

The process limit (RLIMIT_NPROC) counts every process of a uid. Two grading
runs at once (two assignments, two staff members, parallel tests) with the
same uids would share that count: one student's fork bomb would stop the
other run's sandboxes from starting. Each run therefore leases its own block
of ``BLOCK`` uids, held by an exclusive lock file for as long as the run
lasts; the operating system drops the lock when the run's process ends.

Graders that are not a run's only process on their host (Ray workers: each
grades one submission at a time, for whichever run sent it) lease one uid
each instead: they hold a block *shared* and a slot in it exclusively, so
such graders share a block without sharing a uid, and a local run, which
needs its block exclusively, never takes one of theirs.
"""
import contextlib
import dataclasses
import fcntl
import os
import tempfile
from pathlib import Path

BLOCK = 256     # uids per run: two per grading worker (see sandbox/process.py), more than any machine needs
SLOTS = BLOCK // 2  # grading workers (sandbox slots) per block
BLOCKS = 64     # runs at once on one host
LOCKS = Path(tempfile.gettempdir()) / "autograder-uid-blocks"


@contextlib.contextmanager
def leased(settings):
    """``settings`` with ``sandbox_uid_base`` moved to a uid block no other run on this host holds."""
    LOCKS.mkdir(mode=0o755, exist_ok=True)
    for block in range(BLOCKS):
        fd = _lock(LOCKS / f"{block}.lock", fcntl.LOCK_EX)
        if fd is None:
            continue
        try:
            yield dataclasses.replace(settings, sandbox_uid_base=settings.sandbox_uid_base + block * BLOCK)
        finally:
            os.close(fd)
        return
    raise RuntimeError(f"{BLOCKS} grading runs already hold every sandbox uid block on this host "
                       f"(lock files in {LOCKS}); wait for one to finish")


def held(block):
    """Whether a live run (or a Ray worker's slot) holds ``block``."""
    fd = _lock(LOCKS / f"{block}.lock", fcntl.LOCK_EX)
    if fd is None:
        return True
    os.close(fd)
    return False


def lease_slot():
    """A sandbox slot for this process until it ends: uid ``sandbox_uid_base + slot`` is its alone on this host."""
    LOCKS.mkdir(mode=0o755, exist_ok=True)
    for block in range(BLOCKS):
        shared = _lock(LOCKS / f"{block}.lock", fcntl.LOCK_SH)
        if shared is None:
            continue
        for slot in range(SLOTS):
            mine = _lock(LOCKS / f"{block}.{slot}.lock", fcntl.LOCK_EX)
            if mine is not None:
                _HELD.extend([shared, mine])  # released by the operating system when this process ends
                return block * SLOTS + slot
        os.close(shared)
    raise RuntimeError(f"every sandbox uid on this host is leased (lock files in {LOCKS})")


_HELD = []


def _lock(path, mode):
    """An open descriptor of ``path`` locked with ``mode``, or None if another process holds it."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd
