"""Benchmark: grading whole 06-10 submissions (the Keras half) with the engine, per training profile.

In one run on this machine, with the reference solutions as submissions:

- latency: one submission, one worker, an empty training cache: the seconds to
  grade one student's 06-10 (issue 4: at most 5 minutes on 2 cores with the
  ``cpu`` profile);
- throughput: ``--students`` submissions on the default worker count (one per
  core, or ``workers_per_gpu`` per GPU) with the training cache off, so every
  submission trains as distinct students' models do: submissions per minute,
  and the speed-up over grading them one at a time at the latency above.

The ``cpu`` profile is the baseline. When a GPU is found (or ``--profiles cpu gpu``
asks for it on a CPU-only machine) the ``gpu`` profile is measured too and
reported as a ratio to it (the ``gpu`` profile trains on the full datasets, so
the ratio says what a grader with that profile costs per submission).
Usage: python bench/keras_submission.py [--students 4] [--profiles cpu gpu] [--out bench/keras_results.json]
"""
import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import notebooks as nbs  # noqa: E402
from autograder import stock  # noqa: E402
from autograder.engine import devices  # noqa: E402
from autograder.engine.batch import grade_all  # noqa: E402
from autograder.engine.settings import Settings  # noqa: E402

ASSIGNMENTS = ["06_keras_basics", "07_fashion_mnist", "08_regularization", "09_cnn", "10_rnn"]


def build_course(root, students):
    """A course with 06-10 released and ``students`` submissions of the reference solutions."""
    stock.released_course(root, ROOT, ASSIGNMENTS, timeout=600)
    for assignment in ASSIGNMENTS:
        for path in nbs.notebooks_of(root / "release" / assignment):
            submission = nbs.make_submission(nbs.read(path), nbs.read(root / "source" / assignment / path.name), {})
            for k in range(students):
                folder = root / "submitted" / f"student-{k + 1}" / assignment
                folder.mkdir(parents=True, exist_ok=True)
                nbformat.write(submission, str(folder / path.name))


def profile_settings(root, profile, workers=0):
    """The course's settings for ``profile``: the ``cpu`` profile is measured without GPUs."""
    return Settings.load(root, profile=profile, workers=workers, gpus="none" if profile == "cpu" else None)


def timed_grading(root, profile, students, workers, cache):
    """Seconds to grade ``students`` submissions of 06-10; every check must pass (a benchmark of correct work)."""
    os.environ["AUTOGRADER_TRAINING_CACHE"] = cache
    settings = profile_settings(root, profile, workers)
    results = root / f"graded-{profile}-{students}-{workers}"
    start = time.perf_counter()
    outcome = grade_all(root, ASSIGNMENTS, settings, results, force=True,
                        students=[f"student-{k + 1}" for k in range(students)], show_progress=False)
    seconds = time.perf_counter() - start
    lost = [f"{r.student}/{r.assignment}: {r.score}/{r.max_score}" for r in outcome.results if r.score < r.max_score]
    if outcome.failures or lost or len(outcome.results) != students * len(ASSIGNMENTS):
        raise SystemExit(f"the reference lost points ({profile}): {lost or outcome.failures}")
    return seconds


def measure(root, profile, students):
    cache = root / f"cache-{profile}"
    one = timed_grading(root, profile, 1, 1, str(cache))
    many = timed_grading(root, profile, students, 0, "off")
    settings = profile_settings(root, profile)
    workers = min(devices.worker_count(settings, devices.find_gpus(settings.gpus)), students)
    return {"seconds_one_submission": round(one, 1), "workers": workers, "students": students,
            "seconds_throughput_run": round(many, 1), "submissions_per_minute": round(60 * students / many, 2),
            "speedup_over_one_at_a_time": round(students * one / many, 2)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=4, help="submissions in the throughput run (default 4)")
    parser.add_argument("--profiles", nargs="+", choices=["cpu", "gpu"],
                        help="profiles to measure (default: cpu, and gpu where a GPU is found)")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()
    gpus = devices.find_gpus()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "course"
        build_course(root, args.students)
        figures = {"cores": os.cpu_count(), "gpus": len(gpus), "keras_backend": devices.keras_backend(), "profiles": {}}
        for profile in args.profiles or ["cpu"] + (["gpu"] if gpus else []):
            figures["profiles"][profile] = measure(root, profile, args.students)
            print(profile, figures["profiles"][profile], flush=True)
    if {"cpu", "gpu"} <= set(figures["profiles"]):
        cpu, gpu = figures["profiles"]["cpu"], figures["profiles"]["gpu"]
        figures["gpu_over_cpu_one_submission"] = round(gpu["seconds_one_submission"] / cpu["seconds_one_submission"], 2)
    print(json.dumps(figures, indent=2))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
