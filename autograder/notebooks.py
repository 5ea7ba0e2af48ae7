"""Reading nbgrader notebooks: their cells by role, and students made from them.

A course notebook's cells carry nbgrader metadata. The roles that matter here:
answer cells (``solution``), graded test cells (``grade`` and not
``solution``), locked cells, and locked ``demo`` cells (tagged ``demo``:
plots and training demonstrations that grading need not run).
"""
import copy
import re
from pathlib import Path

import nbformat

SOLUTION_BLOCK = re.compile(r"^[ \t]*### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION[^\n]*\n?", re.S | re.M)


def read(path):
    """Read a notebook as nbformat v4."""
    return nbformat.read(str(path), as_version=4)


def nbgrader_meta(cell):
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def grade_id(cell):
    return nbgrader_meta(cell).get("grade_id")


def is_answer(cell):
    return bool(nbgrader_meta(cell).get("solution"))


def is_graded_test(cell):
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def is_demo(cell):
    return "demo" in cell.get("metadata", {}).get("tags", [])


def points(cell):
    return float(nbgrader_meta(cell).get("points", 0))


def graded_cells(nb):
    """The ``{grade_id: points}`` of every graded test cell, in notebook order."""
    return {grade_id(c): points(c) for c in nb.cells if is_graded_test(c)}


def reference_answer(cell):
    """An answer cell's source with the solution markers removed (the reference solution)."""
    return SOLUTION_BLOCK.sub(lambda m: m.group(1), cell.source)


def notebooks_of(assignment_dir):
    """The notebook paths of one assignment folder."""
    return sorted(Path(assignment_dir).glob("*.ipynb"))


def make_submission(release_nb, source_nb, answers=None, use_reference=True):
    """A student's notebook: the release with its answer cells filled in.

    ``answers`` maps an answer cell's grade_id to the code a student wrote;
    answer cells it does not name get the reference solution when
    ``use_reference`` is true and stay untouched otherwise.
    """
    answers = answers or {}
    unknown = set(answers) - {grade_id(c) for c in release_nb.cells if is_answer(c)}
    if unknown:
        raise KeyError(f"no answer cell with grade_id {sorted(unknown)}")
    reference = {grade_id(c): reference_answer(c) for c in source_nb.cells if is_answer(c)}
    nb = copy.deepcopy(release_nb)
    for cell in nb.cells:
        gid = grade_id(cell)
        if is_answer(cell) and gid in answers:
            cell.source = answers[gid]
        elif is_answer(cell) and use_reference:
            cell.source = reference[gid]
    return nb
