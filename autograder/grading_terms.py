"""The terms of every training check, generated from ``autograder/hidden/thresholds.json``.

Students can predict their grade only if they know what the grader trains, for how long, on how
much data, and what score passes. This module writes those terms, per profile, into a locked
markdown cell of each source notebook that has training checks, and the same numbers into the
public ``assignments/grading_terms.json`` that ``assignments.selfcheck`` reads, so neither can
drift from the thresholds that grade (``tests/test_grading_terms.py`` fails when they do).

Usage: ``python -m autograder.grading_terms [--check]`` (``--check``: only say what is out of
date, exit 1 if anything is). Run ``autograder release`` for the notebooks it rewrote.
"""
import argparse
import json
import sys
from pathlib import Path

import nbformat

from autograder import notebooks as nbs
from autograder.checks import training

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = ROOT / "assignments" / "grading_terms.json"
CELL_ID = "grading_terms"
MARKER = ("<!-- generated from autograder/hidden/thresholds.json by `python -m autograder.grading_terms`: "
          "do not edit by hand -->")

# (assignment, training key) -> (the graded cell it decides, what the grader trains). Every key of
# thresholds.json must be here (tested), so a new training check cannot go undocumented.
CHECKED_BY = {
    ("06_keras_basics", "xor"): ("test_xor_learns", "`build_xor_model()` on noisy XOR points; the worst of 3 initialisations counts"),
    ("06_keras_basics", "logistic"): ("test_logistic_learns", "`build_logistic_model(2)` on banknote blobs"),
    ("06_keras_basics", "regression"): ("test_regression_learns", "`build_regression_model(13)` on standardised Boston housing, "
                                        "trained once per fold (each fold of the 506 houses is the test set once)"),
    ("06_keras_basics", "mlp_sequential"): ("test_mlp_learns", "`build_mlp_sequential()` on MNIST digits"),
    ("06_keras_basics", "mlp_functional"): ("test_mlp_learns", "`build_mlp_functional()` on MNIST digits"),
    ("07_fashion_mnist", "build_model"): ("test_build_model_learns", "`build_model()` on Fashion-MNIST"),
    ("07_fashion_mnist", "train"): ("test_train", "`build_model()` trained by your `train` (your epochs and early stopping)"),
    ("08_regularization", "overfitting"): ("test_build_regularized_model_training",
                                           "`build_regularized_model()` and the same network without regularisation, "
                                           "on a small subset of Fashion-MNIST with noisy labels"),
    ("08_regularization", "accuracy"): ("test_build_regularized_model_training", "`build_regularized_model()`, as above"),
    ("09_cnn", "cnn"): ("test_build_cnn_training", "`build_cnn()` on Fashion-MNIST images"),
    ("10_rnn", "sequence"): ("test_build_sequence_model_training",
                             "`build_sequence_model(vocab_size, maxlen)` on reviews where word order decides the label"),
    ("11_modular_backprop", "train_mlp"): ("test_train_mlp_hidden", "your `train_mlp`; its weights are scored on MNIST digits it never saw"),
    ("14_probabilistic_regression", "nll"): ("test_gaussian_model_learns", "`build_gaussian_model(1)` on heteroscedastic data"),
    ("14_probabilistic_regression", "coverage"): ("test_gaussian_model_calibrated", "`build_gaussian_model(1)`, as above"),
}
# What is measured, where the metric's name alone would mislead.
MEASURES = {("08_regularization", "overfitting"): "how much smaller its overfitting gap (test loss - training loss) is",
            ("06_keras_basics", "regression"): "mean test MSE over the folds"}
METRICS = {"accuracy": "test accuracy", "mse": "test MSE", "nll": "mean test NLL",
           "coverage_error": "largest coverage error of its 68% / 95% intervals"}
BUDGET_WORDS = {"folds": "{} folds", "n_train": "{:,} training", "n_val": "{:,} validation", "n_test": "{:,} test examples",
                "epochs": "{} epochs", "steps": "{} batches", "batch_size": "batch size {}", "inits": "{} initialisations"}


def assignments_with_terms(thresholds):
    return sorted(a for a in thresholds if not a.startswith("_"))


def public_terms(thresholds):
    """``{assignment: {key: {profile: {metric, direction, threshold, budget}}}}``: what students may know."""
    return {a: {key: {prof: {"metric": rec["metric"], "direction": rec["direction"], "threshold": rec["threshold"],
                             "budget": rec["budget"]} for prof, rec in sorted(profiles.items())}
                for key, profiles in sorted(thresholds[a].items())}
            for a in assignments_with_terms(thresholds)}


def _budget_text(budget):
    """The budget in words: the data, then how long, then the rest (in BUDGET_WORDS's order)."""
    known = [BUDGET_WORDS[k].format(budget[k]) for k in BUDGET_WORDS if k in budget]
    return ", ".join(known + [f"{k.replace('_', ' ')} = {v}" for k, v in sorted(budget.items()) if k not in BUDGET_WORDS])


def _threshold_text(key, rec):
    """As the grader's messages write it: a share for 08's overfitting reduction, else the number."""
    number = f"{rec['threshold']:.1%}" if key == "overfitting" else f"{rec['threshold']:.4g}"
    return f"{rec['direction']} {number}"


