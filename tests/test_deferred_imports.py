"""The sandbox's stand-in for matplotlib.pyplot: free to import, the real module on first use."""
import subprocess
import sys

import pytest

from autograder.engine.settings import Settings
from autograder.sandbox.client import Deadline, Session
from autograder.sandbox.process import bwrap_usable
from tests.conftest import ROOT

LOADED = "'matplotlib.figure' in sys.modules"


def run_python(code):
    """``code``'s stdout in a fresh interpreter that has the kernel's ``deferred`` module as ``deferred``."""
    prelude = f"import sys\nsys.path.insert(0, {str(ROOT / 'autograder' / 'kernel')!r})\nimport deferred\n"
    done = subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True,
                          env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"}, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_importing_a_stood_in_module_imports_nothing():
    assert run_python(f"""
deferred.install("matplotlib.pyplot")
import matplotlib.pyplot as plt
import matplotlib
import inspect
inspect.getmodule(inspect)  # reads __file__ of every module, as IPython's tracebacks do
print({LOADED}, plt.__name__ == "matplotlib.pyplot", matplotlib.pyplot is plt)
""") == ["False", "True", "True"]


def test_first_use_imports_the_real_module_and_every_name_then_reaches_it():
    assert run_python(f"""
deferred.install("matplotlib.pyplot")
import matplotlib.pyplot as plt
plt.plot([1, 2])
real = sys.modules["matplotlib.pyplot"]
plt.marker = 7
from matplotlib import pyplot
import matplotlib.colors
print({LOADED}, type(plt.gcf()).__name__, real is not plt, real.marker, pyplot is real,
      matplotlib.colors.to_hex("red"), "plot" in dir(plt))
""") == ["True", "Figure", "True", "7", "True", "#ff0000", "True"]


def test_a_module_that_is_not_installed_gets_no_stand_in():
    assert run_python("""
deferred.install("no_such_package.pyplot")
try:
    import no_such_package.pyplot
except ImportError:
    print("ImportError")
""") == ["ImportError"]


@pytest.mark.skipif(not bwrap_usable(), reason="needs bubblewrap")
def test_a_student_sandbox_imports_pyplot_only_when_the_student_plots():
    session = Session({}, Settings(), 0, Deadline(120), preload=("matplotlib.pyplot",))
    try:
        setup = session.run_cell("setup", "setup", f"import sys\nimport matplotlib.pyplot as plt\nprint({LOADED})")
        answer = session.run_cell("answer", "answer", f"def area():\n    plt.plot([1, 2])\n    return plt.gcf()\n"
                                                      f"print(type(area()).__name__, {LOADED})")
    finally:
        session.close()
    assert (setup.ok, setup.output.split()) == (True, ["False"])
    assert (answer.ok, answer.output.split()) == (True, ["Figure", "True"]), answer.error
