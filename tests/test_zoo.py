"""`autograder ci` for every assignment: solution full, release zero, every bug loses, every alternative full.

Each assignment is graded twice, through stock `nbgrader autograde` (the
hidden-test cells in the student's kernel) and through the grading engine
(the same checks from outside the sandbox); both must agree with the zoo.
`autograder ci` without options grades every case with both.
"""
import io
import os
from pathlib import Path

import pytest
from rich.console import Console

from autograder import ci
from autograder.checks.training import training_items
from autograder.engine.grade import preloads
from autograder.release import assignments_in
from tests.conftest import ROOT


@pytest.mark.parametrize("assignment", assignments_in(ROOT))
def test_zoo_is_graded_as_expected_by_both_graders(assignment):
    out = io.StringIO()
    # Stock nbgrader also runs every training demo (about 40 s a case): on Keras assignments it proves its
    # path on a sample (solution, release, a bug and an alternative, of a model the grader trains where
    # there is one); the engine grades the whole zoo.
    trained = {name for item in training_items(assignment).values() for name in item.reference}
    keras = "keras" in preloads(ROOT / "source" / assignment)
    ok = ci.run(ROOT, [assignment], ROOT / "tests" / "zoo", graders=("stock", "engine"),
                console=Console(file=out, width=160, force_terminal=False),
                sampled=("stock",) if keras else (), sample_answers=trained)
    (Path(os.environ["ZOO_TABLES"]) / f"{assignment}.txt").write_text(out.getvalue())  # printed in the summary
    assert ok, f"autograder ci -a {assignment}: some case was not graded as expected\n{out.getvalue()}"
