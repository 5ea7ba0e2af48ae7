"""Hidden checks for 08_regularization: dropout, L2 penalty, Glorot/He initialisation, a regularised model.

Statistical checks draw large samples and allow SIGMAS standard errors:
a correct solution fails one with probability below 1e-8, while each bug
the zoo lists is off by many standard errors.

The model check trains the student's network and its unregularised twin
(the same layers and initial weights, dropout rates set to 0 and weight
penalties removed) on the same small Fashion-MNIST subset in the same
order, and compares their overfitting gaps: test loss minus training loss,
both computed here from predictions (no penalty terms, dropout off). 30% of
the training labels are random, so that an unregularised network overfits
within a few hundred steps (memorising noisy labels, Zhang et al. 2017).
The reference is the lecture's network with ``Dropout(0.5)``; the lecture's
``l2(0.001)`` reduces the gap by only 17% +- 5% at this budget (5 seeds)
and fails now and then; the notebook says so and suggests l2(0.01).
A second threshold on test accuracy fails regularisation so strong that
the model no longer learns.
"""
from dataclasses import dataclass

import numpy as np

from autograder.checks import CheckFailure, Fixture, check_close, check_dtype_kind, check_scalar, check_shape, format_numbers
from autograder.checks import keras_models as km
from autograder.checks import training
from autograder.checks.training import Training, course_seeded, seed_from
from autograder.checks.training_cache import memoized_training

A = "08_regularization"

SIGMAS = 6.0

# Reference implementations: the answers the checks compare with.


def dropout_forward(X, rate, rng, training):
    if not training:
        return np.array(X, dtype=np.float64)
    keep = rng.random(np.shape(X)) >= rate
    return np.where(keep, X / (1.0 - rate), 0.0)


def l2_penalty(weights, lam):
    return lam * sum(float(np.sum(np.square(w))) for w in weights)


def glorot_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


def he_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


def as_float(value, shape, what):
    """``value`` as a float64 array of ``shape``, or a CheckFailure naming what is wrong."""
    return check_dtype_kind(check_shape(value, shape, what), "f", what).astype(np.float64)


# dropout_forward


def _signed_inputs(rng, shape):
    """Inputs bounded away from zero, so that a dropped unit (0) is never confused with a kept one."""
    return rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def check_dropout_identity(student, rng):
    """dropout_forward returns X unchanged when training=False"""
    X = rng.normal(size=(20, 30))
    out = student.call("dropout_forward", X, 0.5, Fixture("rng", seed=seed_from(rng)), False)
    check_close(out, X, "dropout_forward(X, rate=0.5, rng, training=False)", rtol=1e-6, atol=0,
                inputs="hidden X (20, 30): at test time dropout does nothing, not even scaling")


def check_dropout_kept_scaled(student, rng):
    """while training, every unit is either dropped (0) or kept and scaled by 1/(1-rate) (inverted dropout)"""
    rate = float(rng.uniform(0.2, 0.7))
    X = _signed_inputs(rng, (60, 50))
    out = check_shape(student.call("dropout_forward", X, rate, Fixture("rng", seed=seed_from(rng)), True), X.shape,
                      f"dropout_forward(X (60, 50), rate={rate:.3f}, rng, training=True)")
    out = check_dtype_kind(out, "f", "dropout_forward's output").astype(np.float64)
    kept = out != 0
    check_close(out[kept], X[kept] / (1.0 - rate), "the kept units",
                inputs=f"rate={rate:.3f}: a kept unit is x / (1 - rate)", rtol=1e-5)
    if not kept.any():
        raise CheckFailure(f"dropout_forward with rate={rate:.3f} dropped every unit")


def _kept_fraction(student, rng, rate, shape):
    X = _signed_inputs(rng, shape)
    out = as_float(student.call("dropout_forward", X, rate, Fixture("rng", seed=seed_from(rng)), True),
                   shape, "dropout_forward(X, rate, rng, training=True)")
    return float((out != 0).mean())


