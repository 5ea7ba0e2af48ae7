"""What grading produces: a result per check, graded cell, notebook and submission.

Every check result has a ``status``: ``passed``, ``failed`` (a wrong answer),
``student error`` (the student's code crashed, hung or could not be called)
or ``grader error`` (a fault in the grader: the submission is flagged for a
person and never gains a point from it). A graded cell's points are split
over its checks (``point_shares``), so one failed check of a bundled cell
costs only its share. Results travel as JSON (``autograder.json``).
"""
import dataclasses

PASSED, FAILED, STUDENT_ERROR, GRADER_ERROR = "passed", "failed", "student error", "grader error"
STATUSES = (PASSED, FAILED, STUDENT_ERROR, GRADER_ERROR)


@dataclasses.dataclass
class CheckResult:
    name: str
    description: str
    status: str
    message: str
    seconds: float
    points: float = 0.0                                       # this check's share of its cell's points
    details: dict = dataclasses.field(default_factory=dict)  # e.g. a training check's score, threshold, budget, curve

    @property
    def passed(self):
        return self.status == PASSED

    @property
    def score(self):
        return self.points if self.passed else 0.0


@dataclasses.dataclass
class ItemResult:
    grade_id: str
    points: float
    score: float
    checks: list

    def settle(self):
        """Score the item from its checks: the sum of the shares of the checks that passed."""
        self.score = float(sum(c.score for c in self.checks)) if self.checks else 0.0
        if self.checks and all(c.passed for c in self.checks):
            self.score = self.points  # exact, whatever the rounding of the shares


@dataclasses.dataclass
class CellRun:
    label: str
    role: str
    ok: bool
    error: str
    output: str
    seconds: float
    source: str = ""


@dataclasses.dataclass
class NotebookResult:
    name: str
    items: list
    cells: list = dataclasses.field(default_factory=list)
    problems: list = dataclasses.field(default_factory=list)
    error: str = ""  # set when the notebook could not be graded at all


@dataclasses.dataclass
class SubmissionResult:
    assignment: str
    student: str
    notebooks: list
    seconds: float = 0.0
    fingerprint: str = ""
    problems: list = dataclasses.field(default_factory=list)  # notes about the submission folder (refused files)
    error: str = ""  # a grader error: the submission has no grade, and the next run grades it again

    @property
    def score(self):
        return sum(i.score for nb in self.notebooks for i in nb.items)

    @property
    def max_score(self):
        return sum(i.points for nb in self.notebooks for i in nb.items)

    @property
    def grader_errors(self):
        return [c for nb in self.notebooks for i in nb.items for c in i.checks if c.status == GRADER_ERROR]

    @property
    def flagged(self):
        """Needs a human look: the notebook was tampered with, could not be graded, or a check broke."""
        return bool(self.grader_errors or self.problems or self.error) or any(nb.problems or nb.error for nb in self.notebooks)

    @property
    def reusable(self):
        """Whether a later run may keep this result instead of grading again (not after a grader fault)."""
        return not self.error and not self.grader_errors

    def to_json(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data):
        notebooks = []
        for nb in data["notebooks"]:
            items = [ItemResult(**{**i, "checks": [CheckResult(**c) for c in i["checks"]]}) for i in nb["items"]]
            notebooks.append(NotebookResult(**{**nb, "items": items, "cells": [CellRun(**c) for c in nb["cells"]]}))
        return cls(**{**data, "notebooks": notebooks})


def point_shares(checks, points):
    """Each check's share of a cell's ``points``, in proportion to its ``weight`` (1 unless set with
    ``@weight``); the shares add up to ``points`` exactly."""
    weights = [float(getattr(check, "weight", 1.0)) for check in checks]
    total = sum(weights)
    if not checks or total <= 0:
        return [0.0] * len(checks)
    shares = [points * w / total for w in weights]
    shares[-1] = points - sum(shares[:-1])
    return shares


def weight(value):
    """Decorator: this check counts ``value`` times as much as a check without a weight in its cell."""
    def mark(check):
        check.weight = float(value)
        return check
    return mark
