"""What runs and what is graded comes from the instructor's notebook, whatever the student did to theirs."""
import copy

from autograder import notebooks as nbs
from autograder.engine.plan import make_plan
from tests.conftest import ROOT

SOURCE = nbs.read(ROOT / "source" / "01_neuron" / "neuron.ipynb")
RELEASE = nbs.read(ROOT / "release" / "01_neuron" / "neuron.ipynb")


def student(edit=None):
    nb = nbs.make_submission(RELEASE, SOURCE)
    if edit:
        edit(nb)
    return nb


def test_plan_runs_setup_and_answers_but_never_tests_or_demos():
    plan = make_plan(SOURCE, student())
    roles = {c.label: c.role for c in plan.cells}
    assert roles["imports"] == "setup" and roles["sigmoid"] == "answer"
    assert not any(label.startswith("test_") or label.startswith("plot_") for label in roles)
    assert [i.grade_id for i in plan.items][:2] == ["test_sigmoid_visible", "test_sigmoid_hidden"]
    assert sum(i.points for i in plan.items) == 20 and not plan.problems


def test_locked_cells_run_in_their_original_form():
    def tamper(nb):
        nbs_cell = next(c for c in nb.cells if nbs.grade_id(c) == "imports")
        nbs_cell.source = "np = None"
    plan = make_plan(SOURCE, student(tamper))
    assert next(c for c in plan.cells if c.label == "imports").source.startswith("import numpy as np")


def test_added_cells_run_where_the_student_put_them():
    def add(nb):
        index = next(i for i, c in enumerate(nb.cells) if nbs.grade_id(c) == "relu")
        nb.cells.insert(index + 1, nbs.nbformat.v4.new_code_cell("helper = 1"))
    labels = [c.label for c in make_plan(SOURCE, student(add)).cells]
    assert labels[labels.index("relu") + 1].startswith("your cell")


def test_points_cannot_be_changed_by_the_student():
    def inflate(nb):
        for cell in nb.cells:
            if nbs.is_graded_test(cell):
                cell.metadata["nbgrader"]["points"] = 1000
    plan = make_plan(SOURCE, student(inflate))
    assert sum(i.points for i in plan.items) == 20
    assert any("grading metadata changed" in p for p in plan.problems)


def test_missing_duplicated_and_retyped_cells_are_reported():
    def mangle(nb):
        cells = [c for c in nb.cells if nbs.grade_id(c) not in {"neuron", "test_relu"}]
        sig = next(c for c in cells if nbs.grade_id(c) == "sigmoid")
        cells.insert(0, copy.deepcopy(sig))
        dec = next(c for c in cells if nbs.grade_id(c) == "decision_boundary")
        dec.cell_type = "raw"
        nb.cells = cells
    problems = " | ".join(make_plan(SOURCE, student(mangle)).problems)
    assert "answer cell `neuron` is missing" in problems
    assert "`sigmoid` appears more than once" in problems
    assert "`decision_boundary` was changed to a raw cell" in problems
    assert "test cell `test_relu` is missing" in problems
