"""Bug zoo for 03_losses."""

BUGS = {
    "mse_sum_not_mean": {
        "cells": {"mse": "def mse(y_true, y_pred):\n    return np.sum((y_true - y_pred) ** 2)"},
        "loses": ["test_mse_visible", "test_mse_hidden"],
    },
    "mse_absolute_error": {
        "cells": {"mse": "def mse(y_true, y_pred):\n    return np.mean(np.abs(y_true - y_pred))"},
        "loses": ["test_mse_visible", "test_mse_hidden"],
    },
    "mse_half_convention": {
        "cells": {"mse": "def mse(y_true, y_pred):\n    return 0.5 * np.mean((y_true - y_pred) ** 2)"},
        "loses": ["test_mse_visible", "test_mse_hidden"],
    },
    "mse_mean_over_samples_only": {
        "cells": {"mse": "def mse(y_true, y_pred):\n    return np.mean((y_true - y_pred) ** 2, axis=0)"},
        "loses": ["test_mse_hidden"],
    },
    "mse_sum_over_outputs_mean_over_samples": {
        "cells": {"mse": "def mse(y_true, y_pred):\n    d = np.atleast_2d((y_true - y_pred).T).T\n"
                         "    return np.mean(np.sum(d ** 2, axis=1))"},
        "loses": ["test_mse_hidden"],
    },
    "bce_missing_minus": {
        "cells": {"binary_crossentropy": "def binary_crossentropy(y_true, p, eps=1e-7):\n    p = np.clip(p, eps, 1 - eps)\n"
                                         "    return np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))"},
        "loses": ["test_binary_crossentropy_visible", "test_binary_crossentropy_hidden",
                  "test_binary_crossentropy_clipping"],
    },
    "bce_no_clipping": {
        "cells": {"binary_crossentropy": "def binary_crossentropy(y_true, p, eps=1e-7):\n"
                                         "    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))"},
        "loses": ["test_binary_crossentropy_clipping"],
    },
    "bce_clips_to_unit_interval": {
        "cells": {"binary_crossentropy": "def binary_crossentropy(y_true, p, eps=1e-7):\n    p = np.clip(p, 0, 1)\n"
                                         "    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))"},
        "loses": ["test_binary_crossentropy_clipping"],
    },
    "bce_ignores_eps_argument": {
        "cells": {"binary_crossentropy": "def binary_crossentropy(y_true, p, eps=1e-7):\n    p = np.clip(p, 1e-7, 1 - 1e-7)\n"
                                         "    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))"},
        "loses": ["test_binary_crossentropy_clipping"],
    },
    "bce_sum_not_mean": {
        "cells": {"binary_crossentropy": "def binary_crossentropy(y_true, p, eps=1e-7):\n    p = np.clip(p, eps, 1 - eps)\n"
                                         "    return -np.sum(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))"},
        "loses": ["test_binary_crossentropy_visible", "test_binary_crossentropy_hidden",
                  "test_binary_crossentropy_clipping"],
    },
    "bce_log10": {
        "cells": {"binary_crossentropy": "def binary_crossentropy(y_true, p, eps=1e-7):\n    p = np.clip(p, eps, 1 - eps)\n"
                                         "    return -np.mean(y_true * np.log10(p) + (1 - y_true) * np.log10(1 - p))"},
        "loses": ["test_binary_crossentropy_visible", "test_binary_crossentropy_hidden",
                  "test_binary_crossentropy_clipping"],
    },
    "bce_clips_in_place": {
        "cells": {"binary_crossentropy": "def binary_crossentropy(y_true, p, eps=1e-7):\n    np.clip(p, eps, 1 - eps, out=p)\n"
                                         "    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))"},
        "loses": ["test_binary_crossentropy_clipping"],
    },
    "one_hot_integer_dtype": {
        "cells": {"one_hot": "def one_hot(labels, num_classes):\n    return np.eye(num_classes, dtype=int)[labels]"},
        "loses": ["test_one_hot"],
    },
    "one_hot_off_by_one": {
        "cells": {"one_hot": "def one_hot(labels, num_classes):\n    Y = np.zeros((len(labels), num_classes))\n"
                             "    Y[np.arange(len(labels)), labels - 1] = 1\n    return Y"},
        "loses": ["test_one_hot"],
    },
    "one_hot_classes_from_max_label": {
        "cells": {"one_hot": "def one_hot(labels, num_classes):\n    return np.eye(labels.max() + 1)[labels]"},
        "loses": ["test_one_hot"],
    },
    "one_hot_transposed": {
        "cells": {"one_hot": "def one_hot(labels, num_classes):\n    return np.eye(num_classes)[:, labels]"},
        "loses": ["test_one_hot"],
    },
    "cce_no_clipping": {
        "cells": {"categorical_crossentropy": "def categorical_crossentropy(Y, P, eps=1e-7):\n"
                                              "    return -np.mean(np.sum(Y * np.log(P), axis=1))"},
        "loses": ["test_categorical_crossentropy"],
    },
    "cce_mean_over_all_entries": {
        "cells": {"categorical_crossentropy": "def categorical_crossentropy(Y, P, eps=1e-7):\n"
                                              "    return -np.mean(Y * np.log(np.clip(P, eps, 1 - eps)))"},
        "loses": ["test_categorical_crossentropy"],
    },
    "cce_missing_minus": {
        "cells": {"categorical_crossentropy": "def categorical_crossentropy(Y, P, eps=1e-7):\n"
                                              "    return np.mean(np.sum(Y * np.log(np.clip(P, eps, 1 - eps)), axis=1))"},
        "loses": ["test_categorical_crossentropy"],
    },
    "cce_sum_over_samples": {
        "cells": {"categorical_crossentropy": "def categorical_crossentropy(Y, P, eps=1e-7):\n"
                                              "    return -np.sum(Y * np.log(np.clip(P, eps, 1 - eps)))"},
        "loses": ["test_categorical_crossentropy"],
    },
    "scce_selects_columns": {
        "cells": {"sparse_categorical_crossentropy": "def sparse_categorical_crossentropy(labels, P, eps=1e-7):\n"
                                                     "    return -np.mean(np.log(np.clip(P[:, labels], eps, 1 - eps)))"},
        "loses": ["test_sparse_categorical_crossentropy"],
    },
    "scce_no_clipping": {
        "cells": {"sparse_categorical_crossentropy": "def sparse_categorical_crossentropy(labels, P, eps=1e-7):\n"
                                                     "    return -np.mean(np.log(P[np.arange(len(labels)), labels]))"},
        "loses": ["test_sparse_categorical_crossentropy"],
    },
    "scce_missing_minus": {
        "cells": {"sparse_categorical_crossentropy": "def sparse_categorical_crossentropy(labels, P, eps=1e-7):\n"
                                                     "    p = np.clip(P[np.arange(len(labels)), labels], eps, 1 - eps)\n"
                                                     "    return np.mean(np.log(p))"},
        "loses": ["test_sparse_categorical_crossentropy"],
    },
    "sce_naive_log_sum_exp": {
        "cells": {"softmax_crossentropy_from_logits": "def softmax_crossentropy_from_logits(Y, Z):\n"
                                                      "    lse = np.log(np.sum(np.exp(Z), axis=1, keepdims=True))\n"
                                                      "    return -np.mean(np.sum(Y * (Z - lse), axis=1))"},
        "loses": ["test_softmax_crossentropy_stable"],
    },
    "sce_log_of_stable_softmax": {
        "cells": {"softmax_crossentropy_from_logits": "def softmax_crossentropy_from_logits(Y, Z):\n"
                                                      "    e = np.exp(Z - Z.max(axis=1, keepdims=True))\n"
                                                      "    P = e / e.sum(axis=1, keepdims=True)\n"
                                                      "    return -np.mean(np.sum(Y * np.log(P), axis=1))"},
        "loses": ["test_softmax_crossentropy_stable"],
    },
    "sce_clipped_softmax": {
        "cells": {"softmax_crossentropy_from_logits": "def softmax_crossentropy_from_logits(Y, Z):\n"
                                                      "    e = np.exp(Z - Z.max(axis=1, keepdims=True))\n"
                                                      "    return categorical_crossentropy(Y, e / e.sum(axis=1, keepdims=True))"},
        "loses": ["test_softmax_crossentropy_stable"],
    },
    "sce_global_max_shift": {
        "cells": {"softmax_crossentropy_from_logits": "def softmax_crossentropy_from_logits(Y, Z):\n    m = Z.max()\n"
                                                      "    lse = m + np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True))\n"
                                                      "    return -np.mean(np.sum(Y * (Z - lse), axis=1))"},
        "loses": ["test_softmax_crossentropy_stable"],
    },
    "sce_missing_minus": {
        "cells": {"softmax_crossentropy_from_logits": "def softmax_crossentropy_from_logits(Y, Z):\n"
                                                      "    m = Z.max(axis=1, keepdims=True)\n"
                                                      "    lse = m + np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True))\n"
                                                      "    return np.mean(np.sum(Y * (Z - lse), axis=1))"},
        "loses": ["test_softmax_crossentropy_from_logits", "test_softmax_crossentropy_stable"],
    },
    "sce_mean_over_all_entries": {
        "cells": {"softmax_crossentropy_from_logits": "def softmax_crossentropy_from_logits(Y, Z):\n"
                                                      "    m = Z.max(axis=1, keepdims=True)\n"
                                                      "    lse = m + np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True))\n"
                                                      "    return -np.mean(Y * (Z - lse))"},
        "loses": ["test_softmax_crossentropy_from_logits", "test_softmax_crossentropy_stable"],
    },
    "accuracy_count": {
        "cells": {"accuracy": "def accuracy(labels_true, labels_pred):\n    return np.sum(labels_true == labels_pred)"},
        "loses": ["test_accuracy"],
    },
    "accuracy_percent": {
        "cells": {"accuracy": "def accuracy(labels_true, labels_pred):\n    return 100 * np.mean(labels_true == labels_pred)"},
        "loses": ["test_accuracy"],
    },
    "accuracy_error_rate": {
        "cells": {"accuracy": "def accuracy(labels_true, labels_pred):\n    return np.mean(labels_true != labels_pred)"},
        "loses": ["test_accuracy"],
    },
    "accuracy_integer_division": {
        "cells": {"accuracy": "def accuracy(labels_true, labels_pred):\n"
                              "    return np.sum(labels_true == labels_pred) // len(labels_true)"},
        "loses": ["test_accuracy"],
    },
}

