"""Hidden checks for 03_losses: mse, the cross-entropies, one_hot and accuracy."""
import numpy as np

from autograder.checks import CheckFailure, check_close, check_dtype_kind, check_finite, check_shape, format_numbers
from autograder.hidden.a02_forward_pass import check_close_or_own, softmax

# Reference implementations: the answers the checks compare with.


def mse(y_true, y_pred):
    return np.mean((np.asarray(y_true, dtype=np.float64) - y_pred) ** 2)


def binary_crossentropy(y_true, p, eps=1e-7):
    p = np.clip(np.asarray(p, dtype=np.float64), eps, 1 - eps)
    return -np.mean(y_true * np.log(p) + (1 - np.asarray(y_true)) * np.log(1 - p))


def one_hot(labels, num_classes):
    return np.eye(num_classes)[labels]


def categorical_crossentropy(Y, P, eps=1e-7):
    return -np.mean(np.sum(Y * np.log(np.clip(P, eps, 1 - eps)), axis=-1))


def sparse_categorical_crossentropy(labels, P, eps=1e-7):
    return categorical_crossentropy(one_hot(labels, P.shape[-1]), P, eps)


def log_softmax(Z):
    shifted = Z - Z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax_crossentropy_from_logits(Y, Z):
    return -np.mean(np.sum(Y * log_softmax(np.asarray(Z, dtype=np.float64)), axis=-1))


def accuracy(labels_true, labels_pred):
    return np.mean(np.asarray(labels_true) == np.asarray(labels_pred))


# The seeds' examples: the three-point linear regression of seed 004 (w = (1, 0.5), b = 0
# predicts 1.5, 1, 0 for targets 2, 1, 0) and the first MNIST labels of seed 001.
REGRESSION_Y, REGRESSION_Y_HAT = np.array([2.0, 1.0, 0.0]), np.array([1.5, 1.0, 0.0])
MNIST_LABELS = np.array([5, 0, 4, 1, 9, 2, 1, 3, 1, 4])


def check_single_float(value, what):
    """Fail unless ``value`` is one float: a Python float or a 0-d array."""
    array = check_dtype_kind(value, "f", what)
    if array.shape != ():
        raise CheckFailure(f"{what}: expected a single number (the mean over the samples), "
                           f"got an array of shape {array.shape}")
    return array


def check_loss(value, expected, what, inputs=""):
    """A loss is one float close to ``expected``."""
    array = check_single_float(value, what)
    try:
        return check_close(array, expected, what)
    except CheckFailure:
        on = f" on {inputs}" if inputs else ""
        want, got = format_numbers(expected, array)
        raise CheckFailure(f"{what}: expected {want}, got {got}{on}") from None


def call_quietly(student, what, hint, name, *args, **kwargs):
    """``student.call``, failing with ``hint`` if the call raised a warning (log(0), overflow, ...)."""
    out, warned = student.call_warnings(name, *args, **kwargs)
    if warned:
        raise CheckFailure(f"{what} raised {warned[0]}; {hint}")
    return check_finite(check_dtype_kind(out, "f", what), what)


def probabilities(rng, n, k):
    """Hidden (n, k) probabilities (rows sum to 1) and (n,) integer labels."""
    return softmax(rng.normal(scale=1.5, size=(n, k))), rng.integers(0, k, size=n)


def certain_and_wrong(rng, n, k):
    """Probabilities with an exact 0 for the true class of the first two rows, and their labels."""
    P, labels = probabilities(rng, n, k)
    P[:2] = one_hot((labels[:2] + 1) % k, k)
    return P, labels


def check_mse_example(student, rng):
    """mse of the lecture's three-point regression (predictions 1.5, 1, 0 for targets 2, 1, 0) is 0.25 / 3"""
    check_loss(student.call("mse", REGRESSION_Y, REGRESSION_Y_HAT), 0.25 / 3, "mse([2, 1, 0], [1.5, 1, 0])")


