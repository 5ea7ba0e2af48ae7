"""Bug zoo for 05_backprop."""

BACK_VIS, BACK_HID = "test_backward_2layer_visible", "test_backward_2layer_hidden"
SOFTMAX = "test_softmax_crossentropy_backward"


def backward(delta3="-(y - yhat) * sigmoid_prime(z3) / len(X)", delta2="(delta3 @ W2.T) * sigmoid_prime(z2)",
             grads='{"W1": X.T @ delta2, "b1": delta2.sum(axis=0), "W2": a2.T @ delta3, "b2": delta3.sum(axis=0)}'):
    """A backward_2layer answer with one line changed."""
    return f"""def backward_2layer(X, y, W1, b1, W2, b2):
    z2 = X @ W1 + b1
    a2 = sigmoid(z2)
    z3 = a2 @ W2 + b2
    yhat = sigmoid(z3)
    delta3 = {delta3}
    delta2 = {delta2}
    return {grads}"""


def train_xor(update):
    """A train_xor answer whose loop body updates the parameters with ``update``."""
    return f"""def train_xor(hidden_units=4, learning_rate=10.0, epochs=3000, seed=0):
    X, y = xor()
    rng = np.random.default_rng(seed)
    W1, b1 = rng.normal(size=(2, hidden_units)), np.zeros(hidden_units)
    W2, b2 = rng.normal(size=(hidden_units, 1)), np.zeros(1)
    for _ in range(epochs):
        g = backward_2layer(X, y, W1, b1, W2, b2)
        {update}
    return W1, b1, W2, b2"""


