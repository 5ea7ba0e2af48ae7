"""Grade submissions with stock ``nbgrader autograde``, in a throwaway course folder.

This is the path students' notebooks take in a plain nbgrader course; CI runs
it on the bug zoo so that the hidden-test cells are proven end to end, not
only the check functions behind them.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

CONFIG = """c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.db_url = "sqlite:///{root}/gradebook.db"
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
c.Execute.timeout = {timeout}
"""


def nbgrader(args, root):
    """Run an nbgrader command in ``root``; raise with its output if it fails."""
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("MPLBACKEND", "Agg")
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def released_course(root, course_root, assignments, timeout, config=""):
    """Make ``root`` a throwaway course: ``assignments`` copied from ``course_root``'s source/ and
    released by nbgrader (cell timeout ``timeout`` seconds); ``config`` is added to its nbgrader_config.py."""
    root = Path(root)
    (root / "source").mkdir(parents=True)
    for assignment in assignments:
        shutil.copytree(Path(course_root) / "source" / assignment, root / "source" / assignment)
    (root / "nbgrader_config.py").write_text(CONFIG.format(root=str(root), timeout=timeout) + config)
    for assignment in assignments:
        nbgrader(["generate_assignment", assignment, "--force"], root)


def autograde(course_root, assignment, submissions, workdir, timeout=300):
    """Grade ``{student: {notebook name: notebook}}`` and return ``{student: {grade_id: score}}``."""
    root = Path(workdir).resolve()
    if root.exists():
        shutil.rmtree(root)
    released_course(root, course_root, [assignment], timeout)
    for student, notebooks in submissions.items():
        folder = root / "submitted" / student / assignment
        folder.mkdir(parents=True)
        for name, nb in notebooks.items():
            nbformat.write(nb, str(folder / name))
    nbgrader(["autograde", assignment, "--force"], root)
    return read_scores(f"sqlite:///{root}/gradebook.db", assignment, submissions)


def read_scores(db_url, assignment, students):
    """``{student: {grade_id: score}}`` from an nbgrader gradebook."""
    scores = {}
    with Gradebook(db_url) as gb:
        for student in students:
            submission = gb.find_submission(assignment, student)
            scores[student] = {g.name: g.score for nb in submission.notebooks for g in nb.grades if g.cell.cell_type == "code"}
    return scores
