"""Bug zoo for 11_modular_backprop."""

AFFINE = ["test_affine_backward_visible", "test_affine_backward_hidden"]
SOFTMAX_HIDDEN = "test_softmax_loss_hidden"
NUMGRAD = ["test_numerical_gradient_array_visible", "test_numerical_gradient_array_hidden"]
MLP_HIDDEN, TRAIN_HIDDEN = "test_mlp_loss_hidden", "test_train_mlp_hidden"


def affine_backward(returns):
    return f"def affine_backward(dout, cache):\n    X, W, b = cache\n    return {returns}"


def softmax_loss(body):
    return "def softmax_loss(Z, labels):\n    rows = np.arange(len(Z))\n" + body


def numerical_gradient_array(plus_minus):
    """A numerical_gradient_array answer whose loop body computes ``grad[index]`` with ``plus_minus``."""
    return f"""def numerical_gradient_array(f, X, dout, h=1e-5):
    X = np.array(X, dtype=np.float64)
    grad = np.zeros_like(X)
    for index in np.ndindex(*X.shape):
        old = X[index]
{plus_minus}
        X[index] = old
    return grad"""


def mlp_loss(hidden="relu_forward(out)", reg_loss="np.sum(params[f'W{i}'] ** 2)", reg_grads=""):
    """An mlp_loss answer with one part changed: the hidden activation, the penalty, or extra gradient terms."""
    return f"""def mlp_loss(params, X, labels, reg=0.0):
    layers = len(params) // 2
    caches, out = [], X
    for i in range(1, layers + 1):
        out, affine_cache = affine_forward(out, params[f"W{{i}}"], params[f"b{{i}}"])
        relu_cache = None
        if i < layers:
            out, relu_cache = {hidden}
        caches.append((affine_cache, relu_cache))
    loss, dout = softmax_loss(out, labels)
    grads = {{}}
    for i in range(layers, 0, -1):
        affine_cache, relu_cache = caches[i - 1]
        if relu_cache is not None:
            dout = relu_backward(dout, relu_cache)
        dout, dW, grads[f"b{{i}}"] = affine_backward(dout, affine_cache)
        grads[f"W{{i}}"] = dW + reg * params[f"W{{i}}"]{reg_grads}
        loss += 0.5 * reg * {reg_loss}
    return loss, grads"""


def train_mlp(init="rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))",
              update="{k: params[k] - learning_rate * grads[k] for k in params}", rng="np.random.default_rng(seed)"):
    """A train_mlp answer with its initialisation, update or generator changed."""
    return f"""def train_mlp(X, labels, hidden_sizes, learning_rate, epochs, batch_size, reg=0.0, seed=0):
    rng = {rng}
    sizes = [X.shape[1], *hidden_sizes, int(labels.max()) + 1]
    params = {{}}
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{{i}}"] = {init}
        params[f"b{{i}}"] = np.zeros(fan_out)
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            _, grads = mlp_loss(params, X[batch], labels[batch], reg)
            params = {update}
    return params"""


