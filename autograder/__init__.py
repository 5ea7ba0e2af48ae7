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
import sys

# nbformat validates notebooks with jsonschema, whose format checkers import the optional rfc3987_syntax,
# which builds about 35 Lark parsers at import: 0.8 s of CPU in the grader and in every grading worker,
# for the "iri" formats that no notebook or Jupyter schema uses (python-jsonschema/jsonschema#1428).
# Marked missing here, jsonschema skips that one format check, as it does wherever the package is absent.
sys.modules.setdefault("rfc3987_syntax", None)
