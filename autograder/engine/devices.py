"""Which accelerator and Keras backend each grading worker gets, and the environment that tells Keras.

GPUs are found with ``nvidia-smi``, or the NVIDIA driver's ``/proc`` entries
where the tool is missing (no framework import in the parent). Each
GPU serves ``workers_per_gpu`` workers; each worker sees only its GPU, grows
its memory on demand (TensorFlow) or takes a fixed share (JAX), and trains
with the ``gpu`` profile. Without a GPU every worker is told so up front, so
no framework probes CUDA and logs warnings, and training uses the ``cpu`` profile.
The backend is TensorFlow where it is installed, else JAX or torch (a GPU
machine may carry only those), unless the settings or ``$KERAS_BACKEND`` say.
"""
import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

from autograder.engine.settings import KERAS_BACKENDS

NVIDIA_PROC = Path("/proc/driver/nvidia/gpus")


def find_gpus(setting="auto"):
    """GPU indices to use: from the setting ("none", "0,1", ...) or, for "auto", from nvidia-smi."""
    if setting == "none":
        return []
    if setting != "auto":
        return [s.strip() for s in str(setting).split(",") if s.strip()]
    if not shutil.which("nvidia-smi"):
        return [str(i) for i in range(len(list(NVIDIA_PROC.iterdir())))] if NVIDIA_PROC.is_dir() else []
    try:
        listed = subprocess.run(["nvidia-smi", "--query-gpu=index", "--format=csv,noheader"],
                                capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.strip() for line in listed.stdout.splitlines() if line.strip().isdigit()] if listed.returncode == 0 else []


def keras_backend(setting="auto"):
    """The Keras backend for the workers: the setting, else ``$KERAS_BACKEND``, else the first of
    tensorflow, jax, torch that is installed (Keras's own default, tensorflow, if none is)."""
    if setting != "auto":
        return setting
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    return next((name for name in KERAS_BACKENDS if importlib.util.find_spec(name)), KERAS_BACKENDS[0])


def worker_count(settings, gpus):
    """Workers: as configured, else one per CPU core, or ``workers_per_gpu`` per GPU."""
    if settings.workers > 0:
        return settings.workers
    return len(gpus) * settings.workers_per_gpu if gpus else (os.cpu_count() or 1)


def worker_environment(slot, workers, gpus, settings):
    """Environment variables for grading worker ``slot`` of ``workers``."""
    threads = str(max(1, (os.cpu_count() or 1) // workers))
    env = {"TF_CPP_MIN_LOG_LEVEL": "3", "ABSL_MIN_LOG_LEVEL": "3", "OMP_NUM_THREADS": threads,
           "TF_NUM_INTRAOP_THREADS": threads, "TF_NUM_INTEROP_THREADS": "1", "MPLBACKEND": "Agg",
           "KERAS_BACKEND": keras_backend(settings.keras_backend)}
    if gpus:
        share = 0.9 / settings.workers_per_gpu
        env.update({"CUDA_VISIBLE_DEVICES": gpus[(slot // settings.workers_per_gpu) % len(gpus)],
                    "TF_FORCE_GPU_ALLOW_GROWTH": "true", "XLA_PYTHON_CLIENT_PREALLOCATE": "false",
                    "XLA_PYTHON_CLIENT_MEM_FRACTION": f"{share:.2f}"})
    else:  # JAX_PLATFORMS too: a CUDA build of JAX fails to start with no visible device otherwise
        env.update({"CUDA_VISIBLE_DEVICES": "", "JAX_PLATFORMS": "cpu"})
    profile = settings.profile if settings.profile != "auto" else ("gpu" if gpus else "cpu")
    env["AUTOGRADER_PROFILE"] = profile
    return env