BUGS = {
    # affine_backward
    "affine_backward_bias_not_summed": {
        "cells": {"affine_backward": affine_backward("dout @ W.T, X.T @ dout, dout")},
        "loses": AFFINE,
    },
    "affine_backward_transposed_dW": {
        "cells": {"affine_backward": affine_backward("dout @ W.T, dout.T @ X, dout.sum(axis=0)")},
        "loses": AFFINE,
    },
    "affine_backward_dX_without_transpose": {
        "cells": {"affine_backward": affine_backward("dout @ W, X.T @ dout, dout.sum(axis=0)")},
        "loses": AFFINE,
    },
    # relu_backward
    "relu_backward_zeroes_dout_in_place": {
        "cells": {"relu_backward": "def relu_backward(dout, cache):\n    dX = dout\n    dX[cache <= 0] = 0\n    return dX"},
        "loses": ["test_relu_backward"],
    },
    "relu_backward_returns_the_mask": {
        "cells": {"relu_backward": "def relu_backward(dout, cache):\n    return (cache > 0).astype(float)"},
        "loses": ["test_relu_backward"],
    },
    # softmax_loss
    "softmax_loss_without_max_shift": {
        "cells": {"softmax_loss": softmax_loss("""    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    dZ = P.copy()
    dZ[rows, labels] -= 1
    return -np.mean(np.log(P[rows, labels])), dZ / len(Z)""")},
        "loses": [SOFTMAX_HIDDEN],
    },
    "softmax_loss_log_of_probabilities": {
        "cells": {"softmax_loss": softmax_loss("""    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    P = e / e.sum(axis=1, keepdims=True)
    dZ = P.copy()
    dZ[rows, labels] -= 1
    return -np.mean(np.log(P[rows, labels])), dZ / len(Z)""")},
        "loses": [SOFTMAX_HIDDEN],
    },
    "softmax_loss_gradient_not_averaged": {
        "cells": {"softmax_loss": softmax_loss("""    shifted = Z - Z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    dZ = np.exp(log_p)
    dZ[rows, labels] -= 1
    return -log_p[rows, labels].mean(), dZ""")},
        "loses": ["test_softmax_loss_visible", SOFTMAX_HIDDEN],
    },
    # numerical_gradient_array
    "numgrad_array_forward_difference": {
        "cells": {"numerical_gradient_array": numerical_gradient_array(
            "        X[index] = old + h\n        plus = np.sum(f(X) * dout)\n        X[index] = old\n"
            "        grad[index] = (plus - np.sum(f(X) * dout)) / h")},
        "loses": NUMGRAD,
    },
    "numgrad_array_ignores_dout": {
        "cells": {"numerical_gradient_array": numerical_gradient_array(
            "        X[index] = old + h\n        plus = np.sum(f(X))\n        X[index] = old - h\n"
            "        grad[index] = (plus - np.sum(f(X))) / (2 * h)")},
        "loses": NUMGRAD,
    },
    "numgrad_array_reads_a_view_after_changing_X": {  # CS231n's eval_numerical_gradient_array without .copy()
        "cells": {"numerical_gradient_array": numerical_gradient_array(
            "        X[index] = old + h\n        plus = f(X)\n        X[index] = old - h\n        minus = f(X)\n"
            "        grad[index] = np.sum((plus - minus) * dout) / (2 * h)")},
        "loses": ["test_numerical_gradient_array_hidden"],
    },
    # mlp_loss
    "mlp_loss_two_layers_only": {
        "cells": {"mlp_loss": """def mlp_loss(params, X, labels, reg=0.0):
    h, cache1 = affine_forward(X, params["W1"], params["b1"])
    a, relu_cache = relu_forward(h)
    Z, cache2 = affine_forward(a, params["W2"], params["b2"])
    loss, dZ = softmax_loss(Z, labels)
    da, dW2, db2 = affine_backward(dZ, cache2)
    _, dW1, db1 = affine_backward(relu_backward(da, relu_cache), cache1)
    loss += 0.5 * reg * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))
    return loss, {"W1": dW1 + reg * params["W1"], "b1": db1, "W2": dW2 + reg * params["W2"], "b2": db2}"""},
        "loses": [MLP_HIDDEN],
    },
    "mlp_loss_regularises_biases": {
        "cells": {"mlp_loss": mlp_loss(reg_loss="(np.sum(params[f'W{i}'] ** 2) + np.sum(params[f'b{i}'] ** 2))",
                                       reg_grads="\n        grads[f\"b{i}\"] = grads[f\"b{i}\"] + reg * params[f\"b{i}\"]")},
        "loses": [MLP_HIDDEN],
    },
    "mlp_loss_penalty_without_one_half": {
        "cells": {"mlp_loss": mlp_loss(reg_loss="2 * np.sum(params[f'W{i}'] ** 2)")},
        "loses": [MLP_HIDDEN],
    },
    "mlp_loss_relu_on_the_logits": {
        "cells": {"mlp_loss": """def mlp_loss(params, X, labels, reg=0.0):
    layers = len(params) // 2
    caches, out = [], X
    for i in range(1, layers + 1):
        out, affine_cache = affine_forward(out, params[f"W{i}"], params[f"b{i}"])
        out, relu_cache = relu_forward(out)
        caches.append((affine_cache, relu_cache))
    loss, dout = softmax_loss(out, labels)
    grads = {}
    for i in range(layers, 0, -1):
        affine_cache, relu_cache = caches[i - 1]
        dout, dW, grads[f"b{i}"] = affine_backward(relu_backward(dout, relu_cache), affine_cache)
        grads[f"W{i}"] = dW + reg * params[f"W{i}"]
        loss += 0.5 * reg * np.sum(params[f"W{i}"] ** 2)
    return loss, grads"""},
        "loses": ["test_mlp_loss_visible", MLP_HIDDEN],
    },
    # train_mlp
    "train_mlp_gradient_ascent": {
        "cells": {"train_mlp": train_mlp(update="{k: params[k] + learning_rate * grads[k] for k in params}")},
        "loses": ["test_train_mlp_visible", TRAIN_HIDDEN],
    },
    "train_mlp_slide_sigma_read_as_std": {  # the slide's sigma(w) = 2/n taken as the standard deviation
        "cells": {"train_mlp": train_mlp(init="rng.normal(0.0, 2.0 / fan_in, size=(fan_in, fan_out))")},
        "loses": [TRAIN_HIDDEN],
    },
    "train_mlp_unseeded_initialisation": {
        "cells": {"train_mlp": train_mlp(init="np.random.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))")},
        "loses": [TRAIN_HIDDEN],
    },
}