def check_dropout_keep_fraction(student, rng):
    """on a large X the fraction of kept units is 1 - rate, for several rates"""
    shape = (400, 250)
    for rate in (0.1, float(rng.uniform(0.3, 0.6)), 0.8):
        kept = _kept_fraction(student, rng, rate, shape)
        tolerance = SIGMAS * np.sqrt(rate * (1 - rate) / np.prod(shape))
        if abs(kept - (1 - rate)) > tolerance:
            raise CheckFailure(
                f"dropout_forward with rate={rate:.3f} kept {kept:.4f} of {np.prod(shape):,} units; "
                f"expected 1 - rate = {1 - rate:.4f} (± {tolerance:.4f}): drop each unit with probability `rate`")


def check_dropout_expected_value(student, rng):
    """inverted dropout preserves the expected value: the mean output over many units equals the mean input"""
    rate, value, shape = float(rng.uniform(0.3, 0.7)), float(rng.uniform(1.0, 3.0)), (500, 200)
    X = np.full(shape, value)
    out = as_float(student.call("dropout_forward", X, rate, Fixture("rng", seed=seed_from(rng)), True),
                   shape, "dropout_forward(X, rate, rng, training=True)")
    tolerance = SIGMAS * value * np.sqrt(rate / ((1 - rate) * out.size))
    if abs(out.mean() - value) > tolerance:
        raise CheckFailure(
            f"dropout_forward(X = {value:.3f} everywhere, rate={rate:.3f}) has mean {out.mean():.4f}; expected "
            f"{value:.4f} (± {tolerance:.4f}): scale the kept units by 1 / (1 - rate) so the expected value stays the same")


def check_dropout_uses_rng(student, rng):
    """dropout_forward draws its mask from the rng it is given: the same seed gives the same mask, another seed another"""
    X = _signed_inputs(rng, (30, 40))
    seed = seed_from(rng)
    what = "dropout_forward(X, 0.5, rng, True)"
    first = as_float(student.call("dropout_forward", X, 0.5, Fixture("rng", seed=seed), True), X.shape, what)
    again = as_float(student.call("dropout_forward", X, 0.5, Fixture("rng", seed=seed), True), X.shape, what)
    other = as_float(student.call("dropout_forward", X, 0.5, Fixture("rng", seed=seed + 1), True), X.shape, what)
    if (first != again).any():
        raise CheckFailure(f"{what} gave different masks for two generators with the same seed: "
                           "draw the mask from `rng` (e.g. `rng.random(X.shape)`), not from np.random")
    if ((first != 0) == (other != 0)).all():
        raise CheckFailure(f"{what} gave the same mask for generators with different seeds: draw it from `rng`")


# l2_penalty


def check_l2_example(student, rng):
    """l2_penalty([[1, 2], [3, 4]], 0.01) = 0.01 * 30 = 0.3"""
    out = check_scalar(student.call("l2_penalty", [np.array([[1.0, 2.0], [3.0, 4.0]])], 0.01),
                       "l2_penalty([W], 0.01)")
    check_close(out, 0.3, "l2_penalty([[[1, 2], [3, 4]]], 0.01)")


def check_l2_values(student, rng):
    """l2_penalty sums lam * w^2 over every entry of every array in the list"""
    weights = [rng.normal(size=(7, 5)), rng.normal(size=(5,)), rng.normal(size=(5, 3)), rng.normal(size=(3,))]
    lam = float(10 ** rng.uniform(-4, -1))
    out = check_scalar(student.call("l2_penalty", weights, lam), "l2_penalty(weights, lam)")
    check_close(out, l2_penalty(weights, lam), "l2_penalty", inputs=f"hidden weights (7, 5), (5,), (5, 3), (3,) and lam={lam:.5f}")
    single = [rng.normal(size=(4, 6))]
    check_close(check_scalar(student.call("l2_penalty", single, 1.0), "l2_penalty"), l2_penalty(single, 1.0),
                "l2_penalty of one (4, 6) array with lam = 1")


# glorot_normal and he_normal