ALTERNATIVES = {
    "mse_square_method_mean": {"mse": "def mse(y_true, y_pred):\n    return np.square(np.subtract(y_true, y_pred)).mean()"},
    "mse_float64_copies_and_dot": {
        "mse": "def mse(y_true, y_pred):\n    d = np.asarray(y_true, dtype=np.float64) - np.asarray(y_pred, dtype=np.float64)\n"
               "    return float(d.ravel() @ d.ravel()) / d.size"
    },
    "bce_where": {
        "binary_crossentropy": "def binary_crossentropy(y_true, p, eps=1e-7):\n    p = np.clip(p, eps, 1 - eps)\n"
                               "    return -np.mean(np.where(y_true == 1, np.log(p), np.log(1 - p)))"
    },
    "bce_minimum_maximum_on_a_copy": {
        "binary_crossentropy": "def binary_crossentropy(y_true, p, eps=1e-7):\n    q = np.array(p, dtype=np.float64)\n"
                               "    q = np.minimum(np.maximum(q, eps), 1 - eps)\n"
                               "    return float(-np.mean(y_true * np.log(q) + (1 - y_true) * np.log1p(-q)))"
    },
    "one_hot_compare_arange": {
        "one_hot": "def one_hot(labels, num_classes):\n    return (labels[:, None] == np.arange(num_classes)).astype(float)"
    },
    "one_hot_fancy_index": {
        "one_hot": "def one_hot(labels, num_classes):\n    Y = np.zeros((labels.shape[0], num_classes))\n"
                   "    Y[np.arange(labels.shape[0]), labels] = 1.0\n    return Y"
    },
    "cce_picks_true_class": {
        "categorical_crossentropy": "def categorical_crossentropy(Y, P, eps=1e-7):\n    P = np.clip(P, eps, 1 - eps)\n"
                                    "    return -np.log(P[Y == 1]).sum() / len(Y)"
    },
    "cce_einsum": {
        "categorical_crossentropy": "def categorical_crossentropy(Y, P, eps=1e-7):\n"
                                    "    return -np.einsum('nk,nk->', Y, np.log(np.clip(P, eps, 1 - eps))) / Y.shape[0]"
    },
    "scce_via_one_hot": {
        "sparse_categorical_crossentropy": "def sparse_categorical_crossentropy(labels, P, eps=1e-7):\n"
                                           "    return categorical_crossentropy(one_hot(labels, P.shape[1]), P, eps)"
    },
    "scce_take_along_axis": {
        "sparse_categorical_crossentropy": "def sparse_categorical_crossentropy(labels, P, eps=1e-7):\n"
                                           "    p = np.take_along_axis(P, labels[:, None], axis=1)\n"
                                           "    return -np.mean(np.log(np.clip(p, eps, 1 - eps)))"
    },
    "sce_scipy_logsumexp": {
        "softmax_crossentropy_from_logits": "from scipy.special import logsumexp\n\n"
                                            "def softmax_crossentropy_from_logits(Y, Z):\n"
                                            "    return -np.mean(np.sum(Y * (Z - logsumexp(Z, axis=1, keepdims=True)), axis=1))"
    },
    "sce_logaddexp_reduce": {
        "softmax_crossentropy_from_logits": "def softmax_crossentropy_from_logits(Y, Z):\n"
                                            "    lse = np.logaddexp.reduce(Z, axis=1)\n"
                                            "    return np.mean(lse - np.sum(Y * Z, axis=1))"
    },
    "sce_true_logit_minus_lse": {
        "softmax_crossentropy_from_logits": "def softmax_crossentropy_from_logits(Y, Z):\n"
                                            "    Z = np.array(Z, dtype=np.float64)\n    Z -= Z.max(axis=1, keepdims=True)\n"
                                            "    lse = np.log(np.exp(Z).sum(axis=1))\n"
                                            "    return float(np.mean(lse - (Y * Z).sum(axis=1)))"
    },
    "accuracy_count_over_length": {
        "accuracy": "def accuracy(labels_true, labels_pred):\n    return np.sum(labels_true == labels_pred) / len(labels_true)"
    },
    "accuracy_loop": {
        "accuracy": "def accuracy(labels_true, labels_pred):\n"
                    "    hits = sum(int(a == b) for a, b in zip(labels_true, labels_pred))\n    return hits / len(labels_true)"
    },
}
