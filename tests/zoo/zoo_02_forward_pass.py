"""Bug zoo for 02_forward_pass."""

BUGS = {
    "dense_missing_bias": {
        "cells": {"dense": "def dense(X, W, b):\n    return X @ W"},
        "loses": ["test_dense_visible", "test_dense_hidden"],
    },
    "dense_transposed_weights": {
        "cells": {"dense": "def dense(X, W, b):\n    return X @ W.T + b"},
        "loses": ["test_dense_visible", "test_dense_hidden"],
    },
    "dense_bias_as_column": {
        "cells": {"dense": "def dense(X, W, b):\n    return X @ W + b.reshape(-1, 1)"},
        "loses": ["test_dense_visible", "test_dense_hidden"],
    },
    "dense_column_vector_convention": {
        "cells": {"dense": "def dense(X, W, b):\n    return W.T @ X.T + b[:, np.newaxis]"},
        "loses": ["test_dense_visible", "test_dense_hidden"],
    },
    "predict_hidden_no_output_sigmoid": {
        "cells": {"predict_hidden": "def predict_hidden(X, W1, b1, W2, b2):\n"
                                    "    return sigmoid(X @ W1 + b1) @ W2 + b2"},
        "loses": ["test_predict_hidden"],
    },
    "predict_hidden_relu_hidden_layer": {
        "cells": {"predict_hidden": "def predict_hidden(X, W1, b1, W2, b2):\n"
                                    "    return sigmoid(relu(X @ W1 + b1) @ W2 + b2)"},
        "loses": ["test_predict_hidden"],
    },
    "predict_hidden_forgets_b2": {
        "cells": {"predict_hidden": "def predict_hidden(X, W1, b1, W2, b2):\n"
                                    "    return sigmoid(sigmoid(X @ W1 + b1) @ W2)"},
        "loses": ["test_predict_hidden"],
    },
    "collapse_linear_wrong_order": {
        "cells": {"collapse_linear": "def collapse_linear(W, U):\n    return U @ W"},
        "loses": ["test_collapse_linear"],
    },
    "collapse_linear_transposed": {
        "cells": {"collapse_linear": "def collapse_linear(W, U):\n    return (W @ U).T"},
        "loses": ["test_collapse_linear"],
    },
    "softmax_no_max_shift": {
        "cells": {"softmax": "def softmax(Z):\n    e = np.exp(Z)\n    return e / e.sum(axis=-1, keepdims=True)"},
        "loses": ["test_softmax_stable"],
    },
    "softmax_global_max_shift": {
        "cells": {"softmax": "def softmax(Z):\n    e = np.exp(Z - np.max(Z))\n    return e / e.sum(axis=-1, keepdims=True)"},
        "loses": ["test_softmax_stable"],
    },
    "softmax_over_columns": {
        "cells": {"softmax": "def softmax(Z):\n    e = np.exp(Z - Z.max(axis=0, keepdims=True))\n"
                             "    return e / e.sum(axis=0, keepdims=True)"},
        "loses": ["test_softmax_hidden", "test_softmax_stable"],
    },
    "softmax_axis_1_only": {
        "cells": {"softmax": "def softmax(Z):\n    e = np.exp(Z - Z.max(axis=1, keepdims=True))\n"
                             "    return e / e.sum(axis=1, keepdims=True)"},
        "loses": ["test_softmax_visible", "test_softmax_hidden"],
    },
    "softmax_without_keepdims": {
        "cells": {"softmax": "def softmax(Z):\n    e = np.exp(Z - np.max(Z, axis=-1))\n    return e / np.sum(e, axis=-1)"},
        "loses": ["test_softmax_hidden", "test_softmax_stable"],
    },
    "softmax_shifts_input_in_place": {
        "cells": {"softmax": "def softmax(Z):\n    Z -= Z.max(axis=-1, keepdims=True)\n    e = np.exp(Z)\n"
                             "    return e / e.sum(axis=-1, keepdims=True)"},
        "loses": ["test_softmax_visible", "test_softmax_hidden", "test_softmax_stable"],
    },
    "predict_class_over_columns": {
        "cells": {"predict_class": "def predict_class(P):\n    return np.argmax(P, axis=0)"},
        "loses": ["test_predict_class"],
    },
    "predict_class_returns_floats": {
        "cells": {"predict_class": "def predict_class(P):\n    return np.argmax(P, axis=1).astype(float)"},
        "loses": ["test_predict_class"],
    },
    "predict_class_returns_max_probability": {
        "cells": {"predict_class": "def predict_class(P):\n    return np.max(P, axis=1)"},
        "loses": ["test_predict_class"],
    },
    "predict_class_keeps_dims": {
        "cells": {"predict_class": "def predict_class(P):\n    return np.argmax(P, axis=-1, keepdims=True)"},
        "loses": ["test_predict_class"],
    },
    "predict_class_flat_argmax": {
        "cells": {"predict_class": "def predict_class(P):\n    return np.argmax(P)"},
        "loses": ["test_predict_class"],
    },
    "forward_ignores_activation": {
        "cells": {"forward": "def forward(X, layers):\n    for W, b, activation in layers:\n        X = dense(X, W, b)\n"
                             "    return X"},
        "loses": ["test_forward"],
    },
    "forward_skips_last_activation": {
        "cells": {"forward": "def forward(X, layers):\n    acts = {'linear': lambda z: z, 'sigmoid': sigmoid, 'relu': relu, "
                             "'softmax': softmax}\n    for W, b, activation in layers[:-1]:\n"
                             "        X = acts[activation](dense(X, W, b))\n    W, b, _ = layers[-1]\n    return dense(X, W, b)"},
        "loses": ["test_forward"],
    },
    "forward_always_relu_hidden": {
        "cells": {"forward": "def forward(X, layers):\n    for W, b, activation in layers[:-1]:\n        X = relu(dense(X, W, b))\n"
                             "    W, b, activation = layers[-1]\n    Z = dense(X, W, b)\n"
                             "    return softmax(Z) if activation == 'softmax' else sigmoid(Z) if activation == 'sigmoid' "
                             "else relu(Z) if activation == 'relu' else Z"},
        "loses": ["test_forward"],
    },
    "forward_feeds_input_to_every_layer": {
        "cells": {"forward": "def forward(X, layers):\n    acts = {'linear': lambda z: z, 'sigmoid': sigmoid, 'relu': relu, "
                             "'softmax': softmax}\n    out = X\n    for W, b, activation in layers:\n"
                             "        out = acts[activation](dense(X, W, b))\n    return out"},
        "loses": ["test_forward"],
    },
    "forward_pops_layers": {
        "cells": {"forward": "def forward(X, layers):\n    acts = {'linear': lambda z: z, 'sigmoid': sigmoid, 'relu': relu, "
                             "'softmax': softmax}\n    while layers:\n        W, b, activation = layers.pop(0)\n"
                             "        X = acts[activation](dense(X, W, b))\n    return X"},
        "loses": ["test_forward"],
    },
}