def _check_init(student, name, rng, fan_in, fan_out, variance, formula):
    """Shape, mean, variance (SIGMAS standard errors) and bell shape of one large draw."""
    what = f"{name}({fan_in}, {fan_out}, rng)"
    W = as_float(student.call(name, fan_in, fan_out, Fixture("rng", seed=seed_from(rng))), (fan_in, fan_out), what)
    n = W.size
    mean_tol = SIGMAS * np.sqrt(variance / n)
    if abs(W.mean()) > mean_tol:
        size, tol = format_numbers(abs(W.mean()), mean_tol, digits=3)
        raise CheckFailure(f"{what} has mean {'-' if W.mean() < 0 else ''}{size}; expected 0 (± {tol})")
    var_tol = SIGMAS * variance * np.sqrt(2.0 / (n - 1))
    if abs(W.var() - variance) > var_tol:
        got, want = format_numbers(W.var(), variance, digits=4)
        raise CheckFailure(f"{what} has variance {got}; expected {formula} = {want} (± {var_tol:.2g})")
    tails = float((np.abs(W) > 2 * np.sqrt(variance)).mean())
    if tails < 0.01:
        raise CheckFailure(f"{what}: only {tails:.2%} of the draws lie beyond 2 standard deviations (a normal "
                           "distribution has 4.6%): draw from a normal distribution, e.g. `rng.normal`")


def check_glorot_small_shape(student, rng):
    """glorot_normal(3, 5, rng) returns a float array of shape (3, 5)"""
    W = student.call("glorot_normal", 3, 5, Fixture("rng", seed=seed_from(rng)))
    check_dtype_kind(check_shape(W, (3, 5), "glorot_normal(3, 5, rng)"), "f", "glorot_normal(3, 5, rng)")


def check_glorot_statistics(student, rng):
    """glorot_normal draws mean 0, variance 2 / (fan_in + fan_out), from a normal distribution (fan_in != fan_out)"""
    for fan_in, fan_out in [(600, 250), (120, 900)]:
        _check_init(student, "glorot_normal", rng, fan_in, fan_out, 2.0 / (fan_in + fan_out), "2 / (fan_in + fan_out)")


def check_he_small_shape(student, rng):
    """he_normal(4, 2, rng) returns a float array of shape (4, 2)"""
    W = student.call("he_normal", 4, 2, Fixture("rng", seed=seed_from(rng)))
    check_dtype_kind(check_shape(W, (4, 2), "he_normal(4, 2, rng)"), "f", "he_normal(4, 2, rng)")


def check_he_statistics(student, rng):
    """he_normal draws mean 0, variance 2 / fan_in, from a normal distribution (fan_in != fan_out)"""
    for fan_in, fan_out in [(500, 300), (150, 800)]:
        _check_init(student, "he_normal", rng, fan_in, fan_out, 2.0 / fan_in, "2 / fan_in")


def _check_uses_rng(student, name, rng):
    seed, what = seed_from(rng), f"{name}(20, 30, rng)"
    first = as_float(student.call(name, 20, 30, Fixture("rng", seed=seed)), (20, 30), what)
    again = as_float(student.call(name, 20, 30, Fixture("rng", seed=seed)), (20, 30), what)
    other = as_float(student.call(name, 20, 30, Fixture("rng", seed=seed + 1)), (20, 30), what)
    if (first != again).any() or (first == other).all():
        raise CheckFailure(f"{what} does not follow its generator (same seed, same weights; another seed, other "
                           "weights): draw from `rng`, not from np.random")


def check_glorot_uses_rng(student, rng):
    """glorot_normal draws from the rng it is given (reproducible with a seed)"""
    _check_uses_rng(student, "glorot_normal", rng)


def check_he_uses_rng(student, rng):
    """he_normal draws from the rng it is given (reproducible with a seed)"""
    _check_uses_rng(student, "he_normal", rng)


# build_regularized_model

