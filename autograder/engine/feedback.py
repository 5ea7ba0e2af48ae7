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
    """One student's feedback page."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_TEMPLATES.get_template("student.html.j2").render(r=result), encoding="utf-8")


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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 2.6))
    ax.hist(scores, bins=min(20, max(int(max_score), 1)), range=(0, max(max_score, 1)), color="#4a7fc1")
    ax.set_xlabel("total score")
    ax.set_ylabel("submissions")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()
