"""``autograder grade`` as an nbgrader application.

It reads its configuration as every nbgrader command does (the Jupyter
config path, then ``nbgrader_config.py`` in the course folder), takes
``--Autograder.x=...`` and ``--CourseDirectory.x=...`` on the command line,
finds its folders and gradebook through nbgrader's ``CourseDirectory``, and
refuses a wrong setting before anything is graded, naming it with its help.
"""
import fnmatch
import sys
from pathlib import Path

from nbgrader.apps.baseapp import NbGrader, nbgrader_aliases, nbgrader_flags
from nbgrader.coursedir import CourseDirectory
from traitlets import Bool, default

from autograder.engine.settings import Autograder, Settings, SettingError

ALIASES = {
    **nbgrader_aliases,
    ("j", "workers"): "Autograder.workers",
    "seed": "Autograder.seed",
    "profile": "Autograder.profile",
}
FLAGS = {
    **nbgrader_flags,
    ("f", "force"): ({"AutograderApp": {"force": True}}, "Regrade submissions that have not changed since the last run."),
}


class AutograderApp(NbGrader):
    name = "autograder grade"
    description = ("Grade every submission of the given assignments in the sandbox, in parallel: nbgrader's "
                   "gradebook and autograded notebooks, grades.csv, feedback pages and instructor reports.")
    examples = """
        autograder grade 01_neuron 02_forward_pass
        autograder grade 01_neuron --force --student=ann
        autograder grade 07_fashion_mnist --Autograder.profile=gpu --Autograder.workers=4
        autograder grade 07_fashion_mnist --ray                 (the Ray cluster at $RAY_ADDRESS)
        autograder grade 07_fashion_mnist --ray=10.0.0.5:6379   (or --ray=local: a Ray on this machine)
    """
    aliases = ALIASES
    flags = FLAGS
    force = Bool(False, help="Regrade submissions that have not changed since the last run.").tag(config=True)

    @default("classes")
    def _classes_default(self):
        return [NbGrader, CourseDirectory, Autograder, type(self)]

    def start(self):
        if not self.extra_args:
            self.fail("Name the assignments to grade, e.g. autograder grade 01_neuron")
        try:
            settings = Settings.from_config(self.config)
        except SettingError as err:
            self.fail(str(err))
        from autograder.engine.run import grade_assignments

        outcome = grade_assignments(self.course_directory(), self.extra_args, settings, force=self.force,
                                    students=self.students())
        return 1 if outcome.failures else 0

    def course_directory(self):
        """nbgrader's CourseDirectory with the whole configuration. ``self.coursedir`` keeps the Config it was made
        with, before the course's nbgrader_config.py was read, and nbgrader's recorders take theirs from it (the
        course's ``LateSubmissionPlugin.penalty_method`` would be lost)."""
        return CourseDirectory(config=self.config)

    def students(self):
        """The students ``--student`` names (a glob, as in nbgrader), or None for all."""
        pattern = self.coursedir.student_id
        if pattern == "*":
            return None
        submitted = Path(self.coursedir.format_path(self.coursedir.submitted_directory, ".", "."))
        found = [p.name for p in submitted.iterdir() if p.is_dir() and fnmatch.fnmatch(p.name, pattern)] \
            if submitted.is_dir() else []
        return found or [pattern]


def main(argv=None):
    app = AutograderApp()
    app.initialize(_ray_option(sys.argv[1:] if argv is None else argv))
    return app.start()


def _ray_option(argv):
    """``--ray`` (grade on the Ray cluster ``$RAY_ADDRESS`` or ``ray start`` made here) and ``--ray=ADDRESS``
    ('host:port', or 'local' for a private Ray on this machine) as the settings they stand for."""
    out = []
    for arg in argv:
        if arg == "--ray" or arg.startswith("--ray="):
            out.append("--Autograder.executor=ray")
            if "=" in arg:
                out.append(f"--Autograder.ray_address={arg.split('=', 1)[1]}")
        else:
            out.append(arg)
    return out


if __name__ == "__main__":
    sys.exit(main())
