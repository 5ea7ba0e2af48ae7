"""Bug zoo for 01_neuron."""

PERCEPTRON = ["test_perceptron_update_visible", "test_perceptron_update_hidden"]


def perceptron(error):
    """A perceptron_update answer with the error y - prediction computed as ``error``."""
    return (f"def perceptron_update(w, b, x, y, learning_rate):\n    error = {error}\n"
            "    return w + learning_rate * error * x, b + learning_rate * error")


BUGS = {
    "sigmoid_naive_overflows": {
        "cells": {"sigmoid": "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))"},
        "loses": ["test_sigmoid_hidden"],
    },
    "sigmoid_wrong_sign": {
        "cells": {"sigmoid": "def sigmoid(z):\n    z = np.clip(z, -500, 500)\n    return 1 / (1 + np.exp(z))"},
        "loses": ["test_sigmoid_visible", "test_sigmoid_hidden"],
    },
    "sigmoid_where_of_two_unsafe_branches": {  # right values, but np.where computes exp(1e4) in the discarded branch
        "cells": {"sigmoid": "def sigmoid(z):\n    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))"},
        "loses": ["test_sigmoid_hidden"],
    },
    "sigmoid_clipped_not_exact": {
        "cells": {"sigmoid": "def sigmoid(z):\n    return np.clip(1 / (1 + np.exp(-np.clip(z, -30, 30))), 0, 1)"},
        "loses": ["test_sigmoid_hidden"],
    },
    "sigmoid_clipped_at_500": {  # 1 / (1 + e^500) = 7e-218 where the exact value underflows to 0
        "cells": {"sigmoid": "def sigmoid(z):\n    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))"},
        "loses": ["test_sigmoid_hidden"],
    },
    "relu_abs": {
        "cells": {"relu": "def relu(z):\n    return np.abs(z)"},
        "loses": ["test_relu"],
    },
    "relu_mutates_input": {
        "cells": {"relu": "def relu(z):\n    z[z < 0] = 0\n    return z"},
        "loses": ["test_relu"],
    },
    "neuron_missing_bias": {
        "cells": {"neuron": "def neuron(x, w, b):\n    return sigmoid(x @ w)"},
        "loses": ["test_neuron_visible", "test_neuron_hidden"],
    },
    "neuron_sum_of_products_all_samples": {
        "cells": {"neuron": "def neuron(x, w, b):\n    return sigmoid(np.sum(x * w) + b)"},
        "loses": ["test_neuron_hidden"],
    },
    "predict_no_hidden_flattens": {
        "cells": {"predict_no_hidden": "def predict_no_hidden(X, W, b):\n    return sigmoid(X @ W + b).ravel()"},
        "loses": ["test_predict_no_hidden"],
    },
    "predict_no_hidden_transposed_weights": {
        "cells": {"predict_no_hidden": "def predict_no_hidden(X, W, b):\n    return sigmoid(X @ W.T + b)"},
        "loses": ["test_predict_no_hidden"],
    },
    "decision_boundary_sign": {
        "cells": {"decision_boundary": "def decision_boundary(beta0, beta1, beta2, x1):\n    return (beta0 + beta1 * x1) / beta2"},
        "loses": ["test_decision_boundary"],
    },
    "decision_boundary_swapped_betas": {
        "cells": {"decision_boundary": "def decision_boundary(beta0, beta1, beta2, x1):\n    return -(beta0 + beta2 * x1) / beta1"},
        "loses": ["test_decision_boundary"],
    },
    # perceptron_update
    "perceptron_strict_step": {
        "cells": {"perceptron_update": perceptron("y - (1 if x @ w + b > 0 else 0)")},
        "loses": ["test_perceptron_update_hidden"],
    },
    "perceptron_hebb_updates_every_sample": {
        "cells": {"perceptron_update": perceptron("2 * y - 1")},
        "loses": PERCEPTRON,
    },
    "perceptron_changes_w_in_place": {
        "cells": {"perceptron_update": "def perceptron_update(w, b, x, y, learning_rate):\n"
                                       "    error = y - (1 if x @ w + b >= 0 else 0)\n"
                                       "    w += learning_rate * error * x\n    return w, b + learning_rate * error"},
        "loses": PERCEPTRON,
    },
    "perceptron_sigmoid_instead_of_step": {
        "cells": {"perceptron_update": perceptron("y - sigmoid(x @ w + b)")},
        "loses": PERCEPTRON,
    },
}

ALTERNATIVES = {
    "sigmoid_via_tanh": {"sigmoid": "def sigmoid(z):\n    return 0.5 * (1 + np.tanh(0.5 * np.asarray(z, dtype=float)))"},
    "sigmoid_with_errstate": {
        "sigmoid": "def sigmoid(z):\n    z = np.asarray(z, dtype=float)\n    out = np.empty_like(z)\n    pos = z >= 0\n"
                   "    out[pos] = 1 / (1 + np.exp(-z[pos]))\n    ez = np.exp(z[~pos])\n    out[~pos] = ez / (1 + ez)\n    return out"
    },
    "relu_where": {"relu": "def relu(z):\n    return np.where(z > 0, z, 0.0)"},
    "neuron_np_dot": {"neuron": "def neuron(x, w, b):\n    return sigmoid(np.dot(x, w) + b)"},
    "predict_no_hidden_matmul": {"predict_no_hidden": "def predict_no_hidden(X, W, b):\n    return sigmoid(np.matmul(X, W) + b)"},
    "predict_no_hidden_loop": {
        "predict_no_hidden": "def predict_no_hidden(X, W, b):\n    out = np.zeros((X.shape[0], 1))\n    for i in range(X.shape[0]):\n"
                             "        out[i, 0] = sigmoid(X[i] @ W[:, 0] + b[0])\n    return out"
    },
    "decision_boundary_float32_safe": {
        "decision_boundary": "def decision_boundary(beta0, beta1, beta2, x1):\n    x1 = np.array(x1, dtype=np.float64)\n    return -beta0 / beta2 - beta1 / beta2 * x1"
    },
    "perceptron_if_misclassified": {"perceptron_update": """def perceptron_update(w, b, x, y, learning_rate):
    prediction = int(np.dot(w, x) + b >= 0)
    if prediction == y:
        return w.copy(), b
    sign = 1 if y == 1 else -1
    return w + sign * learning_rate * x, b + sign * learning_rate"""},
    "perceptron_heaviside": {"perceptron_update": """def perceptron_update(w, b, x, y, learning_rate):
    delta = learning_rate * (y - np.heaviside(x @ w + b, 1.0))
    return w + delta * x, float(b + delta)"""},
}
