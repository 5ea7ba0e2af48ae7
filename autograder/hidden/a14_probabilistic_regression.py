"""Hidden checks for 14_probabilistic_regression: the Gaussian NLL, its gradients, a network that
predicts a mean and a spread, and prediction intervals (seed 002: a network predicts P(Y | x)).

The numpy functions are compared with the formulas on hidden inputs, the
gradients with central differences. The model's architecture is trained by
the grader with its own Gaussian NLL (``gaussian_nll_loss``; a student's
hand-written loss cannot be loaded safely, so ``keras_model(compiled=False)``
takes the architecture alone) on seeded heteroscedastic data
(``assignments.toydata.heteroscedastic``: the noise grows twentyfold from
x = 0 to the edges), then scored on hidden test points: the mean test NLL,
and how many test points its 68% and 95% intervals hold, overall and in
the quietest and the noisiest third. A network whose sigma ignores x
(a constant spread) has a test NLL about 0.3 nats worse than the
reference's and intervals far too wide where the noise is small and too
narrow where it is large: it fails both.

``training.py`` knows the metrics accuracy, mse and mae; both scores here
are errors (lower is better), so their records say ``mae``.
"""
import math
from dataclasses import dataclass

import numpy as np

from assignments import toydata
from autograder.checks import CheckFailure, as_array, check_close, check_gradient, check_shape, format_numbers
from autograder.checks import keras_models as km
from autograder.checks import training
from autograder.checks.training import Training, course_seeded, seed_from
from autograder.checks.training_cache import memoized_training
from autograder.hidden.a03_losses import check_single_float

A = "14_probabilistic_regression"
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
LEVELS = (0.68, 0.95)

# Reference implementations: the answers the checks compare with.


def gaussian_nll(y, mu, sigma):
    y, mu, sigma = (np.asarray(a, dtype=np.float64) for a in (y, mu, sigma))
    return float(np.mean(0.5 * np.log(2 * np.pi * sigma**2) + (y - mu) ** 2 / (2 * sigma**2)))


def gaussian_nll_gradients(y, mu, log_sigma):
    y, mu, log_sigma = (np.asarray(a, dtype=np.float64) for a in (y, mu, log_sigma))
    variance = np.exp(2 * log_sigma)
    dmu = (mu - y) / variance / y.size
    dlog_sigma = (1 - (y - mu) ** 2 / variance) / y.size
    return dmu, dlog_sigma


def build_gaussian_model(n_features):
    import keras

    layers = keras.layers
    inputs = keras.Input(shape=(n_features,))
    hidden = layers.Dense(32, activation="relu")(inputs)
    hidden = layers.Dense(32, activation="relu")(hidden)
    mu = layers.Dense(1)(hidden)
    sigma = layers.Dense(1, activation="softplus")(hidden)
    return keras.Model(inputs, layers.Concatenate()([mu, sigma]))


def prediction_interval(mu, sigma, level=0.95):
    from scipy.stats import norm

    z = norm.ppf(0.5 + level / 2)
    return mu - z * sigma, mu + z * sigma


def gaussian_nll_loss(y_true, y_pred):
    """The Gaussian NLL as a Keras loss: y_pred's columns are mu and sigma. The grader trains with it."""
    from keras import ops

    mu, sigma = y_pred[:, 0:1], y_pred[:, 1:2]
    return HALF_LOG_2PI + ops.log(sigma) + 0.5 * ops.square((ops.reshape(y_true, (-1, 1)) - mu) / sigma)


def z_score(level):
    from scipy.stats import norm

    return float(norm.ppf(0.5 + level / 2))


# gaussian_nll


def _hidden_gaussian(rng, n, sigma_low=0.05, sigma_high=5.0):
    sigma = np.exp(rng.uniform(np.log(sigma_low), np.log(sigma_high), size=n))
    mu = rng.normal(scale=3.0, size=n)
    return mu + sigma * rng.normal(scale=1.5, size=n), mu, sigma


def _check_nll(student, y, mu, sigma, inputs):
    what = f"gaussian_nll(y, mu, sigma) of {len(y)} sample{'' if len(y) == 1 else 's'}"
    got = float(check_single_float(student.call("gaussian_nll", y, mu, sigma), what))
    expected = gaussian_nll(y, mu, sigma)
    slips = {
        "without the constant 0.5 * log(2 * pi)": expected - HALF_LOG_2PI,
        "summed over the samples instead of averaged": expected * len(y),
        "with sigma used as the variance (sigma ** 2 is the variance)": gaussian_nll(y, mu, np.sqrt(sigma)),
        "with log(2 * pi * sigma) where log(2 * pi * sigma ** 2) belongs":
            float(np.mean(0.5 * np.log(2 * np.pi * sigma) + (y - mu) ** 2 / (2 * sigma**2))),
    }
    for slip, value in slips.items():
        if abs(got - value) <= 1e-9 * max(1.0, abs(value)) and abs(value - expected) > 1e-6:
            got_text, want = format_numbers(got, expected)
            raise CheckFailure(f"{what}: got {got_text}, which is the NLL {slip}; expected {want} on {inputs}")
    check_close(np.float64(got), expected, what, rtol=1e-7, atol=1e-10, inputs=inputs)


