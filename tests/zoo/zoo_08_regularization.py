"""Bug zoo for 08_regularization."""

DROPOUT_VISIBLE, DROPOUT_HIDDEN = "test_dropout_forward_visible", "test_dropout_forward_hidden"
MODEL_STRUCTURE, MODEL_TRAINING = "test_build_regularized_model_structure", "test_build_regularized_model_training"


def _model(layers, compile_args='optimizer="rmsprop", loss="categorical_crossentropy"'):
    """A build_regularized_model answer from the body of a Sequential layer list."""
    return ("def build_regularized_model():\n"
            f"    model = keras.Sequential([{layers}])\n"
            f"    model.compile({compile_args})\n"
            "    return model")


INPUT = "keras.Input(shape=(784,)), "
DENSE = 'keras.layers.Dense(512, activation="relu"), '
SOFTMAX = 'keras.layers.Dense(10, activation="softmax")'

BUGS = {
    "dropout_not_inverted": {
        "cells": {"dropout_forward": "def dropout_forward(X, rate, rng, training):\n    if not training:\n        return X.copy()\n"
                                     "    return X * (rng.random(X.shape) >= rate)"},
        "loses": [DROPOUT_VISIBLE, DROPOUT_HIDDEN],
    },
    "dropout_scales_at_test_time": {
        "cells": {"dropout_forward": "def dropout_forward(X, rate, rng, training):\n    if not training:\n        return X * (1 - rate)\n"
                                     "    return np.where(rng.random(X.shape) >= rate, X / (1 - rate), 0.0)"},
        "loses": [DROPOUT_VISIBLE],
    },
    "dropout_mask_from_np_random": {
        "cells": {"dropout_forward": "def dropout_forward(X, rate, rng, training):\n    if not training:\n        return X.copy()\n"
                                     "    return np.where(np.random.rand(*X.shape) >= rate, X / (1 - rate), 0.0)"},
        "loses": [DROPOUT_HIDDEN],
    },
    "dropout_keeps_with_probability_rate": {
        "cells": {"dropout_forward": "def dropout_forward(X, rate, rng, training):\n    if not training:\n        return X.copy()\n"
                                     "    return np.where(rng.random(X.shape) < rate, X / (1 - rate), 0.0)"},
        "loses": [DROPOUT_HIDDEN],
    },
    "dropout_mutates_input": {
        "cells": {"dropout_forward": "def dropout_forward(X, rate, rng, training):\n    if training:\n"
                                     "        X *= (rng.random(X.shape) >= rate) / (1 - rate)\n    return X"},
        "loses": [DROPOUT_HIDDEN],
    },
    "l2_with_sqrt": {
        "cells": {"l2_penalty": "def l2_penalty(weights, lam):\n    return lam * sum(np.sqrt(np.sum(w ** 2)) for w in weights)"},
        "loses": ["test_l2_penalty"],
    },
    "l2_missing_lam": {
        "cells": {"l2_penalty": "def l2_penalty(weights, lam):\n    return sum(np.sum(w ** 2) for w in weights)"},
        "loses": ["test_l2_penalty"],
    },
    "l2_only_first_array": {
        "cells": {"l2_penalty": "def l2_penalty(weights, lam):\n    return lam * np.sum(weights[0] ** 2)"},
        "loses": ["test_l2_penalty"],
    },
    "glorot_one_over_sum": {
        "cells": {"glorot_normal": "def glorot_normal(fan_in, fan_out, rng):\n"
                                   "    return rng.normal(0, np.sqrt(1 / (fan_in + fan_out)), (fan_in, fan_out))"},
        "loses": ["test_glorot_normal"],
    },
    "glorot_variance_as_std": {
        "cells": {"glorot_normal": "def glorot_normal(fan_in, fan_out, rng):\n"
                                   "    return rng.normal(0, 2 / (fan_in + fan_out), (fan_in, fan_out))"},
        "loses": ["test_glorot_normal"],
    },
    "glorot_uniform_not_normal": {
        "cells": {"glorot_normal": "def glorot_normal(fan_in, fan_out, rng):\n    limit = np.sqrt(6 / (fan_in + fan_out))\n"
                                   "    return rng.uniform(-limit, limit, (fan_in, fan_out))"},
        "loses": ["test_glorot_normal"],
    },
    "glorot_np_random": {
        "cells": {"glorot_normal": "def glorot_normal(fan_in, fan_out, rng):\n"
                                   "    return np.random.normal(0, np.sqrt(2 / (fan_in + fan_out)), (fan_in, fan_out))"},
        "loses": ["test_glorot_normal"],
    },
    "he_with_fan_out": {
        "cells": {"he_normal": "def he_normal(fan_in, fan_out, rng):\n    return rng.normal(0, np.sqrt(2 / fan_out), (fan_in, fan_out))"},
        "loses": ["test_he_normal"],
    },
    "he_like_glorot": {
        "cells": {"he_normal": "def he_normal(fan_in, fan_out, rng):\n"
                               "    return rng.normal(0, np.sqrt(2 / (fan_in + fan_out)), (fan_in, fan_out))"},
        "loses": ["test_he_normal"],
    },
    "he_transposed_shape": {
        "cells": {"he_normal": "def he_normal(fan_in, fan_out, rng):\n    return rng.normal(0, np.sqrt(2 / fan_in), (fan_out, fan_in))"},
        "loses": ["test_he_normal"],
    },
    "model_without_regularization": {
        "cells": {"build_regularized_model": _model(INPUT + DENSE + SOFTMAX)},
        "loses": [MODEL_STRUCTURE, MODEL_TRAINING],
    },
    "model_sigmoid_output_with_categorical_crossentropy": {
        "cells": {"build_regularized_model": _model(INPUT + DENSE + 'keras.layers.Dropout(0.5), keras.layers.Dense(10, activation="sigmoid")')},
        "loses": [MODEL_STRUCTURE],
    },
    "model_image_input_without_flatten": {
        "cells": {"build_regularized_model": _model('keras.Input(shape=(28, 28)), ' + DENSE + 'keras.layers.Dropout(0.5), ' + SOFTMAX)},
        "loses": [MODEL_STRUCTURE, MODEL_TRAINING],
    },
    "model_learning_rate_10": {
        "cells": {"build_regularized_model": _model(INPUT + DENSE + "keras.layers.Dropout(0.5), " + SOFTMAX,
                                                    'optimizer=keras.optimizers.RMSprop(learning_rate=10.0), loss="categorical_crossentropy"')},
        "loses": [MODEL_TRAINING],
    },
    "model_l2_so_strong_it_cannot_learn": {
        "cells": {"build_regularized_model": _model(
            INPUT + 'keras.layers.Dense(512, activation="relu", kernel_regularizer=keras.regularizers.l2(1.0)), '
            'keras.layers.Dense(10, activation="softmax", kernel_regularizer=keras.regularizers.l2(1.0))')},
        "loses": [MODEL_TRAINING],
    },
    "model_regularization_too_weak": {
        "cells": {"build_regularized_model": _model(INPUT + DENSE + "keras.layers.Dropout(0.01), " + SOFTMAX)},
        "loses": [MODEL_TRAINING],
    },
}

