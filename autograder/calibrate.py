"""Calibrate training-check thresholds from the reference solutions.

Usage: ``python -m autograder.calibrate [--profile cpu|gpu] [--seeds 5]
[--assignment A] [--key K] [--check-reliability 20] [--reported] [--thresholds PATH]``

For every ``Training`` item of every hidden module (see
``autograder.checks.training``) it scores the reference solution over
``--seeds`` seeds (0, 1, ...), sets threshold = worst seed minus (accuracy)
or plus (errors) a margin of max(3 std, the item's min_margin), and with
``--check-reliability N`` counts how many of N fresh grading seeds
(10000, 10001, ...) the reference passes, against the new threshold and
against the one in force before (``committed``: how the thresholds that grade
today fare on this machine, e.g. ``gpu`` thresholds made on a CPU, run on a
GPU). Each item's record is merged into ``autograder/hidden/thresholds.json``
(or ``--thresholds PATH``, leaving the grading thresholds alone) under a file
lock as soon as it is done, so items of other assignments (and concurrent
runs) are kept. ``--reported`` writes the items' reported figures
(uncalibrated) instead.
"""
import argparse
import datetime
import fcntl
import json
import os
import sys
import time

import numpy as np

from autograder.checks import training
from autograder.checks.student import LocalStudent

RELIABILITY_SEED = 10_000


def _write(assignment, key, prof, rec, path=None):
    """Merge one record into thresholds.json, holding an exclusive lock on the file."""
    with open(path or training.THRESHOLDS, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        text = f.read()
        data = json.loads(text) if text.strip() else {}
        data.setdefault(assignment, {}).setdefault(key, {})[prof] = rec
        f.seek(0)
        f.truncate()
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")
        f.flush()


def _score(item, seed, budget):
    """The reference solution's score for one seed (NaN if it failed to train)."""
    import keras

    keras.utils.clear_session()  # many models in one process: keep Keras's global state small
    try:
        return float(item.score(LocalStudent(item.reference), seed, budget))
    except training.CheckFailure as failure:
        print(f"    seed {seed}: reference failed: {failure}", file=sys.stderr)
        return float("nan")


def machine():
    """What the calibration ran on ("GPU, keras jax", "CPU (2 cores), keras tensorflow"): its scores and seconds belong to it."""
    import keras

    where = "GPU" if training.gpu_visible() else f"CPU ({os.cpu_count()} cores)"
    return f"{where}, keras {keras.backend.backend()}"


def calibrate_item(item, prof, seeds, reliability, committed=None):
    """The record of one item: scores over ``seeds`` seeds, threshold, margin, reliability (also
    against the ``committed`` threshold, when one is given)."""
    budget = item.budgets[prof]
    start = time.perf_counter()
    scores = [_score(item, s, budget) for s in range(seeds)]
    seconds = (time.perf_counter() - start) / seeds
    higher = training.HIGHER_IS_BETTER[item.metric]
    finite = [s for s in scores if s == s]
    if len(finite) < len(scores):
        raise RuntimeError(f"the reference failed on {len(scores) - len(finite)} of {seeds} seeds: fix it first")
    worst = min(scores) if higher else max(scores)
    margin = training.margin_for(scores, item.min_margin_for(prof))
    limit = worst - margin if higher else worst + margin
    rec = {
        "threshold": round(limit, 4), "margin": round(margin, 4),
        "margin_rule": f"max(3 std = {3 * float(np.std(scores)):.4f}, min_margin = {item.min_margin_for(prof)})",
        "metric": item.metric, "direction": "at least" if higher else "at most",
        "scores": [round(s, 4) for s in scores], "seeds": list(range(seeds)),
        "mean": round(float(np.mean(scores)), 4), "std": round(float(np.std(scores)), 4),
        "worst": round(worst, 4), "seconds_per_training": round(seconds, 2),
        "profile": prof, "budget": budget, "calibrated": True,
        "date": datetime.date.today().isoformat(), "calibrated_on": machine(),
    }
    if prof == "gpu" and not training.gpu_visible():
        rec["note"] = "gpu profile calibrated without a GPU: scores as on a GPU grader, seconds_per_training are CPU seconds"
    if reliability:
        grading = [_score(item, RELIABILITY_SEED + i, budget) for i in range(reliability)]
        passed = [s for s in grading if training.passes(s, limit, item.metric)]
        rec["reliability"] = {"passed": len(passed), "of": reliability,
                              "seeds": f"{RELIABILITY_SEED}..{RELIABILITY_SEED + reliability - 1}",
                              "worst": round(min(grading) if higher else max(grading), 4)}
        if committed is not None:
            rec["reliability"]["committed"] = {
                "threshold": committed, "passed": sum(training.passes(s, committed, item.metric) for s in grading)}
    return rec


def reported_record(item, prof):
    """An uncalibrated record from the item's reported figure for ``prof``."""
    fig = item.reported[prof]
    return {"threshold": fig["threshold"], "metric": item.metric, "profile": prof, "budget": item.budgets[prof],
            "calibrated": False, "source": fig["source"], "note": fig.get("note", ""),
            "date": datetime.date.today().isoformat()}


def main(argv=None):
    from autograder.hidden import ASSIGNMENTS

    parser = argparse.ArgumentParser(prog="autograder.calibrate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=training.PROFILES, help="default: the current profile")
    parser.add_argument("--seeds", type=int, default=5, help="reference seeds per item (default 5)")
    parser.add_argument("--assignment", "-a", action="append", help="only this assignment (repeatable)")
    parser.add_argument("--key", "-k", action="append", help="only this item key (repeatable)")
    parser.add_argument("--check-reliability", type=int, default=0, metavar="N",
                        help="also count how many of N grading seeds the reference passes")
    parser.add_argument("--reported", action="store_true", help="write reported figures, uncalibrated")
    parser.add_argument("--thresholds", metavar="PATH",
                        help="write the records here, not to autograder/hidden/thresholds.json (which grading reads)")
    args = parser.parse_args(argv)
    if args.seeds < 2:
        parser.error("--seeds must be at least 2")
    prof = args.profile or training.profile()
    os.environ["AUTOGRADER_PROFILE"] = prof
    failed = False
    for assignment in args.assignment or list(ASSIGNMENTS):
        try:
            items = training.training_items(assignment)
        except ModuleNotFoundError:
            continue
        for key, item in items.items():
            if args.key and key not in args.key:
                continue
            if args.reported:
                if prof in item.reported:
                    _write(assignment, key, prof, reported_record(item, prof), args.thresholds)
                    print(f"{assignment}/{key} [{prof}]: reported threshold {item.reported[prof]['threshold']} (uncalibrated)")
                continue
            committed = training.load_thresholds().get(assignment, {}).get(key, {}).get(prof, {}).get("threshold")
            rec = calibrate_item(item, prof, args.seeds, args.check_reliability, committed)
            _write(assignment, key, prof, rec, args.thresholds)
            rel = rec.get("reliability")
            rel_text = f", reliability {rel['passed']}/{rel['of']}" if rel else ""
            if rel and "committed" in rel:
                rel_text += f" (committed threshold {committed}: {rel['committed']['passed']}/{rel['of']})"
            print(f"{assignment}/{key} [{prof}]: {item.metric} {rec['mean']:.4f} ± {rec['std']:.4f} "
                  f"(worst {rec['worst']:.4f}), threshold {rec['direction']} {rec['threshold']:.4f} "
                  f"(margin {rec['margin']:.4f}){rel_text}, {rec['seconds_per_training']:.1f} s/training", flush=True)
            failed = failed or bool(rel and rel["passed"] < rel["of"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
