"""Hidden checks for 07_fashion_mnist: preprocess, train_val_split, build_model, train (early stopping).

The grader trains on seeded subsets of the Fashion-MNIST training split and
tests on seeded subsets of its test split, which the notebook never trains on.
``train`` (the student's own training code, run in their sandbox on a model
the grader built) is judged only by what the grader measures on the models
it returns, never by the History it reports: on real data the model must
score on hidden test images; for early stopping it trains twice, once with
validation labels shuffled (the validation loss rises from the first epoch:
training must end soon, so the model fits its training data little more than
six epochs of batches of 32 do) and once with real ones (the loss keeps
falling for many epochs: training must go on, so the model fits its
training data much better than the first one).
"""
import keras
import numpy as np

from assignments import datasets
from autograder.checks import CheckFailure, as_array, check_close, check_shape
from autograder.checks import keras_models as km
from autograder.checks.training import (
    Training, budget, check_min_score, course_seeded, fit, fit_and_score, predict, score_predictions, seed_from,
)
from autograder.checks.training_cache import memoized_training

A = "07_fashion_mnist"
L = keras.layers
STOP_PROBE = {"n_train": 512, "n_val": 256}
SIX_EPOCHS = {"epochs": 6, "batch_size": 32}
MIN_FIT_RATIO = 0.5      # rising validation loss: training loss at least this share of six epochs' (batches of 32)
MAX_REACTION_RATIO = 0.7  # falling validation loss: training loss at most this share of the rising case's
# preprocess may return float32 (Keras's default) or float64 (what keras.utils.to_categorical and / 255.0 give):
# Keras trains on either; the values are what is checked.
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

# Reference solutions (the TensorFlow tutorial's classifier, seed 004's training process).


def preprocess(images, labels):
    x = images.reshape(len(images), 28 * 28).astype(np.float32) / 255
    y = np.eye(10, dtype=np.float32)[labels]
    return x, y


def train_val_split(x, y, val_fraction, seed):
    order = np.random.default_rng(seed).permutation(len(x))
    n_val = int(round(val_fraction * len(x)))
    val, tr = order[:n_val], order[n_val:]
    return x[tr], y[tr], x[val], y[val]


def build_model():
    model = keras.Sequential([keras.Input(shape=(28 * 28,)), L.Dense(128, activation="relu"), L.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def train(model, x_train, y_train, x_val, y_val):
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    return model.fit(x_train, y_train, epochs=100, batch_size=64, validation_data=(x_val, y_val),
                     callbacks=[stop], verbose=0)


REFERENCE = {f.__name__: f for f in (preprocess, train_val_split, build_model, train)}

# Hidden data: seeded subsets, preprocessed by the reference (the grader never relies on the student's preprocess).


def fashion_subsets(seed, n_train, n_val, n_test):
    """Disjoint seeded subsets of the training split (train, validation) and a seeded subset of the test split."""
    (x, y), (x_test, y_test) = datasets.fashion_mnist()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))[:n_train + n_val]
    test = rng.permutation(len(y_test))[:n_test]
    x, y = preprocess(x[order], y[order])
    x_test, y_test = preprocess(x_test[test], y_test[test])
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:], x_test, y_test


def score_build_model(student, seed, b):
    x, y, _, _, x_test, y_test = fashion_subsets(seed, b["n_train"], 0, b["n_test"])
    model = student.keras_model("build_model", seed=seed)
    return fit_and_score(model, x, y, x_test, y_test, b["epochs"], b["batch_size"], seed, "accuracy")


def score_train(student, seed, b):
    """Test accuracy of the model the student's train returns (the grader's fresh build_model, hidden subsets).
    The History must be returned, as the course asks, but nothing is read from it."""
    x, y, x_val, y_val, x_test, y_test = fashion_subsets(seed, b["n_train"], b["n_val"], b["n_test"])
    history, model = student.keras_fit("train", "build_model", x, y, x_val, y_val, seed=seed)
    if not isinstance(history, dict) or "val_loss" not in history:
        kind = f"a dict with {sorted(history)}" if isinstance(history, dict) else type(history).__name__
        raise CheckFailure(f"train: expected it to return the History of a fit with validation_data=(x_val, y_val), "
                           f"got {kind}")
    return score_predictions(predict(model, x_test), y_test, "accuracy")


def training_loss(model, x, y):
    """The categorical cross-entropy of a model on data the grader holds, computed by the grader."""
    p = np.clip(predict(model, x), 1e-7, 1.0)
    return float(-np.log((p * y).sum(axis=1)).mean())


