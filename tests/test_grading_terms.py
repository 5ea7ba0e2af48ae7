"""The grading terms in the notebooks and in assignments/grading_terms.json are thresholds.json's."""
import copy
import shutil

from autograder import grading_terms as gt
from autograder import notebooks as nbs
from autograder.checks import training
from tests.conftest import ROOT


def test_notebooks_and_public_terms_match_thresholds():
    stale = gt.stale()
    assert not stale, ("out of date with autograder/hidden/thresholds.json: "
                       f"{[str(p.relative_to(ROOT)) for p in stale]}; run `python -m autograder.grading_terms` "
                       "and `python -m autograder release <assignment>`")


def test_a_changed_threshold_or_budget_makes_the_terms_stale():
    changed = copy.deepcopy(training.load_thresholds())
    changed["07_fashion_mnist"]["build_model"]["cpu"]["threshold"] += 0.01
    changed["09_cnn"]["cnn"]["gpu"]["budget"]["epochs"] += 1
    stale = {p.relative_to(ROOT).as_posix() for p in gt.stale(ROOT, changed)}
    assert stale == {"source/07_fashion_mnist/fashion_mnist.ipynb", "source/09_cnn/cnn.ipynb", "assignments/grading_terms.json"}


def test_every_training_check_is_described_by_a_graded_cell_of_its_notebook():
    thresholds = training.load_thresholds()
    keys = {(a, k) for a in gt.assignments_with_terms(thresholds) for k in thresholds[a]}
    assert keys == set(gt.CHECKED_BY), f"CHECKED_BY differs from thresholds.json: {keys ^ set(gt.CHECKED_BY)}"
    for (assignment, key), (cell, _) in gt.CHECKED_BY.items():
        graded = nbs.graded_cells(nbs.read(gt._notebook(ROOT, assignment)))
        assert cell in graded, f"{assignment}/{key}: no graded cell {cell} in the source notebook"


def test_released_notebooks_carry_the_terms():
    thresholds = training.load_thresholds()
    for assignment in gt.assignments_with_terms(thresholds):
        release = nbs.read(ROOT / "release" / assignment / gt._notebook(ROOT, assignment).name)
        cell = gt.terms_cell(release)
        assert cell is not None and cell.source == gt.terms_cell(nbs.read(gt._notebook(ROOT, assignment))).source, \
            f"release/{assignment} lacks the grading terms: run `python -m autograder release {assignment}`"


def test_write_inserts_the_cell_once_after_the_introduction_then_keeps_it(tmp_path):
    shutil.copytree(ROOT / "source" / "10_rnn", tmp_path / "source" / "10_rnn")
    (tmp_path / "assignments").mkdir()
    path = tmp_path / "source" / "10_rnn" / "rnn.ipynb"
    nb = nbs.read(path)
    nb.cells = [c for c in nb.cells if nbs.grade_id(c) != gt.CELL_ID]
    path.write_text(gt.nbformat.writes(nb) + "\n")
    only_10 = {"10_rnn": training.load_thresholds()["10_rnn"]}

    assert set(gt.write(tmp_path, only_10)) == {path, tmp_path / "assignments" / "grading_terms.json"}
    cells = nbs.read(path).cells
    assert nbs.grade_id(cells[1]) == gt.CELL_ID and [nbs.grade_id(c) for c in cells].count(gt.CELL_ID) == 1
    assert "at least 0.895 |" in cells[1].source and "selfcheck.training(build_sequence_model" in cells[1].source
    assert gt.write(tmp_path, only_10) == [] and gt.stale(tmp_path, only_10) == []
