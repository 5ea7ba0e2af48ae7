"""nbgrader configuration for the course, and the grading engine's settings.

nbgrader reads the ``CourseDirectory``, ``ClearSolutions``, ``Autograde``
and ``LateSubmissionPlugin`` sections; ``autograder grade`` also reads
``Autograder`` (``autograder grade --help-all`` lists every setting).
The exchange (where students fetch and submit) is set up per machine by
``scripts/setup.sh``: see the README's "The course loop".
"""
import os

c = get_config()  # noqa: F821 - injected by traitlets

c.CourseDirectory.course_id = "dl-course"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(c.CourseDirectory.root, "gradebook.db")
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.Execute.timeout = 300  # `nbgrader validate` (students): per cell; the Keras tests train models

# formgrader's Autograde button and `nbgrader autograde` grade through the engine's sandbox: nbgrader's
# Execute (student code in a plain kernel) is replaced by the engine, whose notebooks nbgrader records.
c.Autograde.sanitize_preprocessors = []
c.Autograde.autograde_preprocessors = [
    "autograder.engine.sandboxed_autograde.SandboxedGrading",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
]
# Late submissions: "none" records how late they are; "zero" gives them no points (nbgrader's own plugin).
c.LateSubmissionPlugin.penalty_method = "none"

# TensorFlow and absl log to stderr, and stock nbgrader scores a test cell zero
# for any stderr output: keep them quiet in every kernel nbgrader starts.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("ABSL_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OMP_NUM_THREADS", "1")  # stock kernels and calibration: BLAS threads fight on a shared machine

# The grading engine (`autograder grade`): every limit applies per submission.
c.Autograder.cell_timeout = 120        # seconds per student cell or function call
c.Autograder.submission_timeout = 900  # seconds per submission
c.Autograder.memory_mb = 4096          # memory of the whole sandbox (its control group) and each process's address space
c.Autograder.max_processes = 64        # processes/threads of the whole sandbox
c.Autograder.sandbox = "bwrap"         # bubblewrap; "none" only for trusted local runs
c.Autograder.workers_per_gpu = 2
c.Autograder.seed = 2026
