"""Training checks: the grader trains the student's compiled model and scores it.

How a hidden module declares a training check
---------------------------------------------
Each module in ``autograder.hidden`` that trains models defines a module-level
``TRAINING = {key: Training(...)}``. A ``Training`` names:

- ``score(student, seed, budget) -> float``: builds the model through
  ``student.keras_model`` / ``student.keras_fit``, trains and evaluates it on
  hidden data drawn from ``seed`` within ``budget``, usually by calling
  ``fit_and_score``. The check and the calibration call the same function;
- ``reference``: ``{function name: reference function}``; calibration scores
  ``LocalStudent(reference)``, i.e. the reference solution played as a student;
- ``metric``: ``"accuracy"`` (at least the threshold) or ``"mse"`` / ``"mae"``
  (at most the threshold);
- ``budgets``: ``{"cpu": {...}, "gpu": {...}}``, e.g. ``epochs``,
  ``batch_size``, ``n_train``, ``n_test``, whatever ``score`` reads;
- ``min_margin``: the smallest margin, in the metric's units (room for
  correct designs other than the reference), or ``{profile: margin}`` where
  a profile's small budget separates good designs less;
- ``reported``: optional ``{profile: {"threshold": x, "source": "..."}}``,
  written uncalibrated by ``calibrate --reported`` where calibrating is too
  slow on the machine at hand.

A check then reads::

    def check_model_learns(student, rng):
        \"\"\"build_model reaches the required test accuracy after the grader trains it\"\"\"
        score = TRAINING["model"].score(student, seed_from(rng), budget(A, "model"))
        check_min_score(score, A, "model", "build_model, trained by the grader")

Thresholds live in ``autograder/hidden/thresholds.json`` per assignment, key
and profile; ``python -m autograder.calibrate`` writes them: threshold = worst
reference seed minus (accuracy) or plus (errors) a margin of
``max(3 * std over seeds, min_margin)``.

Profiles: ``cpu`` (small budgets: a whole submission of 06-10 grades in
minutes on 2 cores) and ``gpu`` (full data, the lectures' budgets); chosen
by ``AUTOGRADER_PROFILE=cpu|gpu|auto`` (default ``auto``: ``gpu`` when the
current Keras backend sees a GPU).
"""
import contextlib
import contextvars
import functools
import importlib
import json
import logging
import math
import os
import re
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from autograder.checks.errors import CheckFailure
from autograder.checks.values import format_numbers

THRESHOLDS = Path(__file__).resolve().parent.parent / "hidden" / "thresholds.json"
PROFILES = ("cpu", "gpu")
HIGHER_IS_BETTER = {"accuracy": True, "mse": False, "mae": False, "nll": False, "coverage_error": False}
_LABELS = {"accuracy": "test accuracy", "mse": "test MSE", "mae": "test MAE", "nll": "test NLL",
           "coverage_error": "interval coverage error"}


@dataclass(frozen=True)
class Training:
    """One training check of a hidden module (see the module docstring)."""

    score: Callable
    reference: dict
    metric: str
    budgets: dict
    min_margin: float | dict
    reported: dict = field(default_factory=dict)

    def min_margin_for(self, prof):
        """The smallest margin of profile ``prof``."""
        return self.min_margin[prof] if isinstance(self.min_margin, dict) else self.min_margin


def profile():
    """``"cpu"`` or ``"gpu"``, from ``AUTOGRADER_PROFILE`` (``auto``: whether Keras sees a GPU)."""
    chosen = os.environ.get("AUTOGRADER_PROFILE", "auto").strip().lower()
    if chosen in PROFILES:
        return chosen
    if chosen != "auto":
        raise ValueError(f"AUTOGRADER_PROFILE must be cpu, gpu or auto, not {chosen!r}")
    return "gpu" if gpu_visible() else "cpu"


@functools.lru_cache(maxsize=1)
def gpu_visible():
    """Whether the current Keras backend sees a GPU (the ``auto`` profile's test). Where Keras is not
    imported yet (a numpy-only check in a stock kernel), the driver's GPU list decides, without the
    framework's import."""
    keras = sys.modules.get("keras")
    if keras is None:
        from autograder.engine.devices import find_gpus

        return bool(find_gpus())
    try:
        return bool(keras.distribution.list_devices("gpu"))
    except Exception:  # backends without keras.distribution support (torch)
        torch = sys.modules.get("torch")
        return bool(torch is not None and torch.cuda.is_available())