ALTERNATIVES = {
    "dropout_binomial_float32": {
        "dropout_forward": "def dropout_forward(X, rate, rng, training):\n    X = np.asarray(X, dtype=np.float32)\n"
                           "    if not training:\n        return X\n"
                           "    mask = rng.binomial(1, 1 - rate, size=X.shape).astype(np.float32)\n    return X * mask / np.float32(1 - rate)",
    },
    "dropout_mask_divided": {
        "dropout_forward": "def dropout_forward(X, rate, rng, training):\n    if training:\n"
                           "        mask = (rng.uniform(size=X.shape) > rate) / (1.0 - rate)\n        return X * mask\n    return X",
    },
    "l2_loop_and_norm": {
        "l2_penalty": "def l2_penalty(weights, lam):\n    total = 0.0\n    for w in weights:\n"
                      "        total += np.linalg.norm(np.ravel(w)) ** 2\n    return lam * total",
    },
    "init_standard_normal_scaled": {
        "glorot_normal": "def glorot_normal(fan_in, fan_out, rng):\n"
                         "    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / (fan_in + fan_out))",
        "he_normal": "def he_normal(fan_in, fan_out, rng):\n    return np.sqrt(2.0 / fan_in) * rng.standard_normal(size=(fan_in, fan_out))",
    },
    "glorot_truncated_like_keras": {
        "glorot_normal": "def glorot_normal(fan_in, fan_out, rng):\n    z = rng.standard_normal((fan_in, fan_out))\n"
                         "    bad = np.abs(z) > 2\n    while bad.any():\n        z[bad] = rng.standard_normal(bad.sum())\n"
                         "        bad = np.abs(z) > 2\n"
                         "    return z * np.sqrt(2.0 / (fan_in + fan_out)) / 0.87962566103423978",
    },
    "model_dropout_functional_adam_sparse": {
        "build_regularized_model": "def build_regularized_model():\n    inputs = keras.Input(shape=(784,))\n"
                                   "    x = keras.layers.Dense(512, activation=\"relu\")(inputs)\n    x = keras.layers.Dropout(0.5)(x)\n"
                                   "    outputs = keras.layers.Dense(10, activation=\"softmax\")(x)\n    model = keras.Model(inputs, outputs)\n"
                                   "    model.compile(optimizer=\"adam\", loss=\"sparse_categorical_crossentropy\", metrics=[\"accuracy\"])\n"
                                   "    return model",
    },
    "model_l2_only_factor_0.01": {
        "build_regularized_model": _model(
            INPUT + 'keras.layers.Dense(512, activation="relu", kernel_regularizer=keras.regularizers.l2(0.01)), '
            'keras.layers.Dense(10, activation="softmax", kernel_regularizer=keras.regularizers.l2(0.01))'),
    },
    "model_dropout_and_l2_two_hidden_layers": {
        "build_regularized_model": _model(
            INPUT + 'keras.layers.Dense(256, activation="relu", kernel_regularizer=keras.regularizers.l2(1e-3)), '
            'keras.layers.Dropout(0.3), keras.layers.Dense(128, activation="relu"), keras.layers.Dropout(0.3), ' + SOFTMAX,
            'optimizer="adam", loss=keras.losses.CategoricalCrossentropy()'),
    },
    # Penalties strong enough to pass on other course seeds too (seeds 11-13: 61-71% and 99-110% less overfitting).
    "model_l1_penalty": {
        "build_regularized_model": _model(
            INPUT + 'keras.layers.Dense(512, activation="relu", kernel_regularizer=keras.regularizers.l1(3e-4)), '
            'keras.layers.Dense(10, activation="softmax", kernel_regularizer=keras.regularizers.l1(3e-4))'),
    },
    "model_l1_l2_penalty": {
        "build_regularized_model": _model(
            INPUT + 'keras.layers.Dense(512, activation="relu", kernel_regularizer=keras.regularizers.L1L2(l1=1e-4, l2=1e-2)), '
            'keras.layers.Dense(10, activation="softmax", kernel_regularizer=keras.regularizers.L1L2(l1=1e-4, l2=1e-2))'),
    },
    "model_gaussian_dropout": {
        "build_regularized_model": _model(INPUT + DENSE + "keras.layers.GaussianDropout(0.5), " + SOFTMAX),
    },
}