def six_epochs_loss(student, seed, x, y):
    """Training loss of the grader's own training of the fresh build_model: six epochs, batches of 32."""
    model = student.keras_model("build_model", seed=seed)

    def run():
        fit(model, x, y, SIX_EPOCHS["epochs"], SIX_EPOCHS["batch_size"], seed)
        return training_loss(model, x, y)

    return memoized_training(model, [x, y], run, check="six-epochs", seed=int(seed), **SIX_EPOCHS)


CPU = {"n_train": 5000, "n_test": 2000, "epochs": 3, "batch_size": 32}
GPU = {"n_train": 60000, "n_test": 10000, "epochs": 10, "batch_size": 32}
TRAINING = {
    # gpu: the TensorFlow tutorial's budget (all 60,000 images, 10 epochs), where it reports about 0.88.
    "build_model": Training(score_build_model, REFERENCE, "accuracy", {"cpu": CPU, "gpu": GPU}, min_margin=0.02),
    "train": Training(score_train, REFERENCE, "accuracy",
                      {"cpu": {"n_train": 3000, "n_val": 1000, "n_test": 2000},
                       "gpu": {"n_train": 50000, "n_val": 10000, "n_test": 10000}}, min_margin=0.03),
}

# Checks.


def check_preprocess_values(student, rng):
    """preprocess scales hidden uint8 images to float (n, 784) in [0, 1] and one-hot encodes the labels as floats (float32 or float64)"""
    n = int(rng.integers(5, 12))
    images = rng.integers(0, 256, size=(n, 28, 28)).astype(np.uint8)
    images[0, 0, :2] = (0, 255)
    labels = rng.permutation(np.arange(n) % 10).astype(np.uint8)
    out = student.call("preprocess", images, labels)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise CheckFailure(f"preprocess: expected a pair (x, y), got {type(out).__name__}")
    x, y = (as_array(v, w) for v, w in zip(out, ("x", "y")))
    want_x, want_y = preprocess(images, labels)
    for got, want, what in ((x, want_x, "x"), (y, want_y, "y")):
        check_shape(got, want.shape, f"preprocess: {what} for {n} images")
        if got.dtype not in FLOAT_DTYPES:
            raise CheckFailure(f"preprocess: expected {what} of dtype float32 (or float64), got {got.dtype}")
    check_close(x, want_x, "preprocess: x", rtol=1e-6, atol=1e-7, inputs="hidden uint8 images (x = pixels / 255)")
    check_close(y, want_y, "preprocess: y", inputs="hidden labels (one-hot rows)")


def _split(student, x, y, fraction, seed):
    out = student.call("train_val_split", x, y, fraction, seed)
    if not isinstance(out, (tuple, list)) or len(out) != 4:
        raise CheckFailure(f"train_val_split: expected 4 arrays (x_train, y_train, x_val, y_val), got {type(out).__name__}")
    return [as_array(v, w) for v, w in zip(out, ("x_train", "y_train", "x_val", "y_val"))]


def _tagged(rng, n):
    """Rows whose first column is their id, and one-hot labels that follow from the id."""
    x = np.c_[np.arange(n, dtype=np.float64), rng.normal(size=(n, 3))]
    return x, np.eye(10)[np.arange(n) % 10]


def check_split_partition(student, rng):
    """train_val_split returns (x_train, y_train, x_val, y_val): exact sizes, disjoint, every row once, rows paired with their labels"""
    for n, fraction in ((200, 0.25), (500, 0.2), (1000, 0.1)):
        x, y = _tagged(rng, n)
        seed = int(rng.integers(1000))
        x_tr, y_tr, x_val, y_val = _split(student, x, y, fraction, seed)
        n_val = round(fraction * n)
        call = f"train_val_split(x ({n}, 4), y ({n}, 10), {fraction}, {seed})"
        for got, shape, what in ((x_tr, (n - n_val, 4), "x_train"), (y_tr, (n - n_val, 10), "y_train"),
                                 (x_val, (n_val, 4), "x_val"), (y_val, (n_val, 10), "y_val")):
            check_shape(got, shape, f"{call}: {what}")
        ids_tr, ids_val = x_tr[:, 0].astype(np.int64), x_val[:, 0].astype(np.int64)
        both = np.intersect1d(ids_tr, ids_val)
        if both.size:
            raise CheckFailure(f"{call}: {both.size} rows are in both the training and the validation set (e.g. row {both[0]})")
        if np.unique(np.r_[ids_tr, ids_val]).size != n:
            raise CheckFailure(f"{call}: some rows appear twice and others not at all; each row must land in exactly one set")
        for xs, ys, what in ((x_tr, y_tr, "training"), (x_val, y_val, "validation")):
            ids = xs[:, 0].astype(np.int64)
            if not ((x[ids] == xs).all() and (y[ids] == ys).all()):
                raise CheckFailure(f"{call}: in the {what} set some rows of x no longer sit next to their labels in y; "
                                   "shuffle x and y with the same permutation")