BUGS = {
    # sigmoid_prime
    "sigmoid_prime_written_for_the_activation": {
        "cells": {"sigmoid_prime": "def sigmoid_prime(z):\n    return z * (1 - z)"},
        "loses": ["test_sigmoid_prime"],
    },
    "sigmoid_prime_exponent_sign": {
        "cells": {"sigmoid_prime": "def sigmoid_prime(z):\n    return np.exp(z) / (1 + np.exp(-z)) ** 2"},
        "loses": ["test_sigmoid_prime"],
    },
    # loss_2layer
    "loss_without_one_half": {
        "cells": {"loss_2layer": "def loss_2layer(X, y, W1, b1, W2, b2):\n"
                                 "    yhat = sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2)\n    return np.mean((y - yhat) ** 2)"},
        "loses": ["test_loss_2layer"],
    },
    "loss_without_1_over_n": {
        "cells": {"loss_2layer": "def loss_2layer(X, y, W1, b1, W2, b2):\n"
                                 "    yhat = sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2)\n    return 0.5 * np.sum((y - yhat) ** 2)"},
        "loses": ["test_loss_2layer"],
    },
    "loss_linear_output": {
        "cells": {"loss_2layer": "def loss_2layer(X, y, W1, b1, W2, b2):\n"
                                 "    yhat = sigmoid(X @ W1 + b1) @ W2 + b2\n    return np.sum((y - yhat) ** 2) / (2 * len(X))"},
        "loses": ["test_loss_2layer"],
    },
    # backward_2layer
    "backward_sigmoid_prime_of_activations": {
        "cells": {"backward_2layer": backward(delta3="-(y - yhat) * sigmoid_prime(yhat) / len(X)",
                                              delta2="(delta3 @ W2.T) * sigmoid_prime(a2)")},
        "loses": [BACK_VIS, BACK_HID],
    },
    "backward_without_1_over_n": {
        "cells": {"backward_2layer": backward(delta3="-(y - yhat) * sigmoid_prime(z3)")},
        "loses": [BACK_VIS, BACK_HID],
    },
    "backward_transposed_X_delta": {
        "cells": {"backward_2layer": backward(grads='{"W1": delta2.T @ X, "b1": delta2.sum(axis=0), '
                                                    '"W2": a2.T @ delta3, "b2": delta3.sum(axis=0)}')},
        "loses": [BACK_VIS, BACK_HID],
    },
    "backward_bias_not_summed": {
        "cells": {"backward_2layer": backward(grads='{"W1": X.T @ delta2, "b1": delta2, "W2": a2.T @ delta3, "b2": delta3}')},
        "loses": [BACK_VIS, BACK_HID],
    },
    "backward_bias_keepdims": {
        "cells": {"backward_2layer": backward(grads='{"W1": X.T @ delta2, "b1": delta2.sum(axis=0, keepdims=True), '
                                                    '"W2": a2.T @ delta3, "b2": delta3.sum(axis=0, keepdims=True)}')},
        "loses": [BACK_VIS, BACK_HID],
    },
    "backward_bias_mean_instead_of_sum": {
        "cells": {"backward_2layer": backward(grads='{"W1": X.T @ delta2, "b1": delta2.mean(axis=0), '
                                                    '"W2": a2.T @ delta3, "b2": delta3.mean(axis=0)}')},
        "loses": [BACK_VIS, BACK_HID],
    },
    "backward_sign_flipped": {
        "cells": {"backward_2layer": backward(delta3="(y - yhat) * sigmoid_prime(z3) / len(X)")},
        "loses": [BACK_VIS, BACK_HID],
    },
    "backward_forgets_output_derivative": {
        "cells": {"backward_2layer": backward(delta3="-(y - yhat) / len(X)")},
        "loses": [BACK_VIS, BACK_HID],
    },
    # relative_error
    "relerr_without_floor": {
        "cells": {"relative_error": "def relative_error(a, b):\n    return np.max(np.abs(a - b) / (np.abs(a) + np.abs(b)))"},
        "loses": ["test_relative_error"],
    },
    "relerr_max_instead_of_elementwise": {
        "cells": {"relative_error": "def relative_error(a, b):\n"
                                    "    return np.max(np.abs(a - b)) / max(1e-8, np.max(np.abs(a) + np.abs(b)))"},
        "loses": ["test_relative_error"],
    },
    "relerr_abs_of_sum": {
        "cells": {"relative_error": "def relative_error(a, b):\n"
                                    "    return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a + b)))"},
        "loses": ["test_relative_error"],
    },
    "relerr_mean_instead_of_max": {
        "cells": {"relative_error": "def relative_error(a, b):\n"
                                    "    return np.mean(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))"},
        "loses": ["test_relative_error"],
    },
    # softmax_crossentropy_backward
    "softmax_backward_without_1_over_n": {
        "cells": {"softmax_crossentropy_backward": "def softmax_crossentropy_backward(Z, Y):\n    return softmax(Z) - Y"},
        "loses": [SOFTMAX],
    },
    "softmax_backward_sign": {
        "cells": {"softmax_crossentropy_backward": "def softmax_crossentropy_backward(Z, Y):\n    return (Y - softmax(Z)) / len(Z)"},
        "loses": [SOFTMAX],
    },
    "softmax_backward_normalised_over_samples": {
        "cells": {"softmax_crossentropy_backward": "def softmax_crossentropy_backward(Z, Y):\n"
                                                   "    e = np.exp(Z - Z.max())\n    return (e / e.sum(axis=0) - Y) / len(Z)"},
        "loses": [SOFTMAX],
    },
    # train_xor
    "train_xor_never_updates": {
        "cells": {"train_xor": train_xor('W1 - learning_rate * g["W1"]; W2 - learning_rate * g["W2"]')},
        "loses": ["test_train_xor"],
    },
    "train_xor_gradient_ascent": {
        "cells": {"train_xor": train_xor('W1, b1 = W1 + learning_rate * g["W1"], b1 + learning_rate * g["b1"]\n'
                                         '        W2, b2 = W2 + learning_rate * g["W2"], b2 + learning_rate * g["b2"]')},
        "loses": ["test_train_xor"],
    },
    "train_xor_unseeded_init": {
        "cells": {"train_xor": """def train_xor(hidden_units=4, learning_rate=10.0, epochs=3000, seed=0):
    X, y = xor()
    W1, b1 = np.random.normal(size=(2, hidden_units)), np.zeros(hidden_units)
    W2, b2 = np.random.normal(size=(hidden_units, 1)), np.zeros(1)
    for _ in range(epochs):
        g = backward_2layer(X, y, W1, b1, W2, b2)
        W1, b1 = W1 - learning_rate * g["W1"], b1 - learning_rate * g["b1"]
        W2, b2 = W2 - learning_rate * g["W2"], b2 - learning_rate * g["b2"]
    return W1, b1, W2, b2"""},
        "loses": ["test_train_xor"],
    },
}

