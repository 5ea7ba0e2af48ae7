"""Concurrent grading runs get disjoint sandbox uids, so one run's fork bomb cannot starve another's."""
import fcntl
import subprocess
import sys

from autograder.engine import uids
from autograder.engine.settings import Settings

HOLD = """
import sys, time
from autograder.engine import uids
from autograder.engine.settings import Settings
with uids.leased(Settings()) as s:
    print(s.sandbox_uid_base, flush=True)
    sys.stdin.readline()
"""


def test_runs_at_once_lease_disjoint_blocks_and_release_them():
    other = subprocess.Popen([sys.executable, "-c", HOLD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        theirs = int(other.stdout.readline())
        with uids.leased(Settings()) as mine:
            assert abs(mine.sandbox_uid_base - theirs) >= uids.BLOCK
            with uids.leased(Settings()) as third:
                assert len({mine.sandbox_uid_base, third.sandbox_uid_base, theirs}) == 3
    finally:
        other.communicate("done\n")
    block = (theirs - Settings().sandbox_uid_base) // uids.BLOCK
    with open(uids.LOCKS / f"{block}.lock") as lock:  # the other run ended: its block is free again
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