def check_mse_values(student, rng):
    """mse is the mean over all elements, for (n,) targets and for (n, k) targets"""
    for shape in [(9,), (6, 3)]:
        y = rng.normal(size=shape)
        y_hat = y + rng.normal(scale=0.7, size=shape)
        check_loss(student.call("mse", y, y_hat), mse(y, y_hat), f"mse of two {shape} arrays", inputs="hidden inputs")


def check_bce_example(student, rng):
    """binary_crossentropy of labels (1, 0) with p = (0.8, 0.1) is -(log 0.8 + log 0.9) / 2"""
    y, p = np.array([1.0, 0.0]), np.array([0.8, 0.1])
    check_loss(student.call("binary_crossentropy", y, p), binary_crossentropy(y, p),
               "binary_crossentropy([1, 0], [0.8, 0.1])")


def check_bce_values(student, rng):
    """binary_crossentropy is the mean NLL for (n,) integer labels and for an (n, 1) column of float labels"""
    y = rng.integers(0, 2, size=11)
    p = rng.uniform(0.02, 0.98, size=11)
    check_loss(student.call("binary_crossentropy", y, p), binary_crossentropy(y, p),
               "binary_crossentropy of (11,) integer labels", inputs="hidden labels and probabilities")
    y, p = y[:7, None].astype(np.float64), p[:7, None]
    check_loss(student.call("binary_crossentropy", y, p), binary_crossentropy(y, p),
               "binary_crossentropy of a (7, 1) column", inputs="hidden labels and probabilities")


def check_bce_clipping(student, rng):
    """binary_crossentropy clips p to [eps, 1 - eps]: finite and warning-free for p = 0 and 1, with eps as given"""
    order = rng.permutation(8)
    y = np.array([1, 0, 1, 0, 1, 0, 1, 0], dtype=np.float64)[order]
    p = np.concatenate([[0.0, 1.0, 1.0, 0.0], rng.uniform(0.05, 0.95, size=4)])[order]
    hint = "clip p to [eps, 1 - eps] with np.clip before taking the log"
    for kwargs in ({}, {"eps": 1e-3}):
        what = f"binary_crossentropy with p exactly 0 and 1{', eps=1e-3' if kwargs else ''}"
        out = call_quietly(student, what, hint, "binary_crossentropy", y, p, **kwargs)
        check_loss(out, binary_crossentropy(y, p, **kwargs), what, inputs="hidden labels, 4 of 8 predictions certain")


def check_one_hot_values(student, rng):
    """one_hot gives a float (n, num_classes) array, also when the last classes do not occur in labels"""
    for labels, k in [(MNIST_LABELS, 10), (rng.integers(0, 4, size=7), 6)]:
        what = f"one_hot of {labels.shape[0]} labels with num_classes={k}"
        out = check_dtype_kind(student.call("one_hot", labels, k), "f", what)
        check_shape(out, (labels.shape[0], k), what)
        check_close(out, one_hot(labels, k), what, inputs=f"labels {labels.tolist()}")


def check_cce_values(student, rng):
    """categorical_crossentropy sums over classes and averages over samples"""
    P, labels = probabilities(rng, 6, 4)
    Y = one_hot(labels, 4)
    check_loss(student.call("categorical_crossentropy", Y, P), categorical_crossentropy(Y, P),
               "categorical_crossentropy of (6, 4) arrays", inputs="hidden one-hot Y and probabilities P")


def check_cce_clipping(student, rng):
    """categorical_crossentropy clips P to [eps, 1 - eps]: finite and warning-free when P is 0 for a true class"""
    P, labels = certain_and_wrong(rng, 5, 3)
    Y = one_hot(labels, 3)
    hint = "clip P to [eps, 1 - eps] with np.clip before taking the log"
    for kwargs in ({}, {"eps": 1e-3}):
        what = f"categorical_crossentropy with P = 0 for a true class{', eps=1e-3' if kwargs else ''}"
        out = call_quietly(student, what, hint, "categorical_crossentropy", Y, P, **kwargs)
        check_loss(out, categorical_crossentropy(Y, P, **kwargs), what, inputs="hidden (5, 3) Y and P")


