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

``--workers-per-gpu 1 2 4`` measures the ``gpu`` profile per number of graders
sharing a GPU instead: one run each, every grader grading one submission with
the training cache off (the 1-grader run is the latency). ``--gpus`` names the
GPUs (``0`` on a machine without one rehearses that path on the CPU),
``--assignments`` cuts the set (a rehearsal), ``--sandbox none`` grades the
reference unisolated where bubblewrap cannot run, and ``--out`` is rewritten
after every run, so a run stopped by a time limit keeps what it measured. A
reference that loses points is recorded and makes the exit status 1.
Usage: python bench/keras_submission.py [--students 4] [--profiles cpu gpu] [--workers-per-gpu 1 2 4]
       [--gpus 0] [--assignments 06_keras_basics ...] [--sandbox none] [--out bench/keras_results.json]
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


def build_course(root, students, assignments=ASSIGNMENTS):
    """A course with ``assignments`` released and ``students`` submissions of the reference solutions."""
    stock.released_course(root, ROOT, assignments, timeout=600)
    for assignment in assignments:
        for path in nbs.notebooks_of(root / "release" / assignment):
            submission = nbs.make_submission(nbs.read(path), nbs.read(root / "source" / assignment / path.name), {})
            for k in range(students):
                folder = root / "submitted" / f"student-{k + 1}" / assignment
                folder.mkdir(parents=True, exist_ok=True)
                nbformat.write(submission, str(folder / path.name))


def profile_settings(root, profile, workers=0, gpus=None, workers_per_gpu=None, sandbox=None):
    """The course's settings for ``profile``: the ``cpu`` profile is measured without GPUs."""
    return Settings.load(root, profile=profile, workers=workers, gpus="none" if profile == "cpu" else gpus,
                         workers_per_gpu=workers_per_gpu, sandbox=sandbox)


def timed_grading(root, profile, students, workers, cache, assignments=ASSIGNMENTS, **settings):
    """``(seconds, problems)`` of grading ``students`` submissions of ``assignments``; ``problems`` lists
    every point the reference lost and every grader failure (a benchmark of correct work has none)."""
    os.environ["AUTOGRADER_TRAINING_CACHE"] = cache
    settings = profile_settings(root, profile, workers, **settings)
    results = root / f"graded-{profile}-{students}-{workers}-{settings.workers_per_gpu}"
    start = time.perf_counter()
    outcome = grade_all(root, assignments, settings, results, force=True,
                        students=[f"student-{k + 1}" for k in range(students)], show_progress=False)
    seconds = time.perf_counter() - start
    problems = [f"{r.student}/{r.assignment}: {r.score}/{r.max_score}" for r in outcome.results if r.score < r.max_score]
    problems += [f"{student}/{assignment}: {error}" for (assignment, student), error in outcome.failures.items()]
    if not problems and len(outcome.results) != students * len(assignments):
        problems.append(f"{len(outcome.results)} of {students * len(assignments)} submissions graded")
    return seconds, problems


def measure(root, profile, students, assignments=ASSIGNMENTS, gpus=None, sandbox=None):
    cache = root / f"cache-{profile}"
    started = time.time()
    one, lost_one = timed_grading(root, profile, 1, 1, str(cache), assignments, gpus=gpus, sandbox=sandbox)
    many, lost_many = timed_grading(root, profile, students, 0, "off", assignments, gpus=gpus, sandbox=sandbox)
    settings = profile_settings(root, profile, gpus=gpus)
    workers = min(devices.worker_count(settings, devices.find_gpus(settings.gpus)), students)
    return {"seconds_one_submission": round(one, 1), "workers": workers, "students": students,
            "seconds_throughput_run": round(many, 1), "submissions_per_minute": round(60 * students / many, 2),
            "speedup_over_one_at_a_time": round(students * one / many, 2), "lost": lost_one + lost_many,
            "started": started, "ended": time.time()}


def measure_workers_per_gpu(root, gpus, counts, assignments, on_run, sandbox=None):
    """The ``gpu`` profile with ``w`` graders per GPU for each ``w`` in ``counts``: each grader grades one
    submission, training cache off; ``on_run(figures so far)`` after every run."""
    figures = {"workers_per_gpu": {}, "lost": []}
    for w in counts:
        workers = w * len(gpus)
        started = time.time()
        seconds, lost = timed_grading(root, "gpu", workers, workers, "off", assignments,
                                      gpus=",".join(gpus), workers_per_gpu=w, sandbox=sandbox)
        figures["workers_per_gpu"][str(w)] = {
            "workers": workers, "students": workers, "seconds": round(seconds, 1),
            "submissions_per_minute": round(60 * workers / seconds, 2), "started": started, "ended": time.time()}
        figures["lost"] += lost
        if w == 1:
            figures["seconds_one_submission"] = round(seconds, 1)  # one grader, one submission, cache off
        on_run(figures)
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=4, help="submissions in the throughput run (default 4)")
    parser.add_argument("--profiles", nargs="+", choices=["cpu", "gpu"],
                        help="profiles to measure (default: cpu, and gpu where a GPU is found)")
    parser.add_argument("--workers-per-gpu", type=int, nargs="+", metavar="W",
                        help="gpu profile: one run per number of graders sharing a GPU, one submission each")
    parser.add_argument("--gpus", help="GPU indices for the gpu profile (default: the ones found)")
    parser.add_argument("--assignments", nargs="+", default=ASSIGNMENTS, choices=ASSIGNMENTS, metavar="A",
                        help="grade only these (default: 06-10)")
    parser.add_argument("--sandbox", choices=["bwrap", "none"], help="override c.Autograder.sandbox (trusted code only)")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()
    gpus = devices.find_gpus(args.gpus or "auto")
    profiles = args.profiles or ["cpu"] + (["gpu"] if gpus else [])
    per_gpu = args.workers_per_gpu if "gpu" in profiles else None
    if per_gpu and not gpus:
        parser.error("--workers-per-gpu needs a GPU (or --gpus 0 to rehearse on the CPU)")
    figures = {"cores": os.cpu_count(), "gpus": len(gpus), "keras_backend": devices.keras_backend(),
               "assignments": args.assignments, "sandbox": args.sandbox or "as configured", "profiles": {}}

    def write(profile, result):
        figures["profiles"][profile] = result
        if args.out:
            args.out.write_text(json.dumps(figures, indent=2) + "\n")

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "course"
        build_course(root, max([args.students] + [w * len(gpus) for w in per_gpu or []]), args.assignments)
        for profile in profiles:
            if profile == "gpu" and per_gpu:
                result = measure_workers_per_gpu(root, gpus, per_gpu, args.assignments, lambda f: write("gpu", f),
                                                 args.sandbox)
            else:
                result = measure(root, profile, args.students, args.assignments, args.gpus, args.sandbox)
            write(profile, result)
            print(profile, result, flush=True)
    cpu, gpu = figures["profiles"].get("cpu", {}), figures["profiles"].get("gpu", {})
    if "seconds_one_submission" in cpu and "seconds_one_submission" in gpu:
        figures["gpu_over_cpu_one_submission"] = round(gpu["seconds_one_submission"] / cpu["seconds_one_submission"], 2)
    print(json.dumps(figures, indent=2))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2) + "\n")
    lost = [problem for result in figures["profiles"].values() for problem in result["lost"]]
    if lost:
        raise SystemExit(f"the reference lost points: {lost}")


if __name__ == "__main__":
    main()
