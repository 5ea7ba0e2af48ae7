"""Hidden checks for 05_backprop: sigmoid', the 2-layer loss and its backward pass, relative error, softmax CE backward, XOR."""
import numpy as np

from autograder.checks import (
    CheckFailure,
    as_array,
    check_close,
    check_gradient,
    check_scalar,
    check_shape,
)
from autograder.checks import relative_error
from autograder.hidden.a01_neuron import sigmoid

# Reference implementations: the answers the checks compare with (relative_error is the check library's).

PARAMS = ("W1", "b1", "W2", "b2")


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1 - s)


def forward_2layer(X, W1, b1, W2, b2):
    z2 = X @ W1 + b1
    a2 = sigmoid(z2)
    z3 = a2 @ W2 + b2
    return z2, a2, z3, sigmoid(z3)


def loss_2layer(X, y, W1, b1, W2, b2):
    return float(np.sum((y - forward_2layer(X, W1, b1, W2, b2)[-1]) ** 2) / (2 * len(X)))


def backward_2layer(X, y, W1, b1, W2, b2):
    z2, a2, z3, yhat = forward_2layer(X, W1, b1, W2, b2)
    delta3 = -(y - yhat) * sigmoid_prime(z3) / len(X)
    delta2 = (delta3 @ W2.T) * sigmoid_prime(z2)
    return {"W1": X.T @ delta2, "b1": delta2.sum(axis=0), "W2": a2.T @ delta3, "b2": delta3.sum(axis=0)}


def softmax(Z):
    e = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_crossentropy(Z, Y):
    log_p = Z - Z.max(axis=1, keepdims=True)
    log_p = log_p - np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    return float(-np.mean(np.sum(Y * log_p, axis=1)))


def softmax_crossentropy_backward(Z, Y):
    return (softmax(Z) - Y) / len(Z)


XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])
# Seeds for which full-batch GD with the notebook's init and defaults (lr 10, 3000 epochs) solves XOR: all of 0..199 do.
XOR_SEEDS = range(1, 100)


# Inputs


def network(rng, n, p, hidden):
    """X (n, p), 0/1 targets y (n, 1) and parameters of a p-hidden-1 net: every shape differs."""
    params = {"W1": rng.normal(size=(p, hidden)), "b1": rng.normal(scale=0.5, size=hidden),
              "W2": rng.normal(size=(hidden, 1)), "b2": rng.normal(scale=0.5, size=1)}
    return rng.normal(size=(n, p)), rng.integers(0, 2, size=(n, 1)).astype(np.float64), params


