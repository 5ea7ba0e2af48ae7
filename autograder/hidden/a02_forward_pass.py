"""Hidden checks for 02_forward_pass: dense, predict_hidden, softmax, forward, predict_class, collapse_linear."""
import numpy as np

from autograder.checks import CheckFailure, check_close, check_dtype_kind, check_finite, check_shape
from autograder.hidden.a01_neuron import relu, sigmoid

# Reference implementations: the answers the checks compare with (sigmoid and relu are 01's).


def dense(X, W, b):
    return np.asarray(X, dtype=np.float64) @ W + b


def predict_hidden(X, W1, b1, W2, b2):
    return sigmoid(dense(sigmoid(dense(X, W1, b1)), W2, b2))


def softmax(Z):
    Z = np.asarray(Z, dtype=np.float64)
    e = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


ACTIVATIONS = {"linear": lambda z: z, "sigmoid": sigmoid, "relu": relu, "softmax": softmax}


def forward(X, layers, affine=dense, softmax_fn=softmax):
    """The network's output; ``affine`` and ``softmax_fn`` let a check rebuild it from the student's own helpers."""
    activations = dict(ACTIVATIONS, softmax=softmax_fn)
    for W, b, activation in layers:
        X = activations[activation](affine(X, W, b))
    return X


def predict_class(P):
    return np.argmax(P, axis=-1)


def collapse_linear(W, U):
    return W @ U


# The seeds' examples: the matrix product C = A B (seed 002), the three samples
# X of seed 003, the softmax of z = (1, 2, 3, 4, 1, 2, 3) (seed 001) and the
# cat/horse/car/house network output (seed 000).
A_EXAMPLE = np.array([[2.0, 1.0], [0.0, 3.0]])
B_EXAMPLE = np.array([[3.0, 1.0, 7.0], [8.0, 2.0, 4.0]])
X_SEED = np.array([[3.0, 5.0], [5.0, 1.0], [10.0, 2.0]])
Z_SEED = np.array([1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0])
ANIMALS_SEED = np.array([[0.25, 10.0, 2.0, 4.02]])


def check_close_or_own(value, expected, own, what, inputs="", compare=check_close):
    """``compare`` against the reference, also accepting ``own()``: the same composition built from
    the student's own helper functions (e.g. their ``dense``), whose bugs their own cells already charge."""
    try:
        return compare(value, expected, what, inputs=inputs)
    except CheckFailure as failure:
        try:
            return compare(value, own(), what, inputs=inputs)
        except Exception:  # the student's helpers give no usable result: report the reference mismatch
            raise failure from None


def student_dense(student):
    return lambda X, W, b: student.call("dense", X, W, b)


def student_softmax(student):
    return lambda Z: student.call("softmax", Z)


def layer(rng, fan_in, fan_out, activation):
    """One (W, b, activation) with Glorot-scaled weights, so that no unit saturates."""
    W = rng.normal(scale=np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))
    return W, rng.normal(scale=0.5, size=fan_out), activation


def check_dense_example(student, rng):
    """dense reproduces the lecture's product A B = [[14, 4, 18], [24, 6, 12]] and adds b to every row"""
    C = A_EXAMPLE @ B_EXAMPLE
    check_close(student.call("dense", A_EXAMPLE, B_EXAMPLE, np.zeros(3)), C, "dense(A, B, zeros(3))")
    b = np.array([1.0, -1.0, 0.5])
    check_close(student.call("dense", A_EXAMPLE, B_EXAMPLE, b), C + b, "dense(A, B, [1, -1, 0.5])")


def check_dense_shape(student, rng):
    """dense maps X (n, p), W (p, k), b (k,) to a float (n, k) array"""
    X, (W, b, _) = rng.normal(size=(5, 3)), layer(rng, 3, 4, "linear")
    out = check_dtype_kind(student.call("dense", X, W, b), "f", "dense(X (5, 3), W (3, 4), b (4,))")
    check_shape(out, (5, 4), "dense(X (5, 3), W (3, 4), b (4,))")