def check_split_seeded(student, rng):
    """train_val_split is random but reproducible: the same seed gives the same split, another seed another one"""
    x, y = _tagged(rng, 200)
    seed = int(rng.integers(1000))
    first = _split(student, x, y, 0.25, seed)
    again = _split(student, x, y, 0.25, seed)
    other = _split(student, x, y, 0.25, seed + 1)
    if not all(a.shape == b.shape and (a == b).all() for a, b in zip(first, again)):
        raise CheckFailure(f"train_val_split: two calls with seed {seed} gave different splits; draw the permutation "
                           "from np.random.default_rng(seed) so the split is reproducible")
    if set(first[2][:, 0]) == set(other[2][:, 0]):
        raise CheckFailure(f"train_val_split: seeds {seed} and {seed + 1} gave the same validation rows; "
                           "shuffle with the seed instead of always taking the same rows")


def check_build_model_structure(student, rng):
    """build_model: a compiled classifier for (784,) inputs with 10 softmax outputs and the categorical cross-entropy"""
    model = student.keras_model("build_model")
    km.check_input_shape(model, (784,), "build_model()")
    km.check_output_shape(model, (10,), "build_model()")
    km.check_output_activation(model, "softmax", "build_model()")
    km.check_loss(model, "categorical_crossentropy", "build_model() (preprocess gives one-hot labels)")


@course_seeded
def check_build_model_learns(student, rng):
    """build_model classifies hidden Fashion-MNIST test images after the grader trains it"""
    key = "build_model"
    score = TRAINING[key].score(student, seed_from(rng), budget(A, key))
    check_min_score(score, A, key, "build_model, trained by the grader on Fashion-MNIST")


@course_seeded
def check_train_scores(student, rng):
    """train fits on the training data, validates on (x_val, y_val), and the trained model classifies hidden test images"""
    score = TRAINING["train"].score(student, seed_from(rng), budget(A, "train"))
    check_min_score(score, A, "train", "build_model trained by your train()")


@course_seeded
def check_train_stops_early(student, rng):
    """train stops early on the validation loss: measured by the grader on the models it returns, with validation data that gets worse from the first epoch and with validation data that keeps improving"""
    seed = seed_from(rng)
    x, y, x_val, y_val, _, _ = fashion_subsets(seed, STOP_PROBE["n_train"], STOP_PROBE["n_val"], 0)
    shuffled = np.random.default_rng(seed).permutation(y_val)
    _, rising = student.keras_fit("train", "build_model", x, y, x_val, shuffled, seed=seed)
    _, falling = student.keras_fit("train", "build_model", x, y, x_val, y_val, seed=seed)
    loss_rising, loss_falling = training_loss(rising, x, y), training_loss(falling, x, y)
    six = six_epochs_loss(student, seed, x, y)
    if loss_rising < MIN_FIT_RATIO * six:
        raise CheckFailure(
            f"train: with validation labels that make val_loss rise from the first epoch, the model your train returns "
            f"fits its {len(x)} training images far more closely (loss {loss_rising:.3f}) than six epochs of batches of 32 "
            f"do ({six:.3f}): it kept training. Use keras.callbacks.EarlyStopping(monitor='val_loss', patience=...) with "
            "patience at most 5 (or restore_best_weights=True), on validation_data=(x_val, y_val)")
    if loss_falling > MAX_REACTION_RATIO * loss_rising:
        raise CheckFailure(
            f"train: with validation data that keeps improving, the model your train returns fits its training images "
            f"no better (loss {loss_falling:.3f}) than with validation data that gets worse ({loss_rising:.3f}): "
            "training does not follow the validation loss. Validate on (x_val, y_val), not on a split of the training "
            "data, stop on val_loss, and give EarlyStopping enough epochs to act")


CHECKS = {
    "test_preprocess": [check_preprocess_values],
    "test_train_val_split": [check_split_partition, check_split_seeded],
    "test_build_model_structure": [check_build_model_structure],
    "test_build_model_learns": [check_build_model_learns],
    "test_train": [check_train_scores],
    "test_early_stopping": [check_train_stops_early],
}
