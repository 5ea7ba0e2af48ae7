"""Bug zoo for 09_cnn."""

CONV_VISIBLE, CONV_VALID, CONV_SAME = "test_conv2d_forward_visible", "test_conv2d_forward_valid", "test_conv2d_forward_same"
POOL_VISIBLE, POOL_HIDDEN = "test_maxpool2d_forward_visible", "test_maxpool2d_forward_hidden"
CNN_STRUCTURE, CNN_TRAINING = "test_build_cnn_structure", "test_build_cnn_training"

# A correct convolution over kernel offsets, with the parts the bugs change as parameters.
_CONV = '''def conv2d_forward(X, K, b, stride=1, padding="valid"):
    kh, kw, _, F = K.shape
    K = {kernel}
    if padding == "same":
        pads = []
        for n, k in ((X.shape[1], kh), (X.shape[2], kw)):
            {pad}
        X = np.pad(X, ((0, 0), pads[0], pads[1], (0, 0)))
    s = {stride}
    Ho = (X.shape[1] - kh) // s + 1
    Wo = (X.shape[2] - kw) // s + 1
    out = np.zeros((X.shape[0], Ho, Wo, F))
    for u in range(kh):
        for v in range(kw):
            out += X[:, u:u + s * (Ho - 1) + 1:s, v:v + s * (Wo - 1) + 1:s, :] @ K[u, v]
    return out{bias}'''
_PAD = "total = max((-(-n // stride) - 1) * stride + k - n, 0); pads.append((total // 2, total - total // 2))"


def _conv(kernel="K", pad=_PAD, stride="stride", bias=" + b"):
    return _CONV.format(kernel=kernel, pad=pad, stride=stride, bias=bias)


def _cnn(layers, compile_args='optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"]'):
    return ("def build_cnn():\n"
            f"    model = keras.Sequential([{layers}])\n"
            f"    model.compile({compile_args})\n"
            "    return model")


INPUT = "keras.Input(shape=(28, 28, 1)), "
CONV_POOL = 'keras.layers.Conv2D(16, 3, activation="relu"), keras.layers.MaxPooling2D(2), '
SOFTMAX = 'keras.layers.Dense(10, activation="softmax")'