def visible_network():
    """The network of the notebook's visible backward test."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(5, 3)), (rng.random((5, 1)) > 0.5) * 1.0
    params = {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4), "W2": rng.normal(size=(4, 1)),
              "b2": rng.normal(size=1)}
    return X, y, params


def one_hot_problem(rng, n, k):
    return rng.normal(scale=3.0, size=(n, k)), np.eye(k)[rng.integers(0, k, size=n)]


# sigmoid_prime


def check_sigmoid_prime_examples(student, rng):
    """sigmoid_prime(0) = 0.25 and sigmoid_prime(-2) = sigmoid_prime(2) = 0.10499"""
    check_close(student.call("sigmoid_prime", np.array(0.0)), 0.25, "sigmoid_prime(0)")
    z = np.array([-2.0, 2.0])
    check_close(student.call("sigmoid_prime", z), sigmoid_prime(z), "sigmoid_prime([-2, 2])")


def check_sigmoid_prime_values(student, rng):
    """sigmoid_prime matches sigmoid(z) (1 - sigmoid(z)) elementwise on hidden inputs of several shapes, float32 too"""
    for shape in [(7,), (4, 3), (2, 3, 2)]:
        z = rng.normal(scale=4.0, size=shape)
        check_close(student.call("sigmoid_prime", z), sigmoid_prime(z), f"sigmoid_prime of a {shape} array",
                    inputs="hidden inputs")
    z = rng.normal(scale=4.0, size=5).astype(np.float32)
    check_close(student.call("sigmoid_prime", z), sigmoid_prime(z.astype(np.float64)), "sigmoid_prime of float32 input",
                rtol=1e-5, atol=1e-8)


# loss_2layer


def check_loss_2layer_zero_weights(student, rng):
    """with all weights zero every prediction is 0.5, so J on XOR is 1/(2*4) * 4 * 0.25 = 0.125"""
    zeros = {"W1": np.zeros((2, 4)), "b1": np.zeros(4), "W2": np.zeros((4, 1)), "b2": np.zeros(1)}
    out = check_scalar(student.call("loss_2layer", XOR_X, XOR_Y, *zeros.values()), "loss_2layer on XOR, zero weights")
    check_close(out, 0.125, "loss_2layer on XOR with zero weights")


def check_loss_2layer_values(student, rng):
    """loss_2layer is J = 1/(2n) sum((y - yhat)**2) on hidden networks (n != p != H), and for one sample"""
    for n, p, hidden in [(7, 3, 5), (1, 4, 2)]:
        X, y, params = network(rng, n, p, hidden)
        what = f"loss_2layer with X ({n}, {p}), {hidden} hidden units"
        out = check_scalar(student.call("loss_2layer", X, y, *params.values()), what)
        check_close(out, loss_2layer(X, y, **params), what, inputs="a hidden network")


# backward_2layer


def call_backward(student, X, y, params):
    """The student's gradient dict, checked for its keys and each gradient's shape."""
    what = f"backward_2layer with X {X.shape}, W1 {params['W1'].shape}"
    grads = student.call("backward_2layer", X, y, *params.values())
    if not isinstance(grads, dict) or set(grads) != set(PARAMS):
        got = f"a dict with keys {sorted(grads)}" if isinstance(grads, dict) else f"a {type(grads).__name__}"
        raise CheckFailure(f"{what}: expected a dict with keys 'W1', 'b1', 'W2', 'b2', got {got}")
    return {k: check_shape(as_array(grads[k], f"{what}['{k}']"), params[k].shape,
                           f"{what}: gradient '{k}' (it has the shape of {k})") for k in PARAMS}, what


def gradcheck_backward(grads, X, y, params, rng, what):
    """Compare every gradient with central differences of the reference loss."""
    for name in PARAMS:
        def loss_of(value, name=name):
            return loss_2layer(X, y, **{**params, name: value})

        check_gradient(grads[name], loss_of, params[name], f"{what}: gradient '{name}'", rng, tol=1e-6)


def check_backward_shapes(student, rng):
    """backward_2layer returns a dict with keys W1, b1, W2, b2, each gradient shaped like its parameter"""
    X, y, params = network(rng, 5, 3, 4)
    call_backward(student, X, y, params)


def check_backward_visible_gradcheck(student, rng):
    """backward_2layer agrees with central differences on the notebook's visible network"""
    X, y, params = visible_network()
    grads, what = call_backward(student, X, y, params)
    gradcheck_backward(grads, X, y, params, rng, what)


def check_backward_values(student, rng):
    """backward_2layer matches the reference gradients on hidden networks (n != p != H), and for one sample"""
    for n, p, hidden in [(7, 3, 5), (1, 4, 2)]:
        X, y, params = network(rng, n, p, hidden)
        grads, what = call_backward(student, X, y, params)
        reference = backward_2layer(X, y, **params)
        for name in PARAMS:
            check_close(grads[name], reference[name], f"{what}: gradient '{name}'", inputs="a hidden network")


def check_backward_gradcheck(student, rng):
    """backward_2layer agrees with central differences of J on a hidden 6-5-1 network (relative error < 1e-6)"""
    X, y, params = network(rng, 8, 6, 5)
    grads, what = call_backward(student, X, y, params)
    gradcheck_backward(grads, X, y, params, rng, what)


# relative_error


