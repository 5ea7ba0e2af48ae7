"""The engine's settings: nbgrader-style typed traits (``c.Autograder.*``), handed to the engine as a plain value.

``Settings`` is what the engine reads (``settings.cell_timeout``): a dataclass,
so it pickles to the grading workers and ``dataclasses.replace`` works. Each
field is declared once, with ``setting(default, help, choices)``; ``Autograder``
is built from those fields as a traitlets ``LoggingConfigurable``, so
nbgrader_config.py and ``--Autograder.x=...`` on the command line are read and
type-checked exactly as nbgrader's own settings are, and a wrong value is
refused up front with the setting's name and help. A new setting is one new
field (a plain ``name: int = 3`` works too; ``setting`` adds its help).
"""
import dataclasses
from pathlib import Path

from jupyter_core.paths import jupyter_config_path
from traitlets import Bool, Enum, Float, Integer, TraitError, Unicode
from traitlets.config import Config, LoggingConfigurable
from traitlets.config.loader import PyFileConfigLoader

from autograder.engine.executors import EXECUTORS

KERAS_BACKENDS = ("tensorflow", "jax", "torch")  # in the order "auto" prefers them
PROFILES = ("auto", "cpu", "gpu")
CONFIG_FILE = "nbgrader_config.py"


class SettingError(ValueError):
    """A setting nbgrader_config.py or the command line got wrong: says which, and what it means."""


def setting(default, help="", choices=None):
    """A field of ``Settings`` with its help text and, optionally, the values it may take."""
    return dataclasses.field(default=default, metadata={"help": help, "choices": choices})


@dataclasses.dataclass
class Settings:
    workers: int = setting(0, "Submissions graded in parallel; 0 = one per CPU core, or per GPU slot.")
    cell_timeout: float = setting(120.0, "Seconds for one student cell or one call of a student function.")
    submission_timeout: float = setting(900.0, "Seconds for one whole submission; what is left is scored zero.")
    memory_mb: int = setting(4096, "Memory of the whole sandbox in MB (its control group), and the address-space "
                                   "limit of each of its processes (TensorFlow needs ~3000).")
    max_processes: int = setting(64, "Processes and threads the student's code may have at once.")
    scratch_mb: int = setting(512, "Size in MB of the sandbox's home and /tmp (tmpfs): its disk quota.")
    max_notebook_mb: float = setting(20.0, "Larger submitted notebooks are not graded (MB).")
    max_submission_mb: float = setting(50.0, "MB of a submission folder's files, all together, read into the sandbox.")
    max_submission_files: int = setting(500, "Files and folders of a submission folder that are read.")
    max_reply_mb: float = setting(64.0, "Largest message, in MB, the sandbox may send the grader (refused unread).")
    max_output_kb: float = setting(64.0, "Output kept per cell, in KB (the rest is cut).")
    cgroups: str = setting("auto", "'auto': memory and process limits per sandbox where the host has control groups; "
                                   "'required': refuse to grade without them; 'off'.", ("auto", "required", "off"))
    training_timeout: float = setting(300.0, "Seconds one training of a student's model may take (the submission's "
                                             "time left bounds it too).")
    sandbox: str = setting("bwrap", "'bwrap': isolated, refuses to run without bubblewrap; 'none': no isolation "
                                    "(trusted local runs only).", ("bwrap", "none"))
    sandbox_uid_base: int = setting(42000, "As root: the first sandbox uid; each run leases a block of 256 from here, and worker k's "
                                  "sandboxes alternate between its uids 2k and 2k+1.")
    gpus: str = setting("auto", "'auto', 'none', or comma-separated GPU indices ('0,1').")
    workers_per_gpu: int = setting(2, "Graders sharing one GPU.")
    keras_backend: str = setting("auto", "Keras backend of the grader's trainings; 'auto': $KERAS_BACKEND, else the "
                                         "first of tensorflow, jax, torch installed.", ("auto", *KERAS_BACKENDS))
    seed: int = setting(2026, "Seed of the hidden inputs: the same seed gives the same grade.")
    profile: str = setting("auto", "Training budget of Keras checks: 'cpu', 'gpu', or 'auto' (by the hardware).",
                           PROFILES)
    executor: str = setting("local", "'local': grading worker processes on this machine; 'ray': one task per "
                                     "submission on a Ray cluster.", EXECUTORS)
    ray_address: str = setting("auto", "The Ray cluster: 'auto' ($RAY_ADDRESS, else the one `ray start` made here), "
                                       "'host:port', or 'local' (a private Ray on this machine).")

    @classmethod
    def from_config(cls, config, **overrides):
        """Settings from a traitlets Config (its ``Autograder`` section), then ``overrides`` (None values ignored).

        Raises SettingError for an unknown setting or a value of the wrong type or outside its choices.
        """
        section = dict(config.get("Autograder", {}))
        known = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(section) - set(known))
        if unknown:
            raise SettingError(f"unknown Autograder settings {unknown} (in nbgrader_config.py or on the command line); "
                               f"known: {known}")
        section.update({k: v for k, v in overrides.items() if v is not None})
        values, traits = {}, Autograder.class_traits()
        for name, value in section.items():
            try:
                values[name] = traits[name].validate(None, value)
            except TraitError:
                raise SettingError(_explain(name, value, traits[name])) from None
        return cls(**values)

    @classmethod
    def load(cls, course_root, **overrides):
        """The settings a course configures (see ``course_config``), then ``overrides`` (None values ignored)."""
        return cls.from_config(course_config(course_root), **overrides)


def _explain(name, value, trait):
    return (f"c.Autograder.{name} = {value!r} is refused: expected {trait.info()}. "
            f"{name}: {trait.help or '(no help)'}")


def _trait(field):
    """The traitlets trait that type-checks one Settings field."""
    help_text, default = field.metadata.get("help", ""), field.default
    if field.metadata.get("choices"):
        return Enum(field.metadata["choices"], default_value=default, help=help_text).tag(config=True)
    kind = {bool: Bool, int: Integer, float: Float, str: Unicode}[type(default)]
    return kind(default, help=help_text).tag(config=True)


def _make_autograder():
    traits = {field.name: _trait(field) for field in dataclasses.fields(Settings)}
    doc = "The grading engine's settings (``autograder grade``): every limit applies per submission."
    return type("Autograder", (LoggingConfigurable,), {"__doc__": doc, **traits})


Autograder = _make_autograder()


def course_config(course_root):
    """The Config nbgrader's apps read for a course: the Jupyter config path, then ``<course_root>/nbgrader_config.py``
    (later files win, as in nbgrader)."""
    config = Config()
    for directory in [*reversed(jupyter_config_path()), str(Path(course_root).resolve())]:
        if (Path(directory) / CONFIG_FILE).is_file():
            config.merge(PyFileConfigLoader(CONFIG_FILE, path=directory).load_config())
    return config


def course_directory(course_root=None, config=None):
    """nbgrader's CourseDirectory for a course: its paths (root, submitted, autograded, ...) and gradebook URL.

    ``root`` is the configured one, else ``course_root``.
    """
    config = config if config is not None else course_config(course_root)
    from nbgrader.coursedir import CourseDirectory  # here: importing nbgrader is most of a grading worker's start

    coursedir = CourseDirectory(config=config)
    if "root" not in config.get("CourseDirectory", {}) and course_root is not None:
        coursedir.root = str(Path(course_root).resolve())
    return coursedir