def check_scce_values(student, rng):
    """sparse_categorical_crossentropy is the mean of -log P[i, labels[i]], clipped like categorical_crossentropy"""
    hint = "clip the probabilities to [eps, 1 - eps] before taking the log"
    for (P, labels), kwargs in [(probabilities(rng, 7, 4), {}), (certain_and_wrong(rng, 7, 4), {}),
                                (certain_and_wrong(rng, 7, 4), {"eps": 1e-3})]:
        what = f"sparse_categorical_crossentropy of (7,) labels and (7, 4) P{', eps=1e-3' if kwargs else ''}"
        out = call_quietly(student, what, hint, "sparse_categorical_crossentropy", labels, P, **kwargs)
        check_close_or_own(
            out, sparse_categorical_crossentropy(labels, P, **kwargs),
            lambda: student.call("categorical_crossentropy", student.call("one_hot", labels, 4), P, **kwargs),
            what, inputs="hidden labels and P (some true-class probabilities 0)", compare=check_loss)


def check_sce_values(student, rng):
    """softmax_crossentropy_from_logits equals categorical_crossentropy(Y, softmax(Z)) for moderate logits"""
    Z, labels = rng.normal(scale=3.0, size=(6, 5)), rng.integers(0, 5, size=6)
    Y = one_hot(labels, 5)
    check_loss(student.call("softmax_crossentropy_from_logits", Y, Z), softmax_crossentropy_from_logits(Y, Z),
               "softmax_crossentropy_from_logits of (6, 5) Y and Z", inputs="hidden one-hot Y and logits Z")


def check_sce_large_logits(student, rng):
    """softmax_crossentropy_from_logits is exact, finite and warning-free for logits up to 1e4"""
    base = rng.uniform(-1e4, 1e4, size=(4, 1))
    Z = np.vstack([[1e4, 0.0, -1e4], [1e4, 0.0, -1e4], [-1e4, -1e4 + 1.0, -1e4 + 3.0],
                   np.clip(base + rng.normal(scale=3.0, size=(4, 3)), -1e4, 1e4)])
    labels = np.concatenate([[2, 1, 0], rng.integers(0, 3, size=4)])
    Y = one_hot(labels, 3)
    what = "softmax_crossentropy_from_logits of (7, 3) logits up to 1e4"
    hint = "use log-softmax z - logsumexp(z) with logsumexp(z) = m + log(sum(exp(z - m))), m the row maximum"
    out = call_quietly(student, what, hint, "softmax_crossentropy_from_logits", Y, Z)
    check_loss(out, softmax_crossentropy_from_logits(Y, Z), what,
               inputs="rows such as [1e4, 0, -1e4] whose true class is the last")


def check_accuracy_values(student, rng):
    """accuracy is the fraction of equal labels: 0.75 for (5, 0, 4, 1) vs (5, 0, 9, 1), and 0 and 1 at the extremes"""
    check_loss(student.call("accuracy", MNIST_LABELS[:4], np.array([5, 0, 9, 1])), 0.75,
               "accuracy([5, 0, 4, 1], [5, 0, 9, 1])")
    true = rng.integers(0, 4, size=13)
    for what, pred in [("some equal", np.where(rng.random(13) < 0.6, true, (true + 1) % 4)),
                       ("all equal", true.copy()), ("none equal", (true + 2) % 4)]:
        check_loss(student.call("accuracy", true, pred), accuracy(true, pred), f"accuracy of 13 labels, {what}",
                   inputs="hidden labels")


CHECKS = {
    "test_mse_visible": [check_mse_example],
    "test_mse_hidden": [check_mse_values],
    "test_binary_crossentropy_visible": [check_bce_example],
    "test_binary_crossentropy_hidden": [check_bce_values],
    "test_binary_crossentropy_clipping": [check_bce_clipping],
    "test_one_hot": [check_one_hot_values],
    "test_categorical_crossentropy": [check_cce_values, check_cce_clipping],
    "test_sparse_categorical_crossentropy": [check_scce_values],
    "test_softmax_crossentropy_from_logits": [check_sce_values],
    "test_softmax_crossentropy_stable": [check_sce_large_logits],
    "test_accuracy": [check_accuracy_values],
}