def training_items(assignment):
    """The ``TRAINING`` dict of an assignment's hidden module (empty if it has none)."""
    from autograder.hidden import ASSIGNMENTS

    module = importlib.import_module(f"autograder.hidden.{ASSIGNMENTS[assignment]}")
    return getattr(module, "TRAINING", {})


def budget(assignment, key):
    """The training budget of one check for the current profile (a dict)."""
    return dict(training_items(assignment)[key].budgets[profile()])


def load_thresholds(path=None):
    """The whole thresholds file as a dict (empty if there is none)."""
    path = Path(path or THRESHOLDS)
    return json.loads(path.read_text()) if path.exists() and path.stat().st_size else {}


def record(assignment, key, path=None):
    """The calibration record of one check for the current profile."""
    prof = profile()
    try:
        return load_thresholds(path)[assignment][key][prof]
    except KeyError:
        raise RuntimeError(
            f"no {prof} threshold for {assignment}/{key}: run "
            f"`python -m autograder.calibrate --profile {prof} --assignment {assignment}`") from None


def threshold(assignment, key):
    """The threshold of one check for the current profile, from thresholds.json."""
    return float(record(assignment, key)["threshold"])


def seed_from(rng):
    """The seed a check trains and draws hidden data with, from its generator."""
    return int(rng.integers(2**31 - 1))


def targets_for_loss(model, labels, num_classes):
    """Integer ``labels`` in the form the model's loss expects: one-hot for a
    categorical loss, integers for a sparse one, an (n, 1) column otherwise."""
    from autograder.checks.keras_models import loss_name

    labels = np.asarray(labels).astype(np.int64)
    name = loss_name(getattr(model, "loss", None))
    if name.startswith("sparse_"):
        return labels
    if num_classes > 2 or "categorical" in name:
        return np.eye(num_classes, dtype=np.float32)[labels]
    return labels.reshape(-1, 1).astype(np.float32)


@contextlib.contextmanager
def quiet():
    """Silence Python warnings and the backends' loggers (e.g. TensorFlow's retracing warning): stock
    nbgrader scores a test cell zero for any stderr output."""
    loggers = [logging.getLogger(name) for name in ("tensorflow", "absl", "jax", "torch")]
    levels = [lg.level for lg in loggers]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        try:
            yield
        finally:
            for lg, level in zip(loggers, levels):
                lg.setLevel(level)


# The grader trains students' models in its own process, so every training is bounded before it
# starts (parameters, compute, activation memory) and while it runs (time). The limits are far
# above what any exercise needs: they stop a model built to take the grader's time and memory.
MAX_PARAMS = {"cpu": 5_000_000, "gpu": 50_000_000}
MAX_TRAINING_TFLOP = {"cpu": 2.0, "gpu": 200.0}
MAX_TRAINING_MEMORY_MB = {"cpu": 2048, "gpu": 16384}

_LIMITS = contextvars.ContextVar("training_limits", default=None)  # (end, seconds per training)
_TRACE = contextvars.ContextVar("training_trace", default=None)    # what this check's trainings reported


class TrainingTimeout(Exception):
    """A training ran past its time (the callback below raises it between batches)."""


@contextlib.contextmanager
def limits(end, seconds):
    """Trainings started inside take at most ``seconds`` each and end by ``end`` (a ``time.monotonic()``
    value: the submission's deadline)."""
    token = _LIMITS.set((float(end), float(seconds)))
    try:
        yield
    finally:
        _LIMITS.reset(token)


@contextlib.contextmanager
def recording():
    """Collect the details a check's trainings report (score, threshold, budget, learning curve): yields
    a list that ends with the details of the check's last comparison with a threshold."""
    trace = []
    token = _TRACE.set(trace)
    try:
        yield trace
    finally:
        _TRACE.reset(token)


def course_seeded(check):
    """Mark a training check: its data and initial weights come from the course's seed, not the
    student's, so the same model scores the same for everyone (its held-out data never enters the
    sandbox, so nothing about it can leak through one student's feedback)."""
    check.course_seeded = True
    return check


