"""Grade a sample of the 06-10 bug zoos with one profile and check every verdict, as on a GPU grader.

    python bench/gpu/zoo_sample.py [--profile gpu] [--gpus 0] [--workers-per-gpu 4] [--out zoo.json]
                                   [--assignments 06_keras_basics ...] [--max-cases 4] [--sandbox none]

The sample is ``autograder.zoo.sample`` of each assignment (the solution, the untouched release, a
bug and a correct alternative; ``--max-cases 2`` keeps the first two, a rehearsal's cut), graded by
the engine in one pool of graders. Each verdict is the
one ``autograder ci`` gives (``Case.verdict``). ``--out`` is rewritten after every graded
submission, so a run stopped by a time limit keeps its verdicts. The exit status is 1 when a case
is not graded as expected.
"""
import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from autograder import zoo  # noqa: E402
from autograder.ci import max_scores  # noqa: E402
from autograder.engine.batch import grade_all  # noqa: E402
from autograder.engine.devices import find_gpus  # noqa: E402
from autograder.engine.settings import Settings  # noqa: E402

KERAS_ASSIGNMENTS = ["06_keras_basics", "07_fashion_mnist", "08_regularization", "09_cnn", "10_rnn"]


def write_cases(course, assignments, max_cases):
    """Each assignment's sample written as nbgrader submissions under ``course``; ``{(assignment, student): Case}``."""
    cases = {}
    for assignment in assignments:
        for case in zoo.sample(zoo.cases(ROOT, assignment, ROOT / "tests" / "zoo"))[:max_cases]:
            folder = course / "submitted" / case.student / assignment
            folder.mkdir(parents=True)
            for name, notebook in case.notebooks.items():
                nbformat.write(notebook, str(folder / name))
            cases[(assignment, case.student)] = case
    os.symlink(ROOT / "source", course / "source")
    return cases


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="gpu", choices=["cpu", "gpu"])
    parser.add_argument("--gpus", help="GPU indices (default: the ones found; 0 rehearses the path on a CPU)")
    parser.add_argument("--workers-per-gpu", type=int, default=4)
    parser.add_argument("--assignments", nargs="+", default=KERAS_ASSIGNMENTS, choices=KERAS_ASSIGNMENTS)
    parser.add_argument("--max-cases", type=int, default=4, help="cases per assignment, in the sample's order")
    parser.add_argument("--sandbox", choices=["bwrap", "none"], help="override c.Autograder.sandbox (trusted code only)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    gpus = find_gpus(args.gpus or "auto")
    settings = Settings.load(ROOT, profile=args.profile, gpus=",".join(gpus) or "none",
                             workers_per_gpu=args.workers_per_gpu, sandbox=args.sandbox)
    report = {"profile": args.profile, "gpus": len(gpus), "workers_per_gpu": args.workers_per_gpu,
              "sandbox": settings.sandbox, "cases": []}
    start = time.perf_counter()

    def keep(result):
        case = cases[(result.assignment, result.student)]
        scores = {i.grade_id: i.score for nb in result.notebooks for i in nb.items}
        problem = case.verdict(scores, maxima[result.assignment])
        report["cases"].append({"assignment": result.assignment, "case": case.student, "expect": case.expect,
                                "score": sum(scores.values()), "max": sum(maxima[result.assignment].values()),
                                "seconds": round(result.seconds, 1), "ok": not problem, "problem": problem})
        report["seconds"] = round(time.perf_counter() - start, 1)
        if args.out:
            args.out.write_text(json.dumps(report, indent=1) + "\n")
        print(f"{result.assignment} {case.student}: {'ok' if not problem else 'FAIL ' + problem}", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        cases = write_cases(Path(tmp) / "course", args.assignments, args.max_cases)
        maxima = {a: max_scores(ROOT, a) for a in args.assignments}
        outcome = grade_all(Path(tmp) / "course", args.assignments, settings, Path(tmp) / "results",
                            on_result=keep, show_progress=False)
    report["failures"] = {f"{a}/{s}": error for (a, s), error in outcome.failures.items()}
    report["seconds"] = round(time.perf_counter() - start, 1)
    report["submissions_per_minute"] = round(60 * len(report["cases"]) / report["seconds"], 2)
    if args.out:
        args.out.write_text(json.dumps(report, indent=1) + "\n")
    bad = [c for c in report["cases"] if not c["ok"]]
    print(f"{len(report['cases']) - len(bad)} of {len(cases)} cases graded as expected in {report['seconds']} s")
    return 1 if bad or outcome.failures or len(report["cases"]) != len(cases) else 0


if __name__ == "__main__":
    sys.exit(main())