def check_nll_values(student, rng):
    """gaussian_nll is the mean over the samples of 0.5 * log(2 pi sigma^2) + (y - mu)^2 / (2 sigma^2), on hidden inputs"""
    for n in (int(rng.integers(5, 15)), int(rng.integers(100, 300))):
        _check_nll(student, *_hidden_gaussian(rng, n), "hidden y, mu and sigma (sigma from 0.05 to 5)")


def check_nll_extremes(student, rng):
    """gaussian_nll is right for one sample, for a tiny sigma (0.001) and for a residual 1,000 sigmas wide"""
    y, mu, sigma = _hidden_gaussian(rng, 1)
    _check_nll(student, y, mu, sigma, "a single hidden sample")
    mu = rng.normal(size=6)
    sigma = np.full(6, 1e-3)
    _check_nll(student, mu + rng.normal(scale=1e-3, size=6), mu, sigma, "hidden samples with sigma = 0.001")
    _check_nll(student, mu + 1.0, mu, sigma, "residuals of 1 with sigma = 0.001 (1,000 sigmas)")


# gaussian_nll_gradients


def _gradients(student, rng):
    n = int(rng.integers(5, 12))
    y, mu, sigma = _hidden_gaussian(rng, n, 0.2, 3.0)
    log_sigma = np.log(sigma)
    what = f"gaussian_nll_gradients(y, mu, log_sigma) of {n} samples"
    out = student.call("gaussian_nll_gradients", y, mu, log_sigma)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise CheckFailure(f"{what}: expected a pair (dmu, dlog_sigma), got {type(out).__name__}")
    dmu, dlog_sigma = (check_shape(g, (n,), f"{what}: {name}") for g, name in zip(out, ("dmu", "dlog_sigma")))
    return y, mu, log_sigma, dmu, dlog_sigma, what


def check_dmu(student, rng):
    """dmu matches central differences of the mean NLL with respect to mu (float64, the worst entry named)"""
    y, mu, log_sigma, dmu, _, what = _gradients(student, rng)
    check_gradient(dmu, lambda m: gaussian_nll(y, m, np.exp(log_sigma)), mu, f"{what}: dmu", rng)


def check_dlog_sigma(student, rng):
    """dlog_sigma matches central differences of the mean NLL with respect to log sigma (sigma = exp(log_sigma))"""
    y, mu, log_sigma, _, dlog_sigma, what = _gradients(student, rng)
    check_gradient(dlog_sigma, lambda s: gaussian_nll(y, mu, np.exp(s)), log_sigma, f"{what}: dlog_sigma", rng)


# build_gaussian_model: structure


def _model(student, n_features, seed=0):
    """The student's architecture without their compile settings (their loss may be hand-written)."""
    return student.keras_model("build_gaussian_model", n_features, seed=seed, compiled=False)


def check_model_shapes(student, rng):
    """build_gaussian_model(n_features) takes n_features inputs and has one output of two numbers per sample (mu, sigma)"""
    for n in (1, int(rng.integers(2, 9))):
        model, what = _model(student, n), f"build_gaussian_model({n})"
        km.check_input_shape(model, (n,), what)
        km.check_output_shape(model, (2,), f"{what} (column 0 mu, column 1 sigma)")


def check_sigma_positive(student, rng):
    """build_gaussian_model's sigma (output column 1) is positive and finite for every input, before any training, from several initialisations"""
    # At initialisation (zero biases) a linear sigma over one input has one sign per half-line: a quarter of
    # initialisations would hide it; over six, one in thousands.
    for n in (1, 1, 1, *[int(rng.integers(2, 6))] * 3):
        model, what = _model(student, n, seed=seed_from(rng)), f"build_gaussian_model({n})"
        km.check_output_shape(model, (2,), what)
        x = rng.normal(scale=3.0, size=(512, n))
        sigma = training.predict(model, x)[:, 1]
        bad = ~(np.isfinite(sigma) & (sigma > 0))
        if bad.any():
            raise CheckFailure(f"{what}: sigma (output column 1) is {sigma[bad][0]:.4g} for {int(bad.sum())} of 512 hidden "
                               "inputs; a standard deviation must be positive: give the sigma unit an activation that is "
                               "always > 0, e.g. Dense(1, activation='softplus') or 'exponential' (relu can give 0)")


