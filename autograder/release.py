"""``autograder release``: the student versions in release/, made by nbgrader from source/."""
from pathlib import Path

from autograder import stock


def assignments_in(course_root):
    return sorted(p.name for p in (Path(course_root) / "source").iterdir() if p.is_dir())


def release(course_root, assignments=None):
    """Run ``nbgrader generate_assignment --force`` for each assignment (also registers it in the gradebook)."""
    for assignment in assignments or assignments_in(course_root):
        stock.nbgrader(["generate_assignment", assignment, "--force"], course_root)
        print(f"released {assignment}")