ALTERNATIVES = {
    "dense_np_dot": {"dense": "def dense(X, W, b):\n    return np.dot(X, W) + b"},
    "dense_einsum": {"dense": "def dense(X, W, b):\n    return np.einsum('np,pk->nk', X, W) + b[np.newaxis, :]"},
    "dense_loop_over_units": {
        "dense": "def dense(X, W, b):\n    out = np.zeros((X.shape[0], W.shape[1]))\n    for j in range(W.shape[1]):\n"
                 "        out[:, j] = X @ W[:, j] + b[j]\n    return out"
    },
    "predict_hidden_lecture_matmul": {
        "predict_hidden": "def predict_hidden(X, W1, b1, W2, b2):\n    hidden = sigmoid(np.matmul(X, W1) + b1)\n"
                          "    return sigmoid(np.matmul(hidden, W2) + b2)"
    },
    "predict_hidden_tanh_sigmoid": {
        "predict_hidden": "def predict_hidden(X, W1, b1, W2, b2):\n    s = lambda z: 0.5 * (1 + np.tanh(0.5 * z))\n"
                          "    return s(s(X @ W1 + b1) @ W2 + b2)"
    },
    "collapse_linear_np_dot": {"collapse_linear": "def collapse_linear(W, U):\n    return np.dot(W, U)"},
    "collapse_linear_einsum": {"collapse_linear": "def collapse_linear(W, U):\n    return np.einsum('ph,hk->pk', W, U)"},
    "softmax_scipy": {"softmax": "import scipy.special\n\ndef softmax(Z):\n    return scipy.special.softmax(Z, axis=-1)"},
    "softmax_logsumexp": {
        "softmax": "def softmax(Z):\n    m = np.max(Z, axis=-1, keepdims=True)\n"
                   "    lse = m + np.log(np.sum(np.exp(Z - m), axis=-1, keepdims=True))\n    return np.exp(Z - lse)"
    },
    "softmax_in_place_on_a_float64_copy": {
        "softmax": "def softmax(Z):\n    Z = np.array(Z, dtype=np.float64)\n    Z -= Z.max(axis=-1, keepdims=True)\n"
                   "    np.exp(Z, out=Z)\n    Z /= Z.sum(axis=-1, keepdims=True)\n    return Z"
    },
    "softmax_logaddexp": {
        "softmax": "def softmax(Z):\n    return np.exp(Z - np.logaddexp.reduce(Z, axis=-1, keepdims=True))"
    },
    "predict_class_method": {"predict_class": "def predict_class(P):\n    return P.argmax(axis=1)"},
    "predict_class_loop": {
        "predict_class": "def predict_class(P):\n    return np.array([int(np.argmax(row)) for row in P])"
    },
    "forward_if_chain_inline_softmax": {
        "forward": "def forward(X, layers):\n    a = X\n    for W, b, activation in layers:\n        z = a @ W + b\n"
                   "        if activation == 'sigmoid':\n            a = sigmoid(z)\n        elif activation == 'relu':\n"
                   "            a = np.maximum(z, 0)\n        elif activation == 'softmax':\n"
                   "            e = np.exp(z - z.max(axis=1, keepdims=True))\n            a = e / e.sum(axis=1, keepdims=True)\n"
                   "        else:\n            a = z\n    return a"
    },
    "forward_reduce": {
        "forward": "from functools import reduce\n\nACTS = {'linear': lambda z: z, 'sigmoid': sigmoid, 'relu': relu, "
                   "'softmax': softmax}\n\ndef forward(X, layers):\n"
                   "    return reduce(lambda a, layer: ACTS[layer[2]](dense(a, layer[0], layer[1])), layers, X)"
    },
}
