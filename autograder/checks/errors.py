"""The one exception a check raises: its message is what the student reads."""


class CheckFailure(AssertionError):
    """A graded check did not pass.

    Subclasses ``AssertionError`` so that a hidden-test cell run by stock
    nbgrader fails the way an ``assert`` does.
    """