ALTERNATIVES = {
    "sigmoid_prime_lecture_formula": {"sigmoid_prime": "def sigmoid_prime(z):\n    return np.exp(-z) / (1 + np.exp(-z)) ** 2"},
    "sigmoid_prime_float64_cast": {"sigmoid_prime": "def sigmoid_prime(z):\n    z = np.asarray(z, dtype=np.float64)\n"
                                                    "    return sigmoid(z) * sigmoid(-z)"},
    "loss_np_dot_mean": {"loss_2layer": "def loss_2layer(X, y, W1, b1, W2, b2):\n"
                                        "    yhat = sigmoid(np.dot(sigmoid(np.dot(X, W1) + b1), W2) + b2)\n"
                                        "    return 0.5 * np.mean(np.square(y - yhat))"},
    "backward_cached_activations_np_dot": {"backward_2layer": """def backward_2layer(X, y, W1, b1, W2, b2):
    n = X.shape[0]
    a2 = sigmoid(np.dot(X, W1) + b1)
    yhat = sigmoid(np.dot(a2, W2) + b2)
    d3 = (yhat - y) * yhat * (1 - yhat) / n
    d2 = np.dot(d3, W2.T) * a2 * (1 - a2)
    return dict(W1=np.dot(X.T, d2), b1=np.sum(d2, axis=0), W2=np.dot(a2.T, d3), b2=np.sum(d3, axis=0))"""},
    "backward_loop_over_samples": {"backward_2layer": """def backward_2layer(X, y, W1, b1, W2, b2):
    n = len(X)
    grads = {"W1": np.zeros_like(W1), "b1": np.zeros_like(b1), "W2": np.zeros_like(W2), "b2": np.zeros_like(b2)}
    for i in range(n):
        x = X[i:i + 1]
        z2 = x @ W1 + b1
        a2 = sigmoid(z2)
        z3 = a2 @ W2 + b2
        d3 = -(y[i:i + 1] - sigmoid(z3)) * sigmoid_prime(z3) / n
        d2 = d3 @ W2.T * sigmoid_prime(z2)
        grads["W1"] += x.T @ d2
        grads["b1"] += d2[0]
        grads["W2"] += a2.T @ d3
        grads["b2"] += d3[0]
    return grads"""},
    "backward_einsum": {"backward_2layer": """def backward_2layer(X, y, W1, b1, W2, b2):
    a2 = sigmoid(np.einsum("np,ph->nh", X, W1) + b1)
    yhat = sigmoid(np.einsum("nh,ho->no", a2, W2) + b2)
    d3 = (yhat - y) * yhat * (1 - yhat) / len(X)
    d2 = np.einsum("no,ho->nh", d3, W2) * a2 * (1 - a2)
    return {"W1": np.einsum("np,nh->ph", X, d2), "b1": d2.sum(0), "W2": np.einsum("nh,no->ho", a2, d3), "b2": d3.sum(0)}"""},
    "relerr_where_float32_inputs": {"relative_error": """def relative_error(a, b):
    denominator = np.abs(a) + np.abs(b)
    denominator = np.where(denominator > 1e-8, denominator, 1e-8)
    return (np.abs(a - b) / denominator).max()"""},
    "softmax_backward_own_logsumexp": {"softmax_crossentropy_backward": """def softmax_crossentropy_backward(Z, Y):
    shifted = Z - np.max(Z, axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return (np.exp(log_p) - Y) / Z.shape[0]"""},
    "softmax_backward_loop": {"softmax_crossentropy_backward": """def softmax_crossentropy_backward(Z, Y):
    G = np.empty_like(Z, dtype=float)
    for i in range(len(Z)):
        e = np.exp(Z[i] - Z[i].max())
        G[i] = (e / e.sum() - Y[i]) / len(Z)
    return G"""},
    "train_xor_in_place_updates": {"train_xor": train_xor(
        'for name, p in zip(("W1", "b1", "W2", "b2"), (W1, b1, W2, b2)):\n            p -= learning_rate * g[name]')},
    "train_xor_legacy_seeding": {"train_xor": """def train_xor(hidden_units=4, learning_rate=10.0, epochs=3000, seed=0):
    X, y = xor()
    np.random.seed(seed)
    params = [np.random.randn(2, hidden_units), np.zeros(hidden_units), np.random.randn(hidden_units, 1), np.zeros(1)]
    for epoch in range(epochs):
        g = backward_2layer(X, y, *params)
        params = [p - learning_rate * g[k] for p, k in zip(params, ["W1", "b1", "W2", "b2"])]
    return tuple(params)"""},
}