INPUT, CLASSES = (784,), 10
CLASSIFIER_LOSSES = ["categorical_crossentropy", "sparse_categorical_crossentropy"]
NOISE_LAYERS = {"Dropout": "rate", "SpatialDropout1D": "rate", "SpatialDropout2D": "rate", "SpatialDropout3D": "rate",
                "GaussianDropout": "rate", "AlphaDropout": "rate", "GaussianNoise": "stddev"}


def build_regularized_model():
    import keras

    model = keras.Sequential([
        keras.Input(shape=INPUT),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(CLASSES, activation="softmax"),
    ])
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def check_model_structure(student, rng):
    """build_regularized_model: input (784,), 10 softmax outputs, a cross-entropy loss, and a dropout or noise layer or an L1/L2 weight penalty"""
    model = student.keras_model("build_regularized_model")
    what = "build_regularized_model()"
    km.check_input_shape(model, INPUT, what)
    km.check_output_shape(model, (CLASSES,), what)
    km.check_output_activation(model, "softmax", what)
    km.check_loss(model, CLASSIFIER_LOSSES, what)
    if any(type(layer).__name__ in NOISE_LAYERS for layer in km.layers_within(model)):
        return
    try:
        km.check_has_weight_penalty(model, what)
    except CheckFailure:
        raise CheckFailure(f"{what}: no regularisation found: add a `keras.layers.Dropout(rate)` layer (or another of "
                           f"{', '.join(NOISE_LAYERS)}) or a weight penalty such as "
                           "`kernel_regularizer=keras.regularizers.l2(...)` (or l1, l1_l2)") from None


def _without_regularization(layer):
    """A fresh copy of ``layer`` with its noise switched off and its weight penalties removed."""
    config = layer.get_config()
    if type(layer).__name__ in NOISE_LAYERS:
        config[NOISE_LAYERS[type(layer).__name__]] = 0.0
    for key in config:
        if key.endswith("_regularizer"):
            config[key] = None
        elif key in ("dropout", "recurrent_dropout"):
            config[key] = 0.0
    return type(layer).from_config(config)


def unregularized_twin(model):
    """The student's network without regularisation: same layers, initial weights, optimizer settings and loss."""
    import keras

    try:
        twin = keras.models.clone_model(model, clone_function=_without_regularization, recursive=True)
        optimizer = type(model.optimizer).from_config(model.optimizer.get_config())
        twin.compile(optimizer=optimizer, loss=model.loss)
        twin.set_weights(model.get_weights())
    except Exception as err:  # a model Keras cannot clone
        raise CheckFailure(f"your model could not be copied without its regularisation ({type(err).__name__}: "
                           f"{str(err)[:200]}); build it from built-in layers with keras.Sequential or keras.Model") from None
    return twin


def fashion_subset(seed, n_train, n_test, label_noise):
    """Seeded Fashion-MNIST subsets: float32 (n, 784) in [0, 1] and integer labels, a fraction
    ``label_noise`` of the training labels replaced by random classes (memorising them is overfitting)."""
    from assignments.datasets import fashion_mnist

    (x_train, y_train), (x_test, y_test) = fashion_mnist()
    rng = np.random.default_rng(seed)
    i = rng.choice(len(x_train), n_train, replace=False)
    j = rng.choice(len(x_test), n_test, replace=False)
    labels = y_train[i].astype(np.int64)
    noisy = rng.random(n_train) < label_noise
    labels[noisy] = rng.integers(0, CLASSES, size=int(noisy.sum()))

    def flat(x):
        return (x.reshape(len(x), -1) / 255.0).astype(np.float32)

    return flat(x_train[i]), labels, flat(x_test[j]), y_test[j].astype(np.int64)


def crossentropy(probabilities, labels, what):
    """Mean negative log-likelihood of integer labels under predicted class probabilities."""
    if probabilities.shape != (len(labels), CLASSES):
        raise CheckFailure(f"{what}: predictions of shape {probabilities.shape}; expected ({len(labels)}, {CLASSES})")
    p = np.clip(probabilities[np.arange(len(labels)), labels], 1e-7, 1.0)
    return float(-np.log(p).mean())