def check_dense_values(student, rng):
    """dense matches X W + b on hidden inputs, including the integer X of the lecture's example"""
    X, (W, b, _) = rng.normal(size=(7, 3)), layer(rng, 3, 5, "linear")
    check_close(student.call("dense", X, W, b), dense(X, W, b), "dense(X (7, 3), W (3, 5), b (5,))",
                inputs="hidden inputs")
    W, b, _ = layer(rng, 2, 3, "linear")
    X_int = X_SEED.astype(np.int64)
    check_close(student.call("dense", X_int, W, b), dense(X_int, W, b), "dense(X (3, 2), W (2, 3), b (3,))",
                inputs="the integer X [[3, 5], [5, 1], [10, 2]] with hidden W and b")


def check_predict_hidden_shape(student, rng):
    """predict_hidden maps the lecture's X (3, 2) through 3 hidden units to a (3, 1) column"""
    (W1, b1, _), (W2, b2, _) = layer(rng, 2, 3, "sigmoid"), layer(rng, 3, 1, "sigmoid")
    out = check_dtype_kind(student.call("predict_hidden", X_SEED, W1, b1, W2, b2), "f", "predict_hidden")
    check_shape(out, (3, 1), "predict_hidden(X (3, 2), W1 (2, 3), b1 (3,), W2 (3, 1), b2 (1,))")


def check_predict_hidden_values(student, rng):
    """predict_hidden matches sigmoid(sigmoid(X W1 + b1) W2 + b2) on a hidden 4-5-3 network"""
    X = rng.normal(size=(8, 4))
    (W1, b1, _), (W2, b2, _) = layer(rng, 4, 5, "sigmoid"), layer(rng, 5, 3, "sigmoid")
    check_close_or_own(student.call("predict_hidden", X, W1, b1, W2, b2), predict_hidden(X, W1, b1, W2, b2),
                       lambda: forward(X, [(W1, b1, "sigmoid"), (W2, b2, "sigmoid")], student_dense(student)),
                       "predict_hidden(X (8, 4), W1 (4, 5), b1 (5,), W2 (5, 3), b2 (3,))", inputs="hidden inputs")


def check_collapse_linear_values(student, rng):
    """collapse_linear gives the (p, k) matrix V = W U, so that (X W) U == X V"""
    W, U = rng.normal(size=(4, 3)), rng.normal(size=(3, 2))
    out = check_dtype_kind(student.call("collapse_linear", W, U), "f", "collapse_linear(W (4, 3), U (3, 2))")
    check_close(out, collapse_linear(W, U), "collapse_linear(W (4, 3), U (3, 2))", inputs="hidden W and U")


def check_softmax_example(student, rng):
    """softmax of the lecture's z = (1, 2, 3, 4, 1, 2, 3) is (0.024, 0.064, 0.175, 0.475, 0.024, 0.064, 0.175)"""
    check_close(student.call("softmax", Z_SEED), softmax(Z_SEED), "softmax(z)", inputs="z = (1, 2, 3, 4, 1, 2, 3)")


def check_softmax_values(student, rng):
    """softmax matches the reference row by row (rows sum to 1) for 1-, 2- and 3-dimensional inputs"""
    for shape in [(6,), (5, 3), (2, 3, 4)]:
        Z = rng.normal(scale=3.0, size=shape)
        out = check_dtype_kind(student.call("softmax", Z), "f", f"softmax of a {shape} array")
        check_close(out, softmax(Z), f"softmax of a {shape} array (over its last axis)", inputs="hidden inputs")


