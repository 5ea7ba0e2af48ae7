"""Feedback that teaches: a training check's page shows the score reached, the threshold, the budget and the
grader's learning curve; the instructor report links every student's page and groups failures by check and kind."""
import base64
import re

from autograder.engine.feedback import training_summary, write_instructor_report, write_student_feedback
from autograder.results import FAILED, PASSED, STUDENT_ERROR, CheckResult, ItemResult, NotebookResult, SubmissionResult

TRAINING = {"metric": "accuracy", "score": 0.8123, "threshold": 0.85, "higher_is_better": True,
            "budget": {"epochs": 5, "n_train": 2000},
            "curve": {"loss": [1.2, 0.8, 0.6, 0.5, 0.45], "val_loss": [1.1, 0.9, 0.8, 0.78, 0.8],
                      "accuracy": [0.5, 0.7, 0.78, 0.8, 0.81]}}


def submission(student, message="accuracy 0.81 < 0.85 on 2,000 hidden images", details=TRAINING, status=FAILED):
    checks = [CheckResult("cnn_accuracy", "the CNN reaches the calibrated accuracy", status, message, 1.0, 2.0, details),
              CheckResult("cnn_shapes", "the CNN maps (28, 28, 1) to 10 classes", PASSED, "", 0.1, 1.0)]
    item = ItemResult("test_cnn", 3.0, 0.0, checks)
    item.settle()
    return SubmissionResult("09_cnn", student, [NotebookResult("cnn.ipynb", [item])], 3.0)


def images(html):
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([^"]+)"', html)]


def test_a_training_check_shows_score_threshold_budget_and_learning_curve(tmp_path):
    write_student_feedback(submission("ann"), tmp_path / "feedback.html")
    html = (tmp_path / "feedback.html").read_text()
    assert "accuracy <b>0.8123</b>, needed &gt;= 0.85" in html
    assert "Budget: 5 epochs, 2000 training examples." in html
    plots = images(html)
    assert len(plots) == 1 and plots[0].startswith(b"\x89PNG") and len(plots[0]) > 5000


def test_missing_keys_and_errors_still_render():
    mse = training_summary({"metric": "mse", "score": 31.5, "higher_is_better": False, "threshold": 40})
    assert (mse["comparison"], mse["plot"], mse["budget"]) == ("<=", "", [])
    only_curve = training_summary({"curve": {"loss": [1.0, 0.5], "junk": "x", "empty": []}})
    assert only_curve["score"] is None and only_curve["plot"]
    assert training_summary({}) is None and training_summary(None) is None
    assert training_summary({"score": "high", "curve": {"loss": ["a"]}}) is None


def test_report_links_each_students_feedback_and_groups_failures_by_check_and_kind(tmp_path):
    results = [submission("ann"), submission("ben", "accuracy 0.79 < 0.85 on 2,000 hidden images"),
               submission("cat", "build_cnn raised ValueError", {}, STUDENT_ERROR)]
    report = tmp_path / "reports" / "09_cnn.html"
    write_instructor_report("09_cnn", results, {}, report, tmp_path / "feedback")
    html = report.read_text()
    for student in ("ann", "ben", "cat"):
        assert f'href="../feedback/{student}/09_cnn/feedback.html"' in html
    assert "cnn_accuracy: failed (2x)" in html  # two messages, one failure
    assert len(images(html)) == 1  # the histogram
