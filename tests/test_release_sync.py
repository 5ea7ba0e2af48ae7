"""release/ is exactly what nbgrader generates from source/, and leaks nothing."""
import re

import pytest

from autograder import notebooks as nbs
from autograder import stock
from autograder.release import assignments_in
from tests.conftest import ROOT

pytestmark = pytest.mark.xdist_group("release-sync")  # one worker regenerates the release once

ASSIGNMENTS = assignments_in(ROOT)
HIDDEN_BLOCK = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def _comparable(nb):
    """Cells as (type, source, metadata): what a student receives."""
    return [(c.cell_type, c.source, dict(c.metadata)) for c in nb.cells]


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    stock.released_course(root, ROOT, ASSIGNMENTS, 30)
    return root


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_is_in_sync_with_source(assignment, regenerated):
    committed = {p.name for p in nbs.notebooks_of(ROOT / "release" / assignment)}
    fresh = {p.name for p in nbs.notebooks_of(regenerated / "release" / assignment)}
    assert committed == fresh, "release/ has other notebooks than source/: run `autograder release`"
    for name in fresh:
        want = _comparable(nbs.read(regenerated / "release" / assignment / name))
        have = _comparable(nbs.read(ROOT / "release" / assignment / name))
        assert have == want, f"release/{assignment}/{name} is out of sync with source/: run `autograder release {assignment}`"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_contains_no_solution_or_hidden_test_line(assignment):
    """No marker anywhere; no hidden-test line anywhere; no solution line in an answer or test cell.

    Markdown and demo cells may show the lectures' code patterns (a Keras
    ``Sequential([``, an update rule); answer and test cells may not hold a
    solution line.
    """
    for source_path in nbs.notebooks_of(ROOT / "source" / assignment):
        source = nbs.read(source_path)
        solution, hidden = set(), set()
        for cell in source.cells:
            solution |= _lines(nbs.SOLUTION_BLOCK.findall(cell.source + "\n"))
            hidden |= _lines(HIDDEN_BLOCK.findall(cell.source))
        release = nbs.read(ROOT / "release" / assignment / source_path.name)
        everything = "\n".join(c.source for c in release.cells)
        graded = "\n".join(c.source for c in release.cells if nbs.is_answer(c) or nbs.is_graded_test(c))
        assert "BEGIN SOLUTION" not in everything and "BEGIN HIDDEN TESTS" not in everything
        assert "run_in_kernel" not in everything
        leaked = [line for line in hidden if line in everything] + [line for line in solution if line in graded]
        assert not leaked, f"release/{assignment}/{source_path.name} contains solution or hidden-test lines: {leaked[:3]}"


def _lines(blocks):
    """The substantial, non-comment lines of code blocks."""
    return {line.strip() for block in blocks for line in block.splitlines()
            if len(line.strip()) > 12 and not line.strip().startswith("#")}
