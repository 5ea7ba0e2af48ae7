"""The engine's settings: defaults, overridden by ``c.Autograder`` in nbgrader_config.py."""
import dataclasses
from pathlib import Path

from traitlets.config.loader import PyFileConfigLoader

from autograder.engine.executors import EXECUTORS

KERAS_BACKENDS = ("tensorflow", "jax", "torch")  # in the order "auto" prefers them


@dataclasses.dataclass
class Settings:
    workers: int = 0                  # parallel submissions; 0 = one per CPU core (or per GPU slot)
    cell_timeout: float = 120.0       # seconds for one student cell or one call of a student function
    submission_timeout: float = 900.0  # seconds for one whole submission
    memory_mb: int = 4096             # address-space limit of the student's process
    max_processes: int = 64           # processes and threads the student's code may have at once
    max_notebook_mb: float = 20.0     # larger notebooks are not graded
    sandbox: str = "bwrap"            # "bwrap": isolated (refuses to run without it); "none": no isolation
    sandbox_uid_base: int = 42000     # worker k runs student code as uid base + k (when started as root)
    gpus: str = "auto"                # "auto", "none", or comma-separated GPU indices
    workers_per_gpu: int = 2          # graders sharing one GPU
    keras_backend: str = "auto"       # "tensorflow", "jax", "torch", or "auto": $KERAS_BACKEND, else the one installed
    seed: int = 2026                  # hidden inputs; same seed, same grade
    profile: str = "auto"             # training budget: "cpu", "gpu" or "auto"
    executor: str = "local"           # "local": worker processes here; "ray": tasks on a Ray cluster
    ray_address: str = "auto"         # "auto": $RAY_ADDRESS or the cluster `ray start` made here; "host:port"; "local"

    @classmethod
    def load(cls, course_root, **overrides):
        """Settings from ``<course_root>/nbgrader_config.py``, then ``overrides`` (None values ignored)."""
        values = {}
        config_file = Path(course_root) / "nbgrader_config.py"
        if config_file.exists():
            loader = PyFileConfigLoader(config_file.name, path=str(config_file.parent))
            section = loader.load_config().get("Autograder", {})
            known = {f.name for f in dataclasses.fields(cls)}
            unknown = set(section) - known
            if unknown:
                raise ValueError(f"nbgrader_config.py: unknown Autograder settings {sorted(unknown)}; known: {sorted(known)}")
            values.update(section)
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        if settings.sandbox not in ("bwrap", "none"):
            raise ValueError(f"c.Autograder.sandbox must be 'bwrap' or 'none', not {settings.sandbox!r}")
        if settings.executor not in EXECUTORS:
            raise ValueError(f"c.Autograder.executor must be one of {', '.join(EXECUTORS)}, not {settings.executor!r}")
        if settings.keras_backend not in ("auto", *KERAS_BACKENDS):
            raise ValueError(f"c.Autograder.keras_backend must be 'auto' or one of {', '.join(KERAS_BACKENDS)}, "
                             f"not {settings.keras_backend!r}")
        return settings