def check_softmax_large_entries(student, rng):
    """softmax is exact, finite and warning-free for entries up to 1e4 in size"""
    base = rng.uniform(-1e4, 1e4, size=(4, 1))
    Z = np.vstack([
        [1e4, 0.0, -1e4],
        [-1e4, -1e4 + 1.0, -1e4 + 3.0],
        np.clip(base + rng.normal(scale=2.0, size=(4, 3)), -1e4, 1e4),
    ])
    what = "softmax of a (6, 3) array with entries up to 1e4"
    out, warned = student.call_warnings("softmax", Z)
    if warned:
        raise CheckFailure(f"{what} raised {warned[0]}; subtract each row's maximum before np.exp")
    check_finite(out, what)
    check_close(out, softmax(Z), what, inputs="rows such as [1e4, 0, -1e4] and [-1e4, -9999, -9997]")


def check_predict_class_example(student, rng):
    """predict_class picks class 1 (horse) for the lecture's output (0.25, 10, 2, 4.02)"""
    out = check_dtype_kind(student.call("predict_class", ANIMALS_SEED), "iu", "predict_class([[0.25, 10, 2, 4.02]])")
    check_close(out, [1], "predict_class([[0.25, 10, 2, 4.02]])")


def check_predict_class_values(student, rng):
    """predict_class returns the (n,) integer index of each row's largest entry, for probabilities and raw scores"""
    for P, kind in [(softmax(rng.normal(size=(9, 4))), "probabilities"), (rng.normal(size=(3, 6)), "raw scores")]:
        what = f"predict_class of a {P.shape} array of {kind}"
        out = check_dtype_kind(student.call("predict_class", P), "iu", what)
        check_shape(out, (P.shape[0],), what)
        check_close(out, predict_class(P), what, inputs="hidden inputs")


def compare_forward(student, X, layers, what):
    """The student's forward against the reference (or the same net built from their dense and softmax)."""
    out = check_dtype_kind(student.call("forward", X, layers), "f", what)
    own = (student_dense(student), student_softmax(student))
    check_close_or_own(out, forward(X, layers), lambda: forward(X, layers, *own), what,
                       inputs="hidden inputs and weights")


def check_forward_activations(student, rng):
    """forward runs one-layer networks with each activation: linear, sigmoid, relu, softmax"""
    X = rng.normal(size=(6, 3))
    for activation in ACTIVATIONS:
        net = [layer(rng, 3, 4, activation)]
        compare_forward(student, X, net, f'forward(X (6, 3), [(W (3, 4), b (4,), "{activation}")])')


def check_forward_deep(student, rng):
    """forward feeds each layer's output into the next: 3-5-4-2 networks ending in linear and in softmax"""
    X = rng.normal(size=(6, 3))
    for last in ("linear", "softmax"):
        net = [layer(rng, 3, 5, "sigmoid"), layer(rng, 5, 4, "relu"), layer(rng, 4, 2, last)]
        compare_forward(student, X, net, f'forward through sigmoid (3, 5), relu (5, 4), {last} (4, 2) layers')


def check_forward_mnist(student, rng):
    """forward runs the lecture's MNIST network 784-512(relu)-10(softmax) to (n, 10) probabilities"""
    X = rng.uniform(0.0, 1.0, size=(3, 784))
    net = [layer(rng, 784, 512, "relu"), layer(rng, 512, 10, "softmax")]
    compare_forward(student, X, net, "forward of 3 images through 784-512(relu)-10(softmax)")


CHECKS = {
    "test_dense_visible": [check_dense_example],
    "test_dense_hidden": [check_dense_shape, check_dense_values],
    "test_predict_hidden": [check_predict_hidden_shape, check_predict_hidden_values],
    "test_collapse_linear": [check_collapse_linear_values],
    "test_softmax_visible": [check_softmax_example],
    "test_softmax_hidden": [check_softmax_values],
    "test_softmax_stable": [check_softmax_large_entries],
    "test_predict_class": [check_predict_class_example, check_predict_class_values],
    "test_forward": [check_forward_activations, check_forward_deep, check_forward_mnist],
}
