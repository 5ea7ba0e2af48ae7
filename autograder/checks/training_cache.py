"""Memoised training results, keyed by everything a training run depends on.

Training is a deterministic function of the model's architecture, compile
settings and initial weights, the data, the budget, the seed and the
grader's own training code. Every one of these is fixed by the grader: the
model is built by the grader from the student's description, with weights
drawn from the grader's seed and a fresh optimizer (``keras_build``), so
no weights or optimizer state of a student's enter a cached result, and
the key covers all of them. Many
submissions hand in the same model for a cell (every zoo case that breaks a
different function, every student who kept the reference architecture), so
its score is stored under a hash of exactly those inputs and reused. Layer
names are left out of the hash: they change with how many models a process
built and do not change training.

Enabled by ``AUTOGRADER_TRAINING_CACHE=<folder>``; off when unset or ``off``
(benchmarks: every submission trains, as distinct students' models do).
``AUTOGRADER_TRAINING_CACHE_REFRESH=1`` (``autograder grade --force``)
trains again and overwrites what is stored. The grading engine keeps the
folder outside every sandbox. What a training reported for the feedback
(its learning curve) is stored with its value and reported again on a hit.
"""
import functools
import hashlib
import json
import os
from pathlib import Path

import numpy as np

_CODE = [Path(__file__).with_name(name) for name in ("training.py", "keras_build.py", "training_cache.py")]


@functools.lru_cache(maxsize=1)
def grader_code_version():
    """A hash of the grader's training code: a change to it makes every stored result stale."""
    digest = hashlib.sha256()
    for path in _CODE:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def without_names(config):
    """A model config without its layer names (they depend on how many models a process built)."""
    if isinstance(config, dict):
        return {k: without_names(v) for k, v in config.items() if k != "name"}
    if isinstance(config, list):
        return [without_names(v) for v in config]
    return config


def model_key(model, arrays, **settings):
    """A hash of the model (architecture, compile settings, weights), the data arrays and the settings."""
    import keras

    digest = hashlib.sha256()
    compile_config = model.get_compile_config() if hasattr(model, "get_compile_config") else None
    header = {"model": without_names(json.loads(model.to_json())), "compile": without_names(compile_config),
              "settings": settings, "keras": keras.__version__, "backend": keras.backend.backend(),
              "grader": grader_code_version()}
    digest.update(json.dumps(header, sort_keys=True, default=str).encode())
    for array in [*model.get_weights(), *arrays]:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def memoized_training(model, arrays, compute, **settings):
    """``compute()`` memoised under ``model_key(model, arrays, **settings)``; a model that cannot be
    described is trained, not cached."""
    try:
        key = model_key(model, arrays, **settings)
    except Exception:
        return compute()
    return memoized(key, compute)


def memoized(key, compute):
    """``compute()``, or the value it returned for ``key`` before (a float or a tuple of floats), with
    what the training reported while it ran (see ``training.recording``) reported again."""
    from autograder.checks import training

    folder = os.environ.get("AUTOGRADER_TRAINING_CACHE")
    if not folder or folder == "off":
        return compute()
    path = Path(folder) / f"{key}.json"
    if os.environ.get("AUTOGRADER_TRAINING_CACHE_REFRESH") != "1":
        try:
            stored = json.loads(path.read_text())
            value, reports = _decode(stored["value"]), stored.get("reports", [])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        else:
            for report in reports if isinstance(reports, list) else []:
                training.report(**report)
            return value
    with training.recording() as reports:
        value = compute()
    for report in reports:
        training.report(**report)
    value = tuple(map(float, value)) if isinstance(value, (tuple, list)) else float(value)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.partial")
    partial.write_text(json.dumps({"value": _encode(value), "reports": reports}, default=_plain_json))
    partial.replace(path)
    return value


def _plain_json(value):
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    raise TypeError(f"cannot store a {type(value).__name__}")


def _encode(value):
    """JSON for a float or a tuple of floats; NaN (which JSON lacks) as null."""
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    return None if value != value else value


def _decode(stored):
    if isinstance(stored, list):
        return tuple(_decode(v) for v in stored)
    return float("nan") if stored is None else float(stored)