def fit(model, x, y, epochs, batch_size, seed, **kwargs):
    """``model.fit`` seeded, silent and bounded; a failure becomes a CheckFailure the student can read."""
    import keras

    keras.utils.set_random_seed(int(seed))
    check_trainable(model, x, int(epochs), int(batch_size))
    try:
        with quiet():
            history = model.fit(np.asarray(x, np.float32), np.asarray(y, np.float32), epochs=int(epochs),
                                batch_size=int(batch_size), verbose=0, shuffle=True, callbacks=_time_limit(), **kwargs)
    except TrainingTimeout as timeout:
        raise CheckFailure(str(timeout)) from None
    except Exception as err:  # whatever the student's model raises while training
        raise CheckFailure(f"training your model on the hidden data failed: {type(err).__name__}: {_gist(err)}") from None
    report(curve={k: [float(v) for v in values] for k, values in history.history.items()})
    return history


def check_trainable(model, x, epochs, batch_size):
    """Refuse, before any training (the grader's or the student's own code's), a model that cannot or must
    not be trained: too many parameters, frozen layers, a zero learning rate, or compute and memory far
    beyond the exercises'. The same rule for every training check."""
    from autograder.checks import keras_build

    prof, what = profile(), "your model"
    count = _count_params(model, x)
    if count > MAX_PARAMS[prof]:
        raise CheckFailure(f"your model has {count:,} parameters; the grader trains models of at most "
                           f"{MAX_PARAMS[prof]:,} ({prof} profile): no exercise needs more")
    keras_build.check_trainable(model, what)
    keras_build.check_learning_rate(model, what)
    _check_cost(model, len(x) * epochs, batch_size, prof)


def _check_cost(model, samples, batch_size, prof):
    """Refuse, before training, a model whose compute or activation memory is far beyond the exercises'."""
    from autograder.checks.keras_build import estimate_cost

    macs, values = estimate_cost(model)
    tflop = 6.0 * macs * samples / 1e12  # forward and backward: about three times the forward pass's 2 flops per MAC
    memory_mb = (4 * values * batch_size * 3 + 16 * int(model.count_params())) / (1 << 20)
    if memory_mb > MAX_TRAINING_MEMORY_MB[prof]:
        raise CheckFailure(f"training your model would need about {memory_mb:,.0f} MB for its activations and weights, "
                           f"over the grader's {MAX_TRAINING_MEMORY_MB[prof]:,} MB ({prof} profile; {values:,} values per "
                           "sample): no exercise needs layers that large (e.g. a big UpSampling)")
    if tflop > MAX_TRAINING_TFLOP[prof]:
        raise CheckFailure(f"training your model on the grader's budget would take about {tflop:,.1f} TFLOP, over "
                           f"the grader's {MAX_TRAINING_TFLOP[prof]:g} ({prof} profile; {macs:,} multiply-adds per "
                           "sample): no exercise needs a model that large; use fewer or smaller layers")


def _time_limit():
    """A callback that ends a training (or prediction) past its time, between batches."""
    import keras

    bounds = _LIMITS.get()
    if bounds is None:
        return []
    end_of_submission, seconds = bounds
    end = min(time.monotonic() + seconds, end_of_submission)
    why = (f"training your model took over {seconds:g} s (training_timeout)" if end < end_of_submission
           else "the submission used up its time limit (submission_timeout) while the grader trained your model")

    class TimeLimit(keras.callbacks.Callback):
        def _check(self, *args, **kwargs):
            if time.monotonic() > end:
                raise TrainingTimeout(why)

        on_train_batch_end = on_predict_batch_end = on_test_batch_end = _check

    return [TimeLimit()]


def report(**details):
    """Add to what the current check's trainings report (see ``recording``)."""
    trace = _TRACE.get()
    if trace is not None:
        trace.append(details)


def _count_params(model, x):
    """The model's parameter count, building it for ``x``'s shape first if it was never built
    (a Sequential without ``keras.Input`` is built by its first batch)."""
    if not model.built:
        try:
            with quiet():
                model.build((None, *np.shape(x)[1:]))
        except Exception as err:
            raise CheckFailure(f"training your model on the hidden data failed: {type(err).__name__}: {_gist(err)}") from None
    return int(model.count_params())


def predict(model, x, batch_size=1024):
    """``model.predict`` silent, bounded like ``fit``, as float64; a failure becomes a CheckFailure."""
    try:
        with quiet():
            return np.asarray(model.predict(np.asarray(x, np.float32), batch_size=batch_size, verbose=0,
                                            callbacks=_time_limit()), np.float64)
    except TrainingTimeout as timeout:
        raise CheckFailure(str(timeout)) from None
    except Exception as err:
        raise CheckFailure(f"predicting with your model failed: {type(err).__name__}: {_gist(err)}") from None