ALTERNATIVES = {
    "layers_dict_caches_np_dot": {
        "affine_forward": "def affine_forward(X, W, b):\n    return np.dot(X, W) + b, {'X': X, 'W': W}",
        "affine_backward": "def affine_backward(dout, cache):\n"
                           "    return np.dot(dout, cache['W'].T), np.dot(cache['X'].T, dout), np.sum(dout, axis=0)",
        "relu_forward": "def relu_forward(X):\n    out = np.where(X > 0, X, 0.0)\n    return out, out",
        "relu_backward": "def relu_backward(dout, cache):\n    dX = dout.copy()\n    dX[cache <= 0] = 0\n    return dX",
    },
    "softmax_loss_scipy_logsumexp": {"softmax_loss": """from scipy.special import logsumexp


def softmax_loss(Z, labels):
    n = Z.shape[0]
    log_p = Z - logsumexp(Z, axis=1, keepdims=True)
    Y = np.eye(Z.shape[1])[labels]
    return -np.sum(Y * log_p) / n, (np.exp(log_p) - Y) / n"""},
    "numgrad_array_cs231n_nditer_copy": {"numerical_gradient_array": """def numerical_gradient_array(f, X, dout, h=1e-5):
    x = X.astype(np.float64)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        pos = f(x).copy()
        x[ix] = oldval - h
        neg = f(x).copy()
        x[ix] = oldval
        grad[ix] = np.sum((pos - neg) * dout) / (2 * h)
        it.iternext()
    return grad"""},
    "mlp_loss_lists_sorted_by_layer_number": {"mlp_loss": """def mlp_loss(params, X, labels, reg=0.0):
    n_layers = max(int(k[1:]) for k in params if k.startswith("W"))
    h, caches = X, []
    for l in range(1, n_layers + 1):
        h, c = affine_forward(h, params["W%d" % l], params["b%d" % l])
        caches.append(c)
        if l != n_layers:
            h, c = relu_forward(h)
            caches.append(c)
    loss, d = softmax_loss(h, labels)
    loss = loss + 0.5 * reg * sum(np.sum(params["W%d" % l] ** 2) for l in range(1, n_layers + 1))
    grads = {}
    for l in range(n_layers, 0, -1):
        if l != n_layers:
            d = relu_backward(d, caches.pop())
        d, grads["W%d" % l], grads["b%d" % l] = affine_backward(d, caches.pop())
        grads["W%d" % l] += reg * params["W%d" % l]
    return float(loss), grads"""},
    "train_mlp_legacy_seed_in_place_updates": {"train_mlp": """def train_mlp(X, labels, hidden_sizes, learning_rate, epochs, batch_size, reg=0.0, seed=0):
    np.random.seed(seed)
    sizes = [X.shape[1]] + list(hidden_sizes) + [len(np.unique(labels))]
    params = {}
    for i in range(len(sizes) - 1):
        params["W" + str(i + 1)] = np.random.randn(sizes[i], sizes[i + 1]) * np.sqrt(2 / sizes[i])
        params["b" + str(i + 1)] = np.zeros(sizes[i + 1])
    n = X.shape[0]
    for epoch in range(epochs):
        idx = np.random.permutation(n)
        for i in range(0, n, batch_size):
            loss, grads = mlp_loss(params, X[idx[i:i + batch_size]], labels[idx[i:i + batch_size]], reg)
            for k in params:
                params[k] -= learning_rate * grads[k]
    return params"""},
}
