"""nbgrader's exchange, where students fetch assignments and submit them: set up for a one-machine course.

``configure`` writes the installation's nbgrader config (``course_id`` and a
writable ``Exchange.root``), which every JupyterLab and nbgrader command of
this installation reads, students' and instructor's alike; ``scripts/setup.sh``
runs it. It also names ``FetchFeedback`` as the exchange's fetch_feedback, so
students fetch the engine's ``feedback.html`` along with nbgrader's pages. A
course on JupyterHub or ngshare points the exchange elsewhere (README, "The
course loop"). ``release``, ``submit`` and ``collect`` run
nbgrader's own exchange steps in this process, for the demo's example class.
"""
import argparse
import logging
import sys
import tempfile
from pathlib import Path

from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange import ExchangeFactory
from nbgrader.exchange.default import ExchangeFetchFeedback
from nbgrader.utils import notebook_hash
from traitlets.config import Config

from autograder.engine.feedback import FEEDBACK_FILE
from autograder.engine.record import SECRET_FILE
from autograder.engine.settings import CONFIG_FILE, course_config, course_directory

INSTALLATION_CONFIG_DIR = Path(sys.prefix) / "etc" / "jupyter"  # on the Jupyter config path of this installation
CONFIG = '''"""Written by `python -m autograder.exchange` (scripts/setup.sh): the nbgrader exchange of this installation.

A one-machine course: students and the instructor share this exchange folder. For JupyterHub or
ngshare, see the README ("The course loop"); settings in ~/.jupyter or the course folder win over these.
"""
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course_id!r}
c.Exchange.root = {root!r}
c.ExchangeFactory.fetch_feedback = "autograder.exchange.FetchFeedback"
'''
FEEDBACK_PAGE = Path(FEEDBACK_FILE).stem  # release_feedback files feedback.html as it files a notebook's page


class FetchFeedback(ExchangeFetchFeedback):
    """nbgrader's fetch_feedback, and the engine's ``feedback.html`` too.

    nbgrader fetches one page per notebook of the student's submission, so a
    page that is no notebook's is released (under the submission's secret,
    like every page) but never fetched; this fetches it into the same folder.
    """

    def init_src(self):
        super().init_src()
        assignment = self.coursedir.assignment_id or "*"
        for submission in sorted(Path(self.cache_path).glob(f"*+{assignment}+*")):
            secret = submission / SECRET_FILE
            if not secret.is_file():
                continue  # no secret, no page: release_feedback files every page under the submission's secret
            page = Path(self.outbound_path) / f"{notebook_hash(secret=secret.read_text(), notebook_id=FEEDBACK_PAGE)}.html"
            found = (FEEDBACK_PAGE, submission.name.split("+")[2], str(page))
            if page.is_file() and found not in self.feedback_files:
                self.feedback_files.append(found)


def configure(course_root, exchange_root=None, config_dir=INSTALLATION_CONFIG_DIR):
    """Write ``<config_dir>/nbgrader_config.py`` naming the course and its exchange (default: ``<course>/exchange``),
    and create the exchange folder writable by all, as ``nbgrader release_assignment`` would. Returns the config path."""
    course_id = course_config(course_root).CourseDirectory.get("course_id") or Path(course_root).resolve().name
    root = Path(exchange_root or Path(course_root).resolve() / "exchange")
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o777)  # nbgrader's own mode for an exchange root: every student writes their submissions in it
    path = Path(config_dir) / CONFIG_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CONFIG.format(course_id=course_id, root=str(root)))
    return path


def _config(course_root, **sections):
    config = course_config(course_root)
    config.merge(Config(sections))
    return config


def _run(step, config, **coursedir):
    """Run one of nbgrader's exchange steps (``ReleaseAssignment``, ``Submit``, ...); raise when it fails."""
    cd = CourseDirectory(config=config, **coursedir)
    app = getattr(ExchangeFactory(config=config), step)(coursedir=cd, authenticator=Authenticator(config=config),
                                                        config=config)
    app.log.setLevel(logging.WARNING)
    app.start()


def release(course_root, assignment):
    """``nbgrader release_assignment --force``: the release of ``assignment`` into the exchange's outbound."""
    config = _config(course_root, ExchangeReleaseAssignment={"force": True})
    _run("ReleaseAssignment", config, root=course_directory(course_root, config).root, assignment_id=assignment)


def submit(course_root, student, assignment, folder):
    """``nbgrader submit`` as ``student`` of the assignment in ``folder``: into the exchange's inbound, with
    nbgrader's ``timestamp.txt``."""
    folder = Path(folder)
    with tempfile.TemporaryDirectory() as cache:
        config = _config(course_root, Exchange={"assignment_dir": str(folder.parent), "cache": cache})
        _run("Submit", config, student_id=student, assignment_id=folder.name)


def collect(course_root, assignment):
    """``nbgrader collect``: the latest submission of every student into ``submitted/``."""
    config = _config(course_root, ExchangeCollect={"update": True})
    _run("Collect", config, root=course_directory(course_root, config).root, assignment_id=assignment)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.exchange", description=configure.__doc__)
    parser.add_argument("--course", default=".", help="the course folder (default: here)")
    parser.add_argument("--root", help="the exchange folder (default: <course>/exchange)")
    args = parser.parse_args(argv)
    path = configure(args.course, args.root)
    print(f"exchange: {path} names the course and its exchange folder")
    return 0


if __name__ == "__main__":
    sys.exit(main())
