"""A block of sandbox uids per grading run, so that runs on one host cannot starve each other.

The process limit (RLIMIT_NPROC) counts every process of a uid. Two grading
runs at once (two assignments, two staff members, parallel tests) with the
same uids would share that count: one student's fork bomb would stop the
other run's sandboxes from starting. Each run therefore leases its own block
of ``BLOCK`` uids, held by an exclusive lock file for as long as the run
lasts; the operating system drops the lock when the run's process ends.
"""
import contextlib
import dataclasses
import fcntl
import os
import tempfile
from pathlib import Path

BLOCK = 256     # uids per run: more than any machine's grading workers
BLOCKS = 64     # runs at once on one host
LOCKS = Path(tempfile.gettempdir()) / "autograder-uid-blocks"


@contextlib.contextmanager
def leased(settings):
    """``settings`` with ``sandbox_uid_base`` moved to a uid block no other run on this host holds."""
    LOCKS.mkdir(mode=0o755, exist_ok=True)
    for block in range(BLOCKS):
        fd = os.open(LOCKS / f"{block}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            yield dataclasses.replace(settings, sandbox_uid_base=settings.sandbox_uid_base + block * BLOCK)
        finally:
            os.close(fd)
        return
    raise RuntimeError(f"{BLOCKS} grading runs already hold every sandbox uid block on this host "
                       f"(lock files in {LOCKS}); wait for one to finish")


def held(block):
    """Whether a live run holds ``block`` (its lock file is locked)."""
    try:
        fd = os.open(LOCKS / f"{block}.lock", os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
