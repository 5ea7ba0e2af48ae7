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
    metadata = cell.get("metadata")
    meta = metadata.get("nbgrader", {}) if isinstance(metadata, dict) else {}
    return meta if isinstance(meta, dict) else {}


def grade_id(cell):
    gid = nbgrader_meta(cell).get("grade_id")
    return gid if isinstance(gid, str) else None


def is_answer(cell):
    return bool(nbgrader_meta(cell).get("solution"))


def is_graded_test(cell):
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def is_demo(cell):
    metadata = cell.get("metadata")
    tags = metadata.get("tags", []) if isinstance(metadata, dict) else []
    return isinstance(tags, list) and "demo" in tags


def points(cell):
    return float(nbgrader_meta(cell).get("points", 0))


def graded_cells(nb):
    """The ``{grade_id: points}`` of every graded test cell, in notebook order."""
    return {grade_id(c): points(c) for c in nb.cells if is_graded_test(c)}


def reference_answer(cell):
    """An answer cell's source with the solution markers removed (the reference solution)."""
    return SOLUTION_BLOCK.sub(lambda m: m.group(1), cell.source)


def sanitize(nb):
    """A student's notebook with every cell in the form the grader reads: ``(notebook, notes)``.

    A cell that is not a code, markdown or raw cell with text source is left
    out; grading metadata of the wrong types is dropped. Each change is
    noted for the student (and flags the submission).
    """
    cells, notes = [], []
    raw = nb.get("cells") if isinstance(nb, dict) else None
    for number, cell in enumerate(raw if isinstance(raw, list) else [], start=1):
        kind = cell.get("cell_type") if isinstance(cell, dict) else None
        source = cell.get("source", "") if isinstance(cell, dict) else None
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        if kind not in ("code", "markdown", "raw") or not isinstance(source, str):
            notes.append(f"your cell {number} is malformed (not a code, markdown or raw cell with text); it was left out")
            continue
        metadata = cell.get("metadata")
        metadata = dict(metadata) if isinstance(metadata, dict) else {}
        meta = metadata.get("nbgrader")
        if meta is not None and (not isinstance(meta, dict) or not isinstance(meta.get("grade_id", ""), str)):
            notes.append(f"your cell {number} carries grading metadata of the wrong types; it was ignored")
            metadata.pop("nbgrader")
        if not isinstance(metadata.get("tags", []), list):
            metadata.pop("tags")
        make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell,
                "raw": nbformat.v4.new_raw_cell}[kind]
        cells.append(make(source=source, metadata=metadata))
    return nbformat.v4.new_notebook(cells=cells), notes


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