def call_relative_error(student, a, b, what):
    return check_scalar(student.call("relative_error", a, b), what)


def check_relative_error_examples(student, rng):
    """relative_error([1, 2], [1, 2.2]) = 0.2 / 4.2, of [-2] and [2] it is 1, and of two zero arrays 0"""
    a, b = np.array([1.0, 2.0]), np.array([1.0, 2.2])
    check_close(call_relative_error(student, a, b, "relative_error([1, 2], [1, 2.2])"), 0.2 / 4.2,
                "relative_error([1, 2], [1, 2.2])")
    a, b = np.array([1.0, -2.0]), np.array([1.0, 2.0])
    check_close(call_relative_error(student, a, b, "relative_error([1, -2], [1, 2])"), 1.0,
                "relative_error([1, -2], [1, 2]) (opposite signs: the denominator is |a| + |b|, not |a + b|)")
    zeros = np.zeros((2, 3))
    check_close(call_relative_error(student, zeros, zeros, "relative_error(zeros, zeros)"), 0.0,
                "relative_error of two (2, 3) zero arrays (the 1e-8 floor avoids 0 / 0)", atol=0)


def check_relative_error_values(student, rng):
    """relative_error matches max(|a - b| / max(1e-8, |a| + |b|)) on hidden (4, 5) arrays, float32 too"""
    a = rng.normal(size=(4, 5))
    b = a * (1 + rng.normal(scale=1e-3, size=a.shape)) + rng.normal(scale=1e-4, size=a.shape)
    check_close(call_relative_error(student, a, b, "relative_error of (4, 5) arrays"), relative_error(a, b),
                "relative_error of (4, 5) arrays", inputs="hidden inputs")
    a32, b32 = a.astype(np.float32), (a + 0.5).astype(np.float32)
    check_close(call_relative_error(student, a32, b32, "relative_error of float32 arrays"),
                relative_error(a32.astype(np.float64), b32.astype(np.float64)), "relative_error of float32 arrays",
                rtol=1e-5)


def check_relative_error_floor(student, rng):
    """entries with |a| + |b| below 1e-8 are divided by 1e-8: relative_error([0, 1e-9], [0, 3e-9]) = 0.2"""
    a, b = np.array([0.0, 1e-9, 0.5]), np.array([0.0, 3e-9, 0.5])
    check_close(call_relative_error(student, a, b, "relative_error([0, 1e-9, 0.5], [0, 3e-9, 0.5])"), 0.2,
                "relative_error([0, 1e-9, 0.5], [0, 3e-9, 0.5]) (the denominator is max(1e-8, |a| + |b|))")


def check_relative_error_elementwise(student, rng):
    """relative_error is the largest elementwise ratio: a small entry that is 50% off dominates large exact ones"""
    a, b = np.array([1e-3, 100.0, -5.0]), np.array([2e-3, 100.5, -5.0])
    check_close(call_relative_error(student, a, b, "relative_error([1e-3, 100, -5], [2e-3, 100.5, -5])"), 1 / 3,
                "relative_error([1e-3, 100, -5], [2e-3, 100.5, -5]) (entry 0 has |a - b| / (|a| + |b|) = 1/3)")


# softmax_crossentropy_backward


def call_softmax_backward(student, Z, Y):
    what = f"softmax_crossentropy_backward with Z {Z.shape}"
    return check_shape(student.call("softmax_crossentropy_backward", Z, Y), Z.shape, what), what


def check_softmax_backward_example(student, rng):
    """softmax_crossentropy_backward on the 2-sample example is (softmax(Z) - Y) / 2, and each row sums to 0"""
    Z, Y = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]), np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    out, what = call_softmax_backward(student, Z, Y)
    check_close(out, softmax_crossentropy_backward(Z, Y), what, inputs="the example")