@dataclass(frozen=True)
class Overfitting:
    reduction: float
    accuracy: float
    gap: float
    twin_gap: float


def _gap_after_training(model, data, budget, seed, what):
    """Train ``model`` for budget["steps"] batches (one pass over repeated data) and return (loss gap, test predictions)."""
    x_train, y_train, x_test, y_test = data
    repeats = -(-budget["steps"] * budget["batch_size"] // len(x_train))
    targets = training.targets_for_loss(model, np.tile(y_train, repeats), CLASSES)
    training.fit(model, np.tile(x_train, (repeats, 1)), targets, 1, budget["batch_size"], seed)
    p_test = training.predict(model, x_test)
    gap = crossentropy(p_test, y_test, what) - crossentropy(training.predict(model, x_train), y_train, what)
    return gap, p_test


def overfitting(student, seed, budget):
    """Train the student's model and its unregularised twin alike; compare their loss gaps.

    Memoised like ``training.fit_and_score``: the twin follows from the model,
    so the model, the data, the budget and the seed decide the result.
    """
    model = student.keras_model("build_regularized_model", seed=seed)
    data = fashion_subset(seed, budget["n_train"], budget["n_test"], budget["label_noise"])

    def run():
        twin = unregularized_twin(model)
        gap, p_test = _gap_after_training(model, data, budget, seed, "your model")
        twin_gap, _ = _gap_after_training(twin, data, budget, seed, "your model without regularisation")
        reduction = 1.0 - gap / twin_gap if twin_gap > 0 else 0.0
        return reduction, training.score_predictions(p_test, data[3], "accuracy"), gap, twin_gap

    return Overfitting(*memoized_training(model, data, run, check="overfitting", seed=int(seed), **budget))


def score_reduction(student, seed, budget):
    return overfitting(student, seed, budget).reduction


def score_accuracy(student, seed, budget):
    return overfitting(student, seed, budget).accuracy


BUDGET = {"n_train": 512, "n_test": 2000, "steps": 300, "batch_size": 64, "label_noise": 0.3}
REFERENCE = {"build_regularized_model": build_regularized_model}
TRAINING = {
    "overfitting": Training(score=score_reduction, reference=REFERENCE, metric="accuracy",
                            budgets={"cpu": BUDGET, "gpu": BUDGET}, min_margin=0.10),
    "accuracy": Training(score=score_accuracy, reference=REFERENCE, metric="accuracy",
                         budgets={"cpu": BUDGET, "gpu": BUDGET}, min_margin=0.10),
}


@course_seeded
def check_overfits_less(student, rng):
    """trained by the grader on a small hidden subset, your model overfits less than the same network without regularisation, and still learns"""
    spent = training.budget(A, "overfitting")
    result = overfitting(student, seed_from(rng), spent)
    limit = training.threshold(A, "overfitting")
    if not result.reduction >= limit:
        raise CheckFailure(
            f"after {spent['steps']} batches of {spent['batch_size']} on {spent['n_train']} hidden images, your model's "
            f"overfitting gap (test loss - training loss) is {result.gap:.3f} and the same network's without "
            f"regularisation {result.twin_gap:.3f}: {result.reduction:.1%} smaller, at least {limit:.1%} is required "
            "(regularise more strongly, e.g. Dropout(0.5) or l2(0.01))")
    training.check_min_score(result.accuracy, A, "accuracy", "build_regularized_model, trained by the grader")


CHECKS = {
    "test_dropout_forward_visible": [check_dropout_identity, check_dropout_kept_scaled],
    "test_dropout_forward_hidden": [check_dropout_keep_fraction, check_dropout_expected_value, check_dropout_uses_rng],
    "test_l2_penalty": [check_l2_example, check_l2_values],
    "test_glorot_normal": [check_glorot_small_shape, check_glorot_statistics, check_glorot_uses_rng],
    "test_he_normal": [check_he_small_shape, check_he_statistics, check_he_uses_rng],
    "test_build_regularized_model_structure": [check_model_structure],
    "test_build_regularized_model_training": [check_overfits_less],
}
