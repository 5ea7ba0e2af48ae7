"""The exceptions a check raises: their message is what the student reads."""


class CheckFailure(AssertionError):
    """A graded check did not pass: the answer is wrong.

    Subclasses ``AssertionError`` so that a hidden-test cell run by stock
    nbgrader fails the way an ``assert`` does. ``details`` (plain data) go
    into the check's result, e.g. a training check's score and threshold.
    """

    def __init__(self, message, details=None):
        super().__init__(message)
        self.details = dict(details or {})


class StudentError(CheckFailure):
    """The student's code could not be checked: it raised, crashed, hung, is missing or sent something
    unreadable. Scored like a failure; reported as the student's error, not a wrong value."""
