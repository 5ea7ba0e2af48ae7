"""Feedback HTML for each student and a grading report for the instructor.

Both are made from SubmissionResults only: check descriptions and messages,
never the source of a hidden test.
"""
import base64
import io
import os
import statistics
from collections import Counter
from pathlib import Path

import jinja2

FEEDBACK_FILE = "feedback.html"
_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
    trim_blocks=True, lstrip_blocks=True,
)


def write_student_feedback(result, path):
    """One student's feedback page; a training check shows what the grader's training of their model reached."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    html = _TEMPLATES.get_template("student.html.j2").render(r=result, training=training_summary)
    path.write_text(html, encoding="utf-8")


def training_summary(details):
    """What a training check's ``details`` teach, for the page: the score reached against the threshold, the
    budget, and a learning-curve plot (a PNG, base64) of the grader's training; None when it is no training.

    ``details``: ``{"metric", "score", "threshold", "higher_is_better", "budget": {...}, "curve": {series: [...]}}``,
    any key may be missing.
    """
    details = details if isinstance(details, dict) else {}
    score, threshold = _number(details.get("score")), _number(details.get("threshold"))
    curve = {name: [v for v in map(_number, values) if v is not None]
             for name, values in (details.get("curve") or {}).items() if isinstance(values, list)}
    curve = {name: values for name, values in curve.items() if values}
    if score is None and not curve:
        return None
    higher = details.get("higher_is_better", True) is not False
    budget = details.get("budget") if isinstance(details.get("budget"), dict) else {}
    return {
        "metric": str(details.get("metric") or "score"),
        "score": score, "threshold": threshold, "comparison": ">=" if higher else "<=",
        "budget": [(BUDGET_WORDS.get(k, k.replace("_", " ")), v) for k, v in budget.items() if _plain(v)],
        "plot": _curve_png(curve) if curve else "",
    }


BUDGET_WORDS = {"folds": "folds (the mean over them counts)", "n_train": "training examples", "n_test": "test examples",
                "epochs": "epochs", "batch_size": "batch size", "n_val": "validation examples", "steps": "training steps"}


def _number(value):
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _plain(value):
    return isinstance(value, (int, float, str)) and not isinstance(value, bool)


def _curve_png(curve):
    """The per-epoch series of the grader's training, losses on the left axis and the rest on the right."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 2.8))
    other = None
    for name, values in curve.items():
        epochs = range(1, len(values) + 1)
        if "loss" in name or "error" in name:
            ax.plot(epochs, values, marker="o", label=name)
        else:
            other = other or ax.twinx()
            other.plot(epochs, values, marker="s", linestyle="--", label=name, color="#2a8a4a" if "val" in name else "#7a4ab0")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    handles = ax.get_legend_handles_labels()
    if other is not None:
        other.set_ylabel("metric")
        handles = [a + b for a, b in zip(handles, other.get_legend_handles_labels())]
    ax.legend(*handles, fontsize=8, loc="best")
    ax.set_title("the grader's training of your model", fontsize=9)
    return _png(fig, plt)


def write_instructor_report(assignment, results, failures, path, feedback_root=None):
    """Per-item pass rates, a score histogram, the slowest and the flagged submissions, and a link to each
    student's feedback page (``<feedback_root>/<student>/<assignment>/feedback.html``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    scores = [r.score for r in results]
    links = {} if feedback_root is None else {
        r.student: os.path.relpath(Path(feedback_root) / r.student / assignment / FEEDBACK_FILE, path.parent)
        for r in results}
    html = _TEMPLATES.get_template("instructor.html.j2").render(
        assignment=assignment, results=results, failures=failures, links=links,
        max_score=results[0].max_score if results else 0,
        mean=statistics.fmean(scores) if scores else 0.0, median=statistics.median(scores) if scores else 0.0,
        histogram=_histogram(scores, results[0].max_score if results else 1), items=_item_rows(results),
        slowest=sorted(results, key=lambda r: -r.seconds)[:10], flagged=[r for r in results if r.flagged],
    )
    path.write_text(html, encoding="utf-8")


def _item_rows(results):
    """Per graded cell: pass rate, and the most common failure as the check that failed and how (its status),
    not its message, which differs per student (hidden inputs are per student)."""
    rows = {}
    for result in results:
        for nb in result.notebooks:
            for item in nb.items:
                row = rows.setdefault(item.grade_id, {"grade_id": item.grade_id, "points": item.points, "passed": 0,
                                                      "total": 0, "failures": Counter()})
                row["total"] += 1
                row["passed"] += item.score >= item.points
                for check in item.checks:
                    if not check.passed:
                        row["failures"][(check.name, check.status)] += 1
    for row in rows.values():
        row["rate"] = row["passed"] / row["total"]
        common = row["failures"].most_common(1)
        row["common"] = f"{common[0][0][0]}: {common[0][0][1]} ({common[0][1]}x)" if common else ""
    return list(rows.values())


def _histogram(scores, max_score):
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 2.6))
    ax.hist(scores, bins=min(20, max(int(max_score), 1)), range=(0, max(max_score, 1)), color="#4a7fc1")
    ax.set_xlabel("total score")
    ax.set_ylabel("submissions")
    return _png(fig, plt)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig, plt):
    """A figure as base64 PNG, for an ``<img src="data:...">`` (the page stays one file)."""
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()