# build_gaussian_model: trained by the grader


@dataclass(frozen=True)
class Fitted:
    """What the grader measured after training: the mean test NLL and the coverage of each interval."""

    nll: float
    coverage: dict   # (region, level) -> share of that region's test points inside the level's interval

    @property
    def coverage_error(self):
        return max(abs(share - level) for (_, level), share in self.coverage.items())


REGIONS = ("all", "quietest third", "noisiest third")


def heteroscedastic_split(seed, n_train, n_test):
    """Hidden training and test sets: x (n, 1) float32, y (n, 1) float32, and the test points' true sigma."""
    x, y, _ = toydata.heteroscedastic(n_train, seed)
    x_test, y_test, sigma_test = toydata.heteroscedastic(n_test, seed + 1)
    return (x.astype(np.float32), y[:, None].astype(np.float32), x_test.astype(np.float32),
            y_test[:, None].astype(np.float32), sigma_test)


def measure(pred, y, true_sigma):
    """The mean NLL and interval coverages of predictions (n, 2) for targets y (n,); NaN where sigma is not positive."""
    mu, sigma = pred[:, 0], pred[:, 1]
    with np.errstate(all="ignore"):
        nll = gaussian_nll(y, mu, sigma) if (sigma > 0).all() and np.isfinite(pred).all() else math.nan
        order = np.argsort(true_sigma, kind="stable")
        third = len(order) // 3
        regions = {"all": order, "quietest third": order[:third], "noisiest third": order[-third:]}
        coverage = {(name, level): float(np.mean(np.abs(y[idx] - mu[idx]) <= z_score(level) * sigma[idx]))
                    for name, idx in regions.items() for level in LEVELS}
    return Fitted(nll, coverage)


def trained(student, seed, b):
    """Train build_gaussian_model(1) with the grader's NLL on hidden data; measure it on hidden test points.

    Memoised like ``training.fit_and_score`` (the model, data, budget and seed decide the result).
    """
    import keras

    model = _model(student, 1, seed=seed)
    km.check_output_shape(model, (2,), "build_gaussian_model(1)")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=b["learning_rate"]), loss=gaussian_nll_loss)
    x, y, x_test, y_test, sigma_test = heteroscedastic_split(seed, b["n_train"], b["n_test"])

    def run():
        training.fit(model, x, y, b["epochs"], b["batch_size"], seed)
        fitted = measure(training.predict(model, x_test), y_test[:, 0].astype(np.float64), sigma_test)
        return (fitted.nll, *fitted.coverage.values())

    values = memoized_training(model, [x, y, x_test, y_test], run, check="gaussian", seed=int(seed), **b)
    return Fitted(values[0], dict(zip([(r, lv) for r in REGIONS for lv in LEVELS], values[1:])))


def score_nll(student, seed, b):
    return trained(student, seed, b).nll


def score_coverage_error(student, seed, b):
    return trained(student, seed, b).coverage_error


REFERENCE = {"build_gaussian_model": build_gaussian_model}
# Adam at 0.01 leaves the reference overconfident where the noise is smallest on some seeds; 0.005 for 30 epochs does not.
CPU = {"n_train": 2000, "n_test": 3000, "epochs": 30, "batch_size": 64, "learning_rate": 0.005}
GPU = {"n_train": 8000, "n_test": 10000, "epochs": 30, "batch_size": 64, "learning_rate": 0.005}
TRAINING = {
    # Test NLL in nats; a constant sigma is about 0.3 worse than the reference, a linear mu about 0.45 (zoo, 2 seeds).
    "nll": Training(score_nll, REFERENCE, "nll", {"cpu": CPU, "gpu": GPU}, min_margin=0.1),
    # The largest |share inside the interval - its level| over 68% / 95% and the three regions.
    "coverage": Training(score_coverage_error, REFERENCE, "coverage_error", {"cpu": CPU, "gpu": GPU}, min_margin=0.06),
}


def _training_text(b):
    return (f"trained by the grader with its Gaussian NLL (Adam, learning rate {b['learning_rate']}, {b['epochs']} epochs, "
            f"batches of {b['batch_size']}, {b['n_train']:,} hidden points)")


def _reference_text(key):
    rec = training.record(A, key)
    return f"the reference reaches {rec['mean']:.3f} ± {rec['std']:.3f} over {len(rec['scores'])} seeds"


