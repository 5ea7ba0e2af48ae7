"""Throwaway nbgrader courses for engine tests: one assignment released, students submitted."""
from pathlib import Path

import nbformat

from autograder import notebooks as nbs
from autograder import stock
from autograder.engine.settings import Settings
from tests.conftest import ROOT

ENGINE_CONFIG = """
c.Autograder.cell_timeout = {cell_timeout}
c.Autograder.submission_timeout = {submission_timeout}
c.Autograder.memory_mb = {memory_mb}
c.Autograder.workers = {workers}
"""


class Course:
    def __init__(self, root, assignment):
        self.root, self.assignment = Path(root), assignment
        self.release = {p.name: nbs.read(p) for p in nbs.notebooks_of(self.root / "release" / assignment)}
        self.source = {p.name: nbs.read(p) for p in nbs.notebooks_of(self.root / "source" / assignment)}

    @property
    def settings(self):
        return Settings.load(self.root)

    def folder(self, student):
        path = self.root / "submitted" / student / self.assignment
        path.mkdir(parents=True, exist_ok=True)
        return path

    def submit(self, student, answers=None, edit=None):
        """Submit the release with ``answers`` (reference elsewhere); ``edit(nb)`` may change the notebook first."""
        for name, release in self.release.items():
            nb = nbs.make_submission(release, self.source[name], answers or {})
            if edit:
                edit(nb)
            nbformat.write(nb, str(self.folder(student) / name))

    def submit_raw(self, student, files):
        """Submit files as given: ``{name: bytes}``."""
        for name, data in files.items():
            (self.folder(student) / name).write_bytes(data)


def make_course(tmp_path, assignment, cell_timeout=10, submission_timeout=300, memory_mb=2048, workers=2, extra=""):
    """A course folder with ``assignment`` released (gradebook included) and the engine's limits set
    (``extra``: more configuration lines)."""
    root = Path(tmp_path) / "course"
    stock.released_course(root, ROOT, [assignment], 60, ENGINE_CONFIG.format(
        cell_timeout=cell_timeout, submission_timeout=submission_timeout, memory_mb=memory_mb, workers=workers) + extra)
    return Course(root, assignment)
