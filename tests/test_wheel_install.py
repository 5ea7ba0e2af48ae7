"""The grader as a cluster node installs it: built as a wheel, installed (not editable) into a fresh
environment outside the checkout, it grades a submission and writes its feedback and report."""
import json
import shutil
import subprocess
import sys
import sysconfig

import nbformat

from autograder import notebooks as nbs
from autograder import stock
from tests.conftest import ROOT

CONFIG = """
c.Autograder.workers = 1
c.Autograder.cell_timeout = 20
c.Autograder.sandbox = "none"  # the fresh environment borrows numpy & co. from a folder bubblewrap does not mount
"""


def run(args, **options):
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, **options)
    assert done.returncode == 0, f"{' '.join(map(str, args))}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def test_the_wheel_installed_outside_the_checkout_grades(tmp_path):
    source = tmp_path / "source-tree"  # only what the wheel is built from, nothing else of the checkout
    for package in ("autograder", "assignments"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", source)
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", tmp_path / "wheels", source])
    wheel = next((tmp_path / "wheels").glob("dl_course_kit-*.whl"))

    env = tmp_path / "env"
    run([sys.executable, "-m", "venv", "--without-pip", env])
    python = env / "bin" / "python"
    site = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip()
    # Third-party packages come from the project's environment (installing TensorFlow takes minutes): a plain
    # path entry, which does not run that environment's .pth files, so its editable install of the grader is unseen.
    (tmp_path / "env" / site.removeprefix(str(env) + "/") / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel])

    course = tmp_path / "course"
    where = run([python, "-c", "import autograder, json; from autograder.checks import training; "
                 "print(json.dumps([autograder.__file__, training.load_thresholds()]))"], cwd=tmp_path)
    installed_at, thresholds = json.loads(where)
    assert installed_at.startswith(site) and thresholds == json.loads((ROOT / "autograder/hidden/thresholds.json").read_text())

    (course / "source").mkdir(parents=True)
    shutil.copytree(ROOT / "source" / "01_neuron", course / "source" / "01_neuron")
    (course / "nbgrader_config.py").write_text(stock.CONFIG.format(root=str(course), timeout=60) + CONFIG)
    run([python, "-m", "nbgrader", "generate_assignment", "01_neuron", "--force"], cwd=course)
    submitted = course / "submitted" / "ann" / "01_neuron"
    submitted.mkdir(parents=True)
    release = nbs.read(course / "release" / "01_neuron" / "neuron.ipynb")
    nbformat.write(nbs.make_submission(release, nbs.read(course / "source" / "01_neuron" / "neuron.ipynb")),
                   str(submitted / "neuron.ipynb"))  # the reference answers: full marks

    out = run([env / "bin" / "autograder", "grade", "01_neuron"], cwd=course)
    assert "20 / 20" in out, out
    assert "PASS" in (course / "autograded" / "ann" / "01_neuron" / "feedback.html").read_text()
    assert "test_relu" in (course / "reports" / "01_neuron.html").read_text()