def check_softmax_backward_values(student, rng):
    """softmax_crossentropy_backward matches (softmax(Z) - Y) / n on hidden (6, 4) and (1, 5) logits"""
    for n, k in [(6, 4), (1, 5)]:
        Z, Y = one_hot_problem(rng, n, k)
        out, what = call_softmax_backward(student, Z, Y)
        check_close(out, softmax_crossentropy_backward(Z, Y), what, inputs="hidden logits and one-hot labels")


def check_softmax_backward_gradcheck(student, rng):
    """softmax_crossentropy_backward agrees with central differences of the mean cross-entropy (relative error < 1e-7)"""
    Z, Y = one_hot_problem(rng, 5, 3)
    out, what = call_softmax_backward(student, Z, Y)
    check_gradient(out, lambda z: softmax_crossentropy(z, Y), Z, what, rng, tol=1e-7)


# train_xor


def call_train_xor(student, **kwargs):
    shown = ", ".join(f"{k}={v}" for k, v in kwargs.items())
    what = f"train_xor({shown})"
    W1, b1, W2, b2 = (as_array(p, what) for p in unpack_four(student.call("train_xor", **kwargs), what))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}, what


def unpack_four(result, what):
    if not isinstance(result, (tuple, list)) or len(result) != 4:
        raise CheckFailure(f"{what}: expected a tuple (W1, b1, W2, b2), got a {type(result).__name__}")
    return result


def check_xor_shapes(params, hidden, what):
    expected = {"W1": (2, hidden), "b1": (hidden,), "W2": (hidden, 1), "b2": (1,)}
    for name, shape in expected.items():
        check_shape(params[name], shape, f"{what}: {name}")


def check_train_xor_shapes(student, rng):
    """train_xor(hidden_units=3, epochs=1) returns W1 (2, 3), b1 (3,), W2 (3, 1), b2 (1,)"""
    params, what = call_train_xor(student, hidden_units=3, epochs=1)
    check_xor_shapes(params, 3, what)


def check_train_xor_solves(student, rng):
    """train_xor with its default settings classifies all four XOR points correctly, for seed 0 and two hidden seeds"""
    for seed in [0, *(int(s) for s in rng.choice(XOR_SEEDS, size=2, replace=False))]:
        params, what = call_train_xor(student, seed=seed)
        check_xor_shapes(params, 4, what)
        yhat = forward_2layer(XOR_X, **params)[-1].ravel()
        if not np.all((yhat > 0.5) == (XOR_Y.ravel() > 0.5)):
            raise CheckFailure(f"{what}: the trained network predicts {np.round(yhat, 3).tolist()} for the XOR inputs "
                               "(0, 0), (0, 1), (1, 0), (1, 1); expected above 0.5 exactly for (0, 1) and (1, 0)")


def check_train_xor_reproducible(student, rng):
    """train_xor is reproducible: the same seed gives the same weights (draw the initial weights from the seed)"""
    seed = int(rng.choice(XOR_SEEDS))
    first, what = call_train_xor(student, seed=seed, epochs=10)
    again, _ = call_train_xor(student, seed=seed, epochs=10)
    for name in PARAMS:
        check_close(again[name], first[name], f"{what}, called twice: {name} (expected: the first call's)",
                    rtol=0, atol=0)


CHECKS = {
    "test_sigmoid_prime": [check_sigmoid_prime_examples, check_sigmoid_prime_values],
    "test_loss_2layer": [check_loss_2layer_zero_weights, check_loss_2layer_values],
    "test_backward_2layer_visible": [check_backward_shapes, check_backward_visible_gradcheck],
    "test_backward_2layer_hidden": [check_backward_values, check_backward_gradcheck],
    "test_relative_error": [check_relative_error_examples, check_relative_error_values, check_relative_error_floor,
                            check_relative_error_elementwise],
    "test_softmax_crossentropy_backward": [check_softmax_backward_example, check_softmax_backward_values,
                                           check_softmax_backward_gradcheck],
    "test_train_xor": [check_train_xor_shapes, check_train_xor_solves, check_train_xor_reproducible],
}