def render(assignment, thresholds, selfcheck_keys=()):
    """The markdown of ``assignment``'s grading-terms cell."""
    rows = ["| graded cell | what the grader trains | what must pass | profile | threshold | budget |",
            "|---|---|---|---|---|---|"]
    for key in _keys(assignment, thresholds):
        cell, what = CHECKED_BY[(assignment, key)]
        for prof, rec in sorted(thresholds[assignment][key].items()):
            measure = MEASURES.get((assignment, key), METRICS.get(rec["metric"], rec["metric"]))
            rows.append(f"| `{cell}` | {what} | {measure} | {prof} | {_threshold_text(key, rec)} "
                        f"| {_budget_text(rec['budget'])} |")
    text = [MARKER, "### How the training cells are graded", "",
            "The grader trains your model itself, on hidden data drawn like this notebook's data, with a fixed budget. "
            "It uses the `cpu` terms when it grades on a CPU and the `gpu` terms on a GPU; a graded cell passes when every "
            "score in its rows reaches the threshold. The data are hidden, the terms are not:", "", *rows]
    if selfcheck_keys:
        example = f"selfcheck.training({_builder(assignment, selfcheck_keys[0])}, \"{assignment}\", \"{selfcheck_keys[0]}\")"
        text += ["", "Check your model before you submit: `from assignments import selfcheck` and "
                 f"`{example}` trains it with the `cpu` budget on public data and prints its score next to the threshold "
                 f"(keys: {', '.join(f'`{k}`' for k in selfcheck_keys)}). The hidden data differ, so a score just at "
                 "the threshold may still fail."]
    return "\n".join(text)


def _keys(assignment, thresholds):
    """The assignment's training keys in CHECKED_BY's order (a key missing there is an error)."""
    missing = set(thresholds[assignment]) - {k for a, k in CHECKED_BY if a == assignment}
    if missing:
        raise KeyError(f"{assignment}: thresholds.json has training keys {sorted(missing)} that CHECKED_BY does not describe")
    return [k for a, k in CHECKED_BY if a == assignment and k in thresholds[assignment]]


def _builder(assignment, key):
    return CHECKED_BY[(assignment, key)][1].split("`")[1].split("(")[0]


def _selfcheck_keys(assignment):
    from assignments import selfcheck

    return tuple(k for a, k in selfcheck.PUBLIC_DATA if a == assignment)


def _notebook(root, assignment):
    found = nbs.notebooks_of(Path(root) / "source" / assignment)
    if len(found) != 1:
        raise SystemExit(f"{assignment}: expected one source notebook, found {len(found)}")
    return found[0]


def terms_cell(nb):
    """The notebook's grading-terms cell, or None."""
    cells = [c for c in nb.cells if nbs.grade_id(c) == CELL_ID]
    return cells[0] if cells else None


def _new_cell(source):
    cell = nbformat.v4.new_markdown_cell(source)
    cell.metadata["nbgrader"] = {"grade": False, "grade_id": CELL_ID, "locked": True, "schema_version": 3,
                                 "solution": False, "task": False}
    return cell


def stale(root=ROOT, thresholds=None):
    """What is out of date with ``thresholds`` (default: thresholds.json): notebook paths and the public json."""
    thresholds = thresholds if thresholds is not None else training.load_thresholds()
    out = []
    for assignment in assignments_with_terms(thresholds):
        path = _notebook(root, assignment)
        cell = terms_cell(nbs.read(path))
        if cell is None or cell.source != render(assignment, thresholds, _selfcheck_keys(assignment)):
            out.append(path)
    public = Path(root) / PUBLIC.relative_to(ROOT)
    if not public.exists() or json.loads(public.read_text()) != public_terms(thresholds):
        out.append(public)
    return out


def write(root=ROOT, thresholds=None):
    """Rewrite what is out of date (a missing cell goes right after the introduction); return the paths."""
    thresholds = thresholds if thresholds is not None else training.load_thresholds()
    changed = stale(root, thresholds)
    for path in changed:
        if path.suffix == ".json":
            path.write_text(json.dumps(public_terms(thresholds), indent=1, sort_keys=True) + "\n")
            continue
        assignment = path.parent.name
        nb = nbs.read(path)
        source = render(assignment, thresholds, _selfcheck_keys(assignment))
        cell = terms_cell(nb)
        if cell is None:
            nb.cells.insert(1, _new_cell(source))
        else:
            cell.source = source
        path.write_text(nbformat.writes(nb) + "\n")
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.grading_terms", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only list what is out of date; exit 1 if anything is")
    args = parser.parse_args(argv)
    paths = stale() if args.check else write()
    for path in paths:
        print(f"{'out of date' if args.check else 'wrote'}: {path.relative_to(ROOT)}")
    if not args.check and any(p.suffix == ".ipynb" for p in paths):
        print("now run: python -m autograder release " + " ".join(sorted({p.parent.name for p in paths if p.suffix == '.ipynb'})))
    return 1 if args.check and paths else 0


if __name__ == "__main__":
    sys.exit(main())
