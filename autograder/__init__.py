"""The course autograder.

Read it top-down:

- ``autograder.checks``  — the check library: named checks with precise messages
  (shapes, values, gradients, Keras models), called by the hidden checks.
- ``autograder.hidden``  — the hidden checks of every assignment, keyed by the
  nbgrader ``grade_id`` of the test cell they grade.
- ``autograder.kernel``  — the only code that runs inside a student's sandbox:
  it executes cells and calls student functions on request.
- ``autograder.sandbox`` — the boundary: the sandboxed process, the protocol
  and the client that is the only grader code to read the sandbox's bytes.
- ``autograder.engine``  — the grading engine: plan, grade, batch, record.
- ``autograder.cli``     — ``autograder grade|ci|release|demo|calibrate ...``.
"""
