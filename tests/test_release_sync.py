"""release/ is exactly what nbgrader generates from source/, and leaks nothing."""
import re
import shutil

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
    shutil.copytree(ROOT / "source", root / "source")
    (root / "nbgrader_config.py").write_text(stock.CONFIG.format(root=str(root), timeout=30))
    for assignment in ASSIGNMENTS:
        stock.nbgrader(["generate_assignment", assignment, "--force"], root)
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
    for source_path in nbs.notebooks_of(ROOT / "source" / assignment):
        source = nbs.read(source_path)
        secret = set()
        for cell in source.cells:
            blocks = nbs.SOLUTION_BLOCK.findall(cell.source + "\n") + HIDDEN_BLOCK.findall(cell.source)
            secret |= {line.strip() for block in blocks for line in block.splitlines() if len(line.strip()) > 12}
        release_text = "\n".join(c.source for c in nbs.read(ROOT / "release" / assignment / source_path.name).cells)
        assert "BEGIN SOLUTION" not in release_text and "BEGIN HIDDEN TESTS" not in release_text
        assert "run_in_kernel" not in release_text
        leaked = [line for line in secret if line in release_text and not line.startswith("#")]
        assert not leaked, f"release/{assignment}/{source_path.name} contains solution or hidden-test lines: {leaked[:3]}"
