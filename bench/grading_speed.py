"""Benchmark: the engine against stock `nbgrader autograde` and plain `jupyter nbconvert --execute`.

Grades the same 40 submissions of 01-05 (8 per assignment: correct, buggy
from the zoo, and faulty) three ways in one run on this machine, and prints
the wall-clock times and their ratios:

- stock:    `nbgrader autograde` per assignment (serial, one kernel per notebook);
- engine:   `autograder grade 01 ... 05` (parallel, sandboxed, hidden checks outside);
- nbconvert: `jupyter nbconvert --execute --allow-errors`, once per notebook
  (executing them and nothing else);
- nbclient:  the same execution in one Python process (no converter start-up): the strictest baseline.

Goals (issue 3): stock / engine >= 1.8 and engine / nbconvert <= 1.2 on 2 cores.
Hangs are left out of the mix: each grader would just wait out its own timeout.
Usage: python bench/grading_speed.py [--out bench/results.json]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import notebooks as nbs  # noqa: E402
from autograder import stock  # noqa: E402
from autograder.zoo import load_zoo  # noqa: E402

ASSIGNMENTS = ["01_neuron", "02_forward_pass", "03_losses", "04_gradient_descent", "05_backprop"]
FAULTS = ["import os\nos._exit(1)", "raise RuntimeError('student bug')", "import ctypes\nctypes.string_at(0)"]


def mix(assignment):
    """8 students: 3 correct (one untouched release among the others: 1), 3 buggy, 1 faulty."""
    bugs, alternatives = load_zoo(ROOT / "tests" / "zoo", assignment)
    bug_names, alt_names = sorted(bugs), sorted(alternatives)
    students = {"correct-1": {}, "correct-2": alternatives[alt_names[0]], "correct-3": alternatives[alt_names[-1]],
                "release": None}
    for k in range(3):
        students[f"buggy-{k + 1}"] = bugs[bug_names[(k * 7) % len(bug_names)]]["cells"]
    release = nbs.read(nbs.notebooks_of(ROOT / "release" / assignment)[0])
    first_answer = next(nbs.grade_id(c) for c in release.cells if nbs.is_answer(c))
    students["faulty"] = {first_answer: FAULTS[ASSIGNMENTS.index(assignment) % len(FAULTS)]}
    return students


def build_course(root):
    stock.released_course(root, ROOT, ASSIGNMENTS, timeout=60)
    paths = []
    for assignment in ASSIGNMENTS:
        for path in nbs.notebooks_of(root / "release" / assignment):
            release, source = nbs.read(path), nbs.read(root / "source" / assignment / path.name)
            for student, answers in mix(assignment).items():
                nb = release if answers is None else nbs.make_submission(release, source, answers)
                folder = root / "submitted" / student / assignment
                folder.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, str(folder / path.name))
                paths.append(folder / path.name)
    return paths


def execute_in_process(path):
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    try:
        NotebookClient(nbformat.read(str(path), as_version=4), timeout=60, allow_errors=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    except DeadKernelError:
        pass


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.json"))
    parser.add_argument("--skip", nargs="*", default=[], choices=["nbconvert", "nbclient"],
                        help="leave out a baseline (nbconvert alone takes about 10 minutes on 2 cores)")
    args = parser.parse_args()
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}", TF_CPP_MIN_LOG_LEVEL="3")
    with tempfile.TemporaryDirectory() as tmp:
        courses = {name: Path(tmp) / name for name in ("stock", "engine", "nbconvert")}
        notebooks = {name: build_course(path) for name, path in courses.items()}
        count = len(notebooks["stock"])
        runs = {
            # stock nbgrader exits non-zero when a kernel dies (and drops that submission): time it all the same
            "stock": lambda: [subprocess.run([sys.executable, "-m", "nbgrader", "autograde", a, "--force"],
                                             cwd=courses["stock"], env=env, capture_output=True) for a in ASSIGNMENTS],
            "engine": lambda: subprocess.run([sys.executable, "-m", "autograder", "grade", *ASSIGNMENTS, "--force"],
                                             cwd=courses["engine"], env=env, check=True, capture_output=True),
            # one nbconvert per notebook: a single call stops at the first kernel that dies
            "nbconvert": lambda: [subprocess.run(
                [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
                 "--ExecutePreprocessor.timeout=60", "--output", str(Path(tmp) / "executed" / f"{i}.ipynb"), str(path)],
                cwd=courses["nbconvert"], env=env, capture_output=True) for i, path in enumerate(notebooks["nbconvert"])],
            # the strictest baseline: nbclient in one process, no converter start-up per notebook
            "nbclient": lambda: [execute_in_process(path) for path in notebooks["nbconvert"]],
        }
        times = {name: timed(run) for name, run in runs.items() if name not in args.skip}
    figures = {"submissions": count, "cores": os.cpu_count(), "seconds": {k: round(v, 1) for k, v in times.items()},
               "stock_over_engine": round(times["stock"] / times["engine"], 2),
               **{f"engine_over_{name}": round(times["engine"] / times[name], 2)
                  for name in ("nbconvert", "nbclient") if name in times}}
    print(json.dumps(figures, indent=2))
    Path(args.out).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