@course_seeded
def check_model_learns(student, rng):
    """trained by the grader with its Gaussian NLL on hidden heteroscedastic data, build_gaussian_model(1) reaches the required test NLL"""
    b = training.budget(A, "nll")
    fitted = trained(student, seed_from(rng), b)
    limit = training.threshold(A, "nll")
    if not fitted.nll <= limit:
        raise CheckFailure(
            f"build_gaussian_model(1), {_training_text(b)}: mean test NLL {fitted.nll:.3f} on {b['n_test']:,} hidden points; "
            f"at most {limit:.3f} is required ({_reference_text('nll')}). A NaN means sigma reached 0 or the training "
            "diverged; a sigma that does not depend on x (a constant spread) stays about 0.3 above the reference, "
            "a mu without a hidden layer about 0.45")


@course_seeded
def check_model_calibrated(student, rng):
    """trained by the grader, build_gaussian_model(1)'s 68% and 95% intervals hold about 68% and 95% of the hidden test points, overall and where the noise is smallest and largest"""
    b = training.budget(A, "coverage")
    fitted = trained(student, seed_from(rng), b)
    limit = training.threshold(A, "coverage")
    if not fitted.coverage_error <= limit:
        shares = "; ".join(f"{region}: " + ", ".join(f"{fitted.coverage[(region, level)]:.1%} in the {level:.0%} interval"
                                                    for level in LEVELS) for region in REGIONS)
        raise CheckFailure(
            f"build_gaussian_model(1), {_training_text(b)}: on {b['n_test']:,} hidden test points, {shares}. Each share "
            f"must lie within {limit:.3f} of its level ({_reference_text('coverage')} as its largest miss). Intervals "
            "too wide where the noise is small and too narrow where it is large mean a sigma that ignores x")


# prediction_interval


def _check_interval(student, mu, sigma, level, inputs):
    args = (mu, sigma) if level is None else (mu, sigma, level)
    what = f"prediction_interval(mu, sigma{'' if level is None else f', level={level}'})"
    out = student.call("prediction_interval", *args)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise CheckFailure(f"{what}: expected a pair (low, high), got {type(out).__name__}")
    low, high = (as_array(v, f"{what}: {name}") for v, name in zip(out, ("low", "high")))
    level = 0.95 if level is None else level
    z = z_score(level)
    if high.shape == mu.shape and np.allclose(high, mu + level * sigma, rtol=1e-6) and abs(z - level) > 1e-3:
        raise CheckFailure(f"{what}: the interval is mu ± level * sigma; the half-width is z * sigma with "
                           f"z = norm.ppf(0.5 + level / 2) = {z:.4f} for level {level}")
    from scipy.stats import norm

    if high.shape == mu.shape and np.allclose(high, mu + norm.ppf(level) * sigma, rtol=1e-6):
        raise CheckFailure(f"{what}: z = norm.ppf(level) leaves {1 - level:.0%} outside on each side; the central "
                           f"interval leaves {(1 - level) / 2:.1%} on each side: z = norm.ppf(0.5 + level / 2) = {z:.4f}")
    check_close(low, mu - z * sigma, f"{what}: low", rtol=1e-4, atol=1e-9, inputs=inputs)
    check_close(high, mu + z * sigma, f"{what}: high", rtol=1e-4, atol=1e-9, inputs=inputs)


def check_interval_values(student, rng):
    """prediction_interval(mu, sigma, level) is mu ± z * sigma with z the (1 + level) / 2 quantile of the standard normal, for hidden mu, sigma and several levels"""
    n = int(rng.integers(5, 20))
    mu, sigma = rng.normal(scale=3.0, size=n), rng.uniform(0.1, 3.0, size=n)
    for level in (0.5, 0.68, float(np.round(rng.uniform(0.8, 0.9), 3)), 0.99):
        _check_interval(student, mu, sigma, level, "hidden mu and sigma")


def check_interval_default(student, rng):
    """prediction_interval(mu, sigma) without a level is the central 95% interval"""
    mu, sigma = rng.normal(size=7), rng.uniform(0.1, 2.0, size=7)
    _check_interval(student, mu, sigma, None, "hidden mu and sigma (the default level, 0.95)")


CHECKS = {
    "test_gaussian_nll": [check_nll_values, check_nll_extremes],
    "test_gaussian_nll_gradients": [check_dmu, check_dlog_sigma],
    "test_gaussian_model_structure": [check_model_shapes, check_sigma_positive],
    "test_gaussian_model_learns": [check_model_learns],
    "test_gaussian_model_calibrated": [check_model_calibrated],
    "test_prediction_interval": [check_interval_values, check_interval_default],
}