def score_predictions(pred, y, metric):
    """The metric of predictions against targets, computed here (never from the student's metrics)."""
    pred, y = np.asarray(pred, np.float64), np.asarray(y)
    if metric == "accuracy":
        guess = pred.argmax(axis=-1) if pred.ndim == 2 and pred.shape[1] > 1 else (pred.reshape(-1) > 0.5).astype(np.int64)
        truth = y.argmax(axis=-1) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(-1).astype(np.int64)
        return float((guess == truth).mean())
    if pred.size != y.size:
        return math.nan
    diff = pred.reshape(-1) - y.reshape(-1).astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return float((diff**2).mean() if metric == "mse" else np.abs(diff).mean())


def fit_and_score(model, x_train, y_train, x_test, y_test, epochs, batch_size, seed, metric):
    """Train ``model`` (seeded, silent) and return its ``metric`` on the test set as a float.

    Memoised by ``training_cache`` (when ``AUTOGRADER_TRAINING_CACHE`` is set): the
    same model, weights, data and budget give the same score without training again.
    """
    from autograder.checks.training_cache import memoized_training

    def run():
        fit(model, x_train, y_train, epochs, batch_size, seed)
        return score_predictions(predict(model, x_test), y_test, metric)

    return memoized_training(model, [x_train, y_train, x_test, y_test], run, epochs=int(epochs),
                             batch_size=int(batch_size), seed=int(seed), metric=metric)


def margin_for(scores, min_margin):
    """The calibration margin: three standard deviations of the seeds' scores, at least ``min_margin``."""
    return max(3.0 * float(np.std(scores)), float(min_margin))


def passes(score, limit, metric):
    """Whether `score` meets `limit` in the direction of `metric` (NaN never does)."""
    return score >= limit if HIGHER_IS_BETTER[metric] else score <= limit


def _check(score, assignment, key, what, expect_metric):
    item = training_items(assignment)[key]
    if HIGHER_IS_BETTER[item.metric] != expect_metric:
        raise ValueError(f"{assignment}/{key} is scored by {item.metric}: use the other check")
    rec = record(assignment, key)
    limit = float(rec["threshold"])
    spent = budget(assignment, key)
    trace = _TRACE.get() or []
    curves = [entry["curve"] for entry in trace if "curve" in entry]
    details = {"metric": item.metric, "score": float(score), "threshold": limit,
               "higher_is_better": HIGHER_IS_BETTER[item.metric], "budget": spent, "profile": profile()}
    if curves:
        details["curve"] = curves[-1]
    report(details=details)
    if passes(score, limit, item.metric):
        return details
    after = f" after {spent['epochs']} epochs" if "epochs" in spent else ""
    on = f" on {spent['n_test']:,} hidden samples" if "n_test" in spent else " on hidden data"
    bound = "at least" if HIGHER_IS_BETTER[item.metric] else "at most"
    if rec.get("calibrated", True) and "scores" in rec:
        ref = f"the reference reaches {rec['mean']:.3f} ± {rec['std']:.3f} over {len(rec['scores'])} seeds"
    else:
        ref = f"reported figure: {rec.get('source', 'not calibrated here')}"
    score_text, limit_text = format_numbers(score, limit, digits=3)
    raise CheckFailure(f"{what}: {_LABELS[item.metric]} {score_text}{after}{on}; {bound} {limit_text} is required ({ref})",
                       details)


def check_min_score(score, assignment, key, what):
    """Fail unless ``score`` (an accuracy) reaches the calibrated threshold of ``assignment``/``key``;
    return the details for the feedback (score, threshold, budget, the grader's learning curve)."""
    return _check(score, assignment, key, what, True)


def check_max_error(score, assignment, key, what):
    """Fail unless ``score`` (an error such as MSE) stays at or below the calibrated threshold."""
    return _check(score, assignment, key, what, False)


def _gist(err):
    """The gist of an error message: ANSI colours removed, whitespace collapsed, at most 300 characters."""
    text = " ".join(re.sub(r"\x1b\[[0-9;]*m", "", str(err)).split())
    return text if len(text) <= 300 else text[:297] + "..."
