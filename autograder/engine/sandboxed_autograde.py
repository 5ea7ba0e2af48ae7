"""nbgrader's ``Execute`` replaced by the engine, so formgrader's Autograde button never grades unsandboxed.

nbgrader_config.py puts ``SandboxedGrading`` where ``Execute`` was in
``c.Autograde.autograde_preprocessors``: formgrader's *Autograde* button and
``nbgrader autograde`` then grade through the engine (the student's code in
the sandbox, the hidden checks outside it). For the first notebook of a
submission it grades the whole submission with the engine, stored in
``autograded/<student>/<assignment>/autograder.json`` like any
``autograder grade`` result; each notebook then becomes the engine's
autograded notebook, which nbgrader's ``SaveAutoGrades`` and
``AssignLatePenalties`` that follow record as they record their own.
It grades one submission at a time: ``autograder grade`` is the way to grade
a class.
"""
from pathlib import Path

from nbgrader.converters.base import NbGraderException
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder import notebooks as nbs
from autograder.engine.feedback import FEEDBACK_FILE, write_student_feedback
from autograder.engine.record import RECORDERS, autograded_notebook, flag
from autograder.engine.settings import Settings, SettingError, course_directory

# What nbgrader_config.py sets (c.Autograde): no execution anywhere, the engine's notebooks recorded by nbgrader.
SANITIZE_PREPROCESSORS = []
AUTOGRADE_PREPROCESSORS = [f"{__name__}.SandboxedGrading"] + [f"nbgrader.preprocessors.{r.__name__}" for r in RECORDERS]


class SandboxedGrading(NbGraderPreprocessor):
    """Grade the submission with the engine; the notebook becomes the engine's autograded notebook."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        coursedir = course_directory(".", self.config)  # nbgrader's converters run in the course root
        try:
            settings = Settings.from_config(self.config)
        except SettingError as err:
            raise NbGraderException(str(err)) from None
        result = grade_submission(coursedir, info["assignment"], info["student"], settings)
        graded = {Path(n.name).stem: n for n in result.notebooks}
        if info["notebook"] not in graded:
            raise NbGraderException(f"{info['notebook']} is not a notebook of {info['assignment']}")
        release = Path(coursedir.format_path(coursedir.release_directory, ".", info["assignment"]))
        if result.flagged:
            flag(coursedir.db_url, info["assignment"], info["student"], [info["notebook"]])
        return autograded_notebook(nbs.read(release / f"{info['notebook']}.ipynb"), graded[info["notebook"]]), resources


def grade_submission(coursedir, assignment, student, settings):
    """One submission graded by the engine (reused when unchanged since it was last graded), its feedback page
    written; NbGraderException when the engine could not grade it."""
    from autograder.engine.batch import grade_all  # the engine's workers; imported only when grading

    autograded = Path(coursedir.format_path(coursedir.autograded_directory, ".", ".")).resolve()
    outcome = grade_all(Path(coursedir.root).resolve(), [assignment], settings, autograded, students=[student],
                        show_progress=False)
    if outcome.failures:
        raise NbGraderException(f"the engine could not grade {student}'s {assignment}: "
                                f"{next(iter(outcome.failures.values()))}")
    if not outcome.results:
        raise NbGraderException(f"no submission of {assignment} by {student} was found")
    result = outcome.results[0]
    page = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment)) / FEEDBACK_FILE
    page.unlink(missing_ok=True)  # nbgrader leaves the autograded folder read-only
    write_student_feedback(result, page)
    return result
