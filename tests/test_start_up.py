"""What the grader's processes import before they grade: nothing they do not use."""
import subprocess
import sys

from tests.conftest import ROOT


def modules_after(code):
    """The top-level modules a fresh interpreter has loaded after running ``code`` (a name marked missing,
    ``sys.modules[name] = None``, is not loaded)."""
    listing = "\nimport sys\nprint(' '.join({n.split('.')[0] for n, m in sys.modules.items() if m is not None}))"
    done = subprocess.run([sys.executable, "-c", code + listing], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_a_grading_worker_does_not_import_nbgrader():
    loaded = modules_after("from autograder.engine import batch")
    assert "nbformat" in loaded and "nbgrader" not in loaded


def test_validating_notebooks_does_not_build_rfc3987_parsers():
    loaded = modules_after("import autograder, nbformat\nnbformat.validate(nbformat.v4.new_notebook())")
    assert "jsonschema" in loaded and not loaded & {"rfc3987_syntax", "lark"}
