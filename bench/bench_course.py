"""Throwaway courses for the benchmarks: assignments copied from source/ and released by nbgrader."""
import shutil
from pathlib import Path

from autograder import stock

ROOT = Path(__file__).resolve().parent.parent


def released_course(root, assignments, timeout):
    """Make ``root`` a course with ``assignments`` released; nbgrader's cell timeout is ``timeout`` seconds."""
    (root / "source").mkdir(parents=True)
    for assignment in assignments:
        shutil.copytree(ROOT / "source" / assignment, root / "source" / assignment)
    (root / "nbgrader_config.py").write_text(stock.CONFIG.format(root=str(root), timeout=timeout))
    for assignment in assignments:
        stock.nbgrader(["generate_assignment", assignment, "--force"], root)