BUGS = {
    "output_size_without_floor": {
        "cells": {"conv_output_size": 'def conv_output_size(n, kernel, stride=1, padding="valid"):\n'
                                      '    if padding == "same":\n        return int(np.ceil(n / stride))\n'
                                      "    return (n - kernel) / stride + 1"},
        "loses": ["test_conv_output_size"],
    },
    "output_size_same_rounds_down": {
        "cells": {"conv_output_size": 'def conv_output_size(n, kernel, stride=1, padding="valid"):\n'
                                      '    if padding == "same":\n        return n // stride\n'
                                      "    return (n - kernel) // stride + 1"},
        "loses": ["test_conv_output_size"],
    },
    "output_size_ignores_stride": {
        "cells": {"conv_output_size": 'def conv_output_size(n, kernel, stride=1, padding="valid"):\n'
                                      '    return n if padding == "same" else n - kernel + 1'},
        "loses": ["test_conv_output_size"],
    },
    "conv_flipped_kernel_true_convolution": {
        "cells": {"conv2d_forward": _conv(kernel="K[::-1, ::-1]")},
        "loses": [CONV_VISIBLE, CONV_VALID, CONV_SAME],
    },
    "conv_without_bias": {
        "cells": {"conv2d_forward": _conv(bias="")},
        "loses": [CONV_VISIBLE, CONV_VALID, CONV_SAME],
    },
    "conv_stride_ignored": {
        "cells": {"conv2d_forward": _conv(stride="1")},
        "loses": [CONV_VALID, CONV_SAME],
    },
    "conv_same_pads_k_half_each_side": {
        "cells": {"conv2d_forward": _conv(pad="pads.append((k // 2, k // 2))")},
        "loses": [CONV_SAME],
    },
    "conv_same_extra_padding_on_top": {
        "cells": {"conv2d_forward": _conv(pad=_PAD.replace("(total // 2, total - total // 2)", "(total - total // 2, total // 2)"))},
        "loses": [CONV_SAME],
    },
    "conv_same_pads_k_minus_1_ignoring_stride": {
        "cells": {"conv2d_forward": _conv(pad="pads.append(((k - 1) // 2, k - 1 - (k - 1) // 2))")},
        "loses": [CONV_SAME],
    },
    "conv_kernel_height_and_width_swapped": {
        "cells": {"conv2d_forward": _conv(kernel="K.transpose(1, 0, 2, 3)")},
        "loses": [CONV_VISIBLE, CONV_VALID, CONV_SAME],
    },
    "maxpool_average": {
        "cells": {"maxpool2d_forward": "def maxpool2d_forward(X, pool_size=2):\n    p = pool_size\n    n, H, W, C = X.shape\n"
                                       "    return X[:, :H // p * p, :W // p * p].reshape(n, H // p, p, W // p, p, C).mean(axis=(2, 4))"},
        "loses": [POOL_VISIBLE, POOL_HIDDEN],
    },
    "maxpool_starts_at_zero": {
        "cells": {"maxpool2d_forward": "def maxpool2d_forward(X, pool_size=2):\n    p = pool_size\n    n, H, W, C = X.shape\n"
                                       "    out = np.zeros((n, H // p, W // p, C))\n    for i in range(H // p):\n        for j in range(W // p):\n"
                                       "            for u in range(p):\n                for v in range(p):\n"
                                       "                    out[:, i, j] = np.maximum(out[:, i, j], X[:, i * p + u, j * p + v])\n    return out"},
        "loses": [POOL_HIDDEN],
    },
    "maxpool_overlapping_stride_1": {
        "cells": {"maxpool2d_forward": "def maxpool2d_forward(X, pool_size=2):\n    p = pool_size\n    n, H, W, C = X.shape\n"
                                       "    win = np.lib.stride_tricks.sliding_window_view(X, (p, p), axis=(1, 2))\n"
                                       "    return win.max(axis=(-2, -1))[:, :H // p, :W // p]"},
        "loses": [POOL_VISIBLE, POOL_HIDDEN],
    },
    "maxpool_wrong_reshape_order": {
        "cells": {"maxpool2d_forward": "def maxpool2d_forward(X, pool_size=2):\n    p = pool_size\n    n, H, W, C = X.shape\n"
                                       "    return X[:, :H // p * p, :W // p * p].reshape(n, H // p, W // p, p, p, C).max(axis=(3, 4))"},
        "loses": [POOL_VISIBLE, POOL_HIDDEN],
    },
    "cnn_without_pooling": {
        "cells": {"build_cnn": _cnn(INPUT + 'keras.layers.Conv2D(8, 3, strides=2, activation="relu"), keras.layers.Flatten(), ' + SOFTMAX)},
        "loses": [CNN_STRUCTURE],
    },
    "cnn_sigmoid_output_with_categorical_crossentropy": {
        "cells": {"build_cnn": _cnn(INPUT + CONV_POOL + 'keras.layers.Flatten(), keras.layers.Dense(10, activation="sigmoid")')},
        "loses": [CNN_STRUCTURE],
    },
    "cnn_missing_flatten": {
        "cells": {"build_cnn": _cnn(INPUT + CONV_POOL + SOFTMAX)},
        "loses": [CNN_STRUCTURE, CNN_TRAINING],
    },
    "cnn_flat_input_shape": {
        "cells": {"build_cnn": _cnn('keras.Input(shape=(784,)), keras.layers.Dense(64, activation="relu"), ' + SOFTMAX)},
        "loses": [CNN_STRUCTURE, CNN_TRAINING],
    },
    "cnn_learning_rate_10": {
        "cells": {"build_cnn": _cnn(INPUT + CONV_POOL + "keras.layers.Flatten(), " + SOFTMAX,
                                    'optimizer=keras.optimizers.Adam(learning_rate=10.0), loss="categorical_crossentropy"')},
        "loses": [CNN_TRAINING],
    },
    "cnn_lecture_network_too_big_for_cpu": {
        "cells": {"build_cnn": _cnn(INPUT + 'keras.layers.Conv2D(32, 3, activation="relu"), keras.layers.Conv2D(64, 3, activation="relu"), '
                                    'keras.layers.MaxPooling2D(2), keras.layers.Dropout(0.25), keras.layers.Flatten(), '
                                    'keras.layers.Dense(128, activation="relu"), keras.layers.Dropout(0.5), ' + SOFTMAX)},
        "loses": [CNN_STRUCTURE, CNN_TRAINING],
    },
}

