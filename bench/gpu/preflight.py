"""What the GPU kit runs on, and whether the grader's sandbox works there, as JSON.

    python bench/gpu/preflight.py --out preflight.json [--backends jax torch]

Machine: Python, the versions of the packages that matter, cores, memory, the GPUs (nvidia-smi),
and which device each backend's framework sees. Sandbox: bubblewrap and setpriv, then for each
Keras backend one student process started by the engine itself (bubblewrap, rlimits, its own uid
as root) that imports Keras, runs a model and reports its peak address space against
``memory_mb``. A CUDA build of a framework maps its GPU libraries even where no GPU is visible,
and this is where that shows. Each check is bounded and reports its failure instead of raising.
"""
import argparse
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from autograder.engine import devices, uids  # noqa: E402
from autograder.engine.settings import Settings  # noqa: E402
from autograder.sandbox.client import Deadline, SandboxUnavailable, Session  # noqa: E402
from autograder.sandbox.process import bwrap_usable  # noqa: E402

PACKAGES = ("keras", "jax", "jaxlib", "jax-cuda13-plugin", "torch", "tensorflow", "numpy", "ml-dtypes", "h5py",
            "setuptools", "nbgrader", "ipython", "mlxtend", "scipy", "matplotlib")
FRAMEWORK_DEVICES = {
    "jax": "import jax; print(jax.devices())",
    "torch": "import torch; print(torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'cpu only')",
}
SANDBOX_SMOKE = """
import os, numpy as np, keras
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
model.predict(np.zeros((1, 4)), verbose=0)
status = dict(line.split(':', 1) for line in open('/proc/self/status'))
print(keras.backend.backend(), 'uid', os.getuid(), 'VmPeak', status['VmPeak'].strip(), 'VmHWM', status['VmHWM'].strip())
"""


def _run(command, timeout=120):
    """``{"ok", "output"}`` of a command, never raising."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as err:
        return {"ok": False, "output": f"{type(err).__name__}: {err}"}
    return {"ok": done.returncode == 0, "output": (done.stdout + done.stderr).strip()[-1500:]}


def _version(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def machine():
    meminfo = Path("/proc/meminfo").read_text().split("\n", 1)[0] if Path("/proc/meminfo").exists() else ""
    return {
        "python": sys.version.split()[0], "executable": sys.executable, "prefix": sys.prefix,
        "base_prefix": sys.base_prefix, "euid": os.geteuid(), "cores": os.cpu_count(), "memory": meminfo,
        "packages": {name: _version(name) for name in PACKAGES},
        "nvidia_smi": _run(["nvidia-smi", "--query-gpu=index,name,memory.total,driver_version",
                            "--format=csv,noheader"], 30) if shutil.which("nvidia-smi") else None,
        "gpus_found": devices.find_gpus(),
    }


def framework_devices(backend):
    """The devices ``backend``'s framework sees, in a process of its own (no GPU context held here)."""
    return _run([sys.executable, "-c", FRAMEWORK_DEVICES[backend]], 180)


def sandbox_smoke(backend):
    """One student process of the engine's sandbox on ``backend``: start, import Keras, run a model."""
    settings = Settings.load(ROOT, keras_backend=backend)
    start = time.perf_counter()
    with uids.leased(settings) as leased:
        session = Session({}, leased, 0, Deadline(leased.cell_timeout + 120))  # no student files: the kit's own cell
        try:
            ran = session.run_cell("the smoke test", "setup", SANDBOX_SMOKE)
        except SandboxUnavailable as err:
            return {"ok": False, "error": str(err)[-3000:], "seconds": round(time.perf_counter() - start, 1)}
        finally:
            session.close()
    return {"ok": ran.ok, "output": ran.output[-1500:], "error": ran.error,
            "memory_mb_limit": leased.memory_mb, "seconds": round(time.perf_counter() - start, 1)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", nargs="+", default=["jax", "torch"], choices=sorted(FRAMEWORK_DEVICES))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    backends = [b for b in args.backends if importlib.util.find_spec(b)]
    report = {"machine": machine(), "backends": backends,
              "bwrap": {"path": shutil.which("bwrap"), "version": _run(["bwrap", "--version"], 30)["output"],
                        "usable": bwrap_usable(), "setpriv": shutil.which("setpriv")}}
    for part, check in (("framework_devices", framework_devices), ("sandbox", sandbox_smoke)):
        report[part] = {}
        for backend in backends:
            report[part][backend] = check(backend)
            args.out.write_text(json.dumps(report, indent=1) + "\n")  # what is known so far, if time runs out
    print(json.dumps(report, indent=1))
    return 0 if all(s["ok"] for s in report["sandbox"].values()) and backends else 1


if __name__ == "__main__":
    sys.exit(main())