ALTERNATIVES = {
    "size_with_math_ceil": {
        "conv_output_size": 'import math\n\ndef conv_output_size(n, kernel, stride=1, padding="valid"):\n'
                            '    if padding == "same":\n        return math.ceil(n / stride)\n'
                            "    return math.floor((n - kernel) / stride) + 1",
    },
    "conv_loops_over_outputs_tensordot": {
        "conv2d_forward": '''def conv2d_forward(X, K, b, stride=1, padding="valid"):
    n, H, W, C = X.shape
    kh, kw, _, F = K.shape
    if padding == "same":
        Ho, Wo = -(-H // stride), -(-W // stride)
        ph = max((Ho - 1) * stride + kh - H, 0)
        pw = max((Wo - 1) * stride + kw - W, 0)
        X = np.pad(X, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    else:
        Ho, Wo = (H - kh) // stride + 1, (W - kw) // stride + 1
    out = np.empty((n, Ho, Wo, F))
    for i in range(Ho):
        for j in range(Wo):
            window = X[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            out[:, i, j, :] = np.tensordot(window, K, axes=([1, 2, 3], [0, 1, 2])) + b
    return out''',
    },
    "conv_stride_tricks_einsum_float32": {
        "conv2d_forward": '''def conv2d_forward(X, K, b, stride=1, padding="valid"):
    X = X.astype(np.float32)
    kh, kw = K.shape[:2]
    if padding == "same":
        pads = []
        for n, k in zip(X.shape[1:3], (kh, kw)):
            total = max((conv_output_size(n, k, stride, "same") - 1) * stride + k - n, 0)
            pads.append((total // 2, total - total // 2))
        X = np.pad(X, [(0, 0), pads[0], pads[1], (0, 0)])
    windows = np.lib.stride_tricks.sliding_window_view(X, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]
    return np.einsum("nijcuv,uvcf->nijf", windows, K.astype(np.float32)) + b.astype(np.float32)''',
    },
    "maxpool_loops": {
        "maxpool2d_forward": "def maxpool2d_forward(X, pool_size=2):\n    p = pool_size\n    n, H, W, C = X.shape\n"
                             "    out = np.empty((n, H // p, W // p, C))\n    for i in range(H // p):\n        for j in range(W // p):\n"
                             "            out[:, i, j, :] = X[:, i * p:(i + 1) * p, j * p:(j + 1) * p, :].max(axis=(1, 2))\n    return out",
    },
    "cnn_small_conv16_conv32": {
        "build_cnn": _cnn(INPUT + CONV_POOL + 'keras.layers.Conv2D(32, 3, activation="relu"), keras.layers.MaxPooling2D(2), '
                          "keras.layers.Flatten(), " + SOFTMAX),
    },
    "cnn_functional_rmsprop_sparse": {
        "build_cnn": "def build_cnn():\n    inputs = keras.Input(shape=(28, 28, 1))\n"
                     "    x = keras.layers.Conv2D(32, 3, activation=\"relu\", padding=\"same\")(inputs)\n"
                     "    x = keras.layers.MaxPooling2D()(x)\n    x = keras.layers.Conv2D(32, 3, activation=\"relu\")(x)\n"
                     "    x = keras.layers.MaxPooling2D()(x)\n    x = keras.layers.Flatten()(x)\n"
                     "    x = keras.layers.Dense(64, activation=\"relu\")(x)\n"
                     "    outputs = keras.layers.Dense(10, activation=\"softmax\")(x)\n    model = keras.Model(inputs, outputs)\n"
                     "    model.compile(optimizer=\"rmsprop\", loss=\"sparse_categorical_crossentropy\", metrics=[\"accuracy\"])\n"
                     "    return model",
    },
}
