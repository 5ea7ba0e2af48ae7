"""Bug zoo for 07_fashion_mnist."""

PREPROCESS = "def preprocess(images, labels):\n{}"
SPLIT = "def train_val_split(x, y, val_fraction, seed):\n{}"
TRAIN = "def train(model, x_train, y_train, x_val, y_val):\n{}"
STOP = "    stop = keras.callbacks.EarlyStopping(monitor='val_loss', patience={})\n"


def build(*layers, optimizer="'adam'", loss="'categorical_crossentropy'"):
    body = ",\n        ".join(layers)
    return (f"def build_model():\n    model = keras.Sequential([\n        {body},\n    ])\n"
            f"    model.compile(optimizer={optimizer}, loss={loss}, metrics=['accuracy'])\n    return model")


INPUT = "keras.Input(shape=(784,))"
HIDDEN = "layers.Dense(128, activation='relu')"
SOFTMAX = "layers.Dense(10, activation='softmax')"
ONE_HOT = "    y = np.eye(10, dtype=np.float32)[labels]\n"

BUGS = {
    "preprocess_no_scaling": {
        "cells": {"preprocess": PREPROCESS.format("    x = images.reshape(len(images), 784).astype(np.float32)\n" + ONE_HOT + "    return x, y")},
        "loses": ["test_preprocess"],
    },
    "preprocess_labels_not_one_hot": {
        "cells": {"preprocess": PREPROCESS.format("    x = images.reshape(len(images), 784).astype(np.float32) / 255\n"
                                                  "    return x, labels.astype(np.float32)")},
        "loses": ["test_preprocess"],
    },
    "split_overlapping": {
        "cells": {"train_val_split": SPLIT.format(
            "    rng = np.random.default_rng(seed)\n    val = rng.choice(len(x), round(val_fraction * len(x)), replace=False)\n"
            "    return x, y, x[val], y[val]")},
        "loses": ["test_train_val_split"],
    },
    "split_not_reproducible": {
        "cells": {"train_val_split": SPLIT.format(
            "    order = np.random.permutation(len(x))\n    n_val = round(val_fraction * len(x))\n"
            "    return x[order[n_val:]], y[order[n_val:]], x[order[:n_val]], y[order[:n_val]]")},
        "loses": ["test_train_val_split"],
    },
    "split_not_shuffled": {
        "cells": {"train_val_split": SPLIT.format(
            "    n_train = len(x) - round(val_fraction * len(x))\n    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]")},
        "loses": ["test_train_val_split"],
    },
    "split_shuffles_x_and_y_separately": {
        "cells": {"train_val_split": SPLIT.format(
            "    rng = np.random.default_rng(seed)\n    x, y = x[rng.permutation(len(x))], y[rng.permutation(len(y))]\n"
            "    n_val = round(val_fraction * len(x))\n    return x[n_val:], y[n_val:], x[:n_val], y[:n_val]")},
        "loses": ["test_train_val_split"],
    },
    "split_sklearn_order": {
        "cells": {"train_val_split": SPLIT.format(
            "    from sklearn.model_selection import train_test_split\n"
            "    return tuple(train_test_split(x, y, test_size=val_fraction, random_state=seed))")},
        "loses": ["test_train_val_split"],
    },
    "build_model_sigmoid_output": {
        "cells": {"build_model": build(INPUT, HIDDEN, "layers.Dense(10, activation='sigmoid')")},
        "loses": ["test_build_model_structure"],
    },
    "build_model_sparse_loss_with_one_hot_labels": {
        "cells": {"build_model": build(INPUT, HIDDEN, SOFTMAX, loss="'sparse_categorical_crossentropy'")},
        "loses": ["test_build_model_structure", "test_build_model_learns", "test_train"],
    },
    "build_model_learning_rate_10": {
        "cells": {"build_model": build(INPUT, HIDDEN, SOFTMAX, optimizer="keras.optimizers.Adam(learning_rate=10.0)")},
        "loses": ["test_build_model_learns", "test_train"],
    },
    "build_model_without_input": {
        "cells": {"build_model": build(HIDDEN, SOFTMAX)},
        "loses": ["test_build_model_structure"],
    },
    "train_without_early_stopping": {
        "cells": {"train": TRAIN.format("    return model.fit(x_train, y_train, epochs=15, batch_size=64, "
                                        "validation_data=(x_val, y_val), verbose=0)")},
        "loses": ["test_early_stopping"],
    },
    "train_without_validation_data": {
        "cells": {"train": TRAIN.format("    return model.fit(x_train, y_train, epochs=5, batch_size=64, verbose=0)")},
        "loses": ["test_train", "test_early_stopping"],
    },
    "train_validates_on_a_split_of_the_training_data": {
        "cells": {"train": TRAIN.format(STOP.format(3) + "    return model.fit(x_train, y_train, epochs=100, batch_size=64, "
                                        "validation_split=0.1, callbacks=[stop], verbose=0)")},
        "loses": ["test_early_stopping"],
    },
    "train_patience_too_long": {
        "cells": {"train": TRAIN.format(STOP.format(20) + "    return model.fit(x_train, y_train, epochs=100, batch_size=64, "
                                        "validation_data=(x_val, y_val), callbacks=[stop], verbose=0)")},
        "loses": ["test_early_stopping"],
    },
    "train_returns_the_model": {
        "cells": {"train": TRAIN.format(STOP.format(3) + "    model.fit(x_train, y_train, epochs=100, batch_size=64, "
                                        "validation_data=(x_val, y_val), callbacks=[stop], verbose=0)\n    return model")},
        "loses": ["test_train"],
    },
    "build_model_hand_written_loss": {  # refused as a loss the grader cannot load, not for its layers
        "cells": {"build_model": "def my_loss(y, p):\n    return -keras.ops.mean(keras.ops.sum(y * keras.ops.log(p + 1e-7), axis=-1))\n\n\n"
                                 + build(INPUT, HIDDEN, SOFTMAX, loss="my_loss")},
        "loses": ["test_build_model_structure", "test_build_model_learns"],
    },
}

ALTERNATIVES = {
    "preprocess_to_categorical": {"preprocess": PREPROCESS.format(
        "    x = (images / 255.0).reshape(-1, 28 * 28).astype('float32')\n"
        "    return x, keras.utils.to_categorical(labels, 10).astype('float32')")},
    "preprocess_float64_to_categorical": {"preprocess": PREPROCESS.format(  # as in 06 and the seeds: both float64
        "    x = images.reshape(len(images), 784) / 255.0\n    return x, keras.utils.to_categorical(labels, 10)")},
    "split_sklearn_reordered": {"train_val_split": SPLIT.format(
        "    from sklearn.model_selection import train_test_split\n"
        "    x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=val_fraction, random_state=seed)\n"
        "    return x_train, y_train, x_val, y_val")},
    "split_rng_choice": {"train_val_split": SPLIT.format(
        "    rng = np.random.default_rng(seed)\n    val = rng.choice(len(x), size=round(val_fraction * len(x)), replace=False)\n"
        "    train = np.setdiff1d(np.arange(len(x)), val)\n    return x[train], y[train], x[val], y[val]")},
    "build_model_two_hidden_layers": {"build_model": build(INPUT, "layers.Dense(256, activation='relu')",
                                                           "layers.Dense(128, activation='relu')", SOFTMAX)},
    "build_model_keras_loss_function": {"build_model": build(INPUT, HIDDEN, SOFTMAX,
                                                             loss="keras.losses.categorical_crossentropy")},
    "build_model_softmax_layer_rmsprop": {"build_model": build(INPUT, HIDDEN, "layers.Dense(10)", "layers.Softmax()",
                                                               optimizer="'rmsprop'",
                                                               loss="keras.losses.CategoricalCrossentropy()")},
    "train_patience_20_restores_the_best_weights": {"train": TRAIN.format(
        "    stop = keras.callbacks.EarlyStopping(monitor='val_loss', patience=20, restore_best_weights=True)\n"
        "    return model.fit(x_train, y_train, epochs=100, batch_size=64, validation_data=(x_val, y_val), "
        "callbacks=[stop], verbose=0)")},
    "train_patience_2_no_restore": {"train": TRAIN.format(
        STOP.format(2) + "    return model.fit(x_train, y_train, epochs=50, batch_size=32, "
        "validation_data=(x_val, y_val), callbacks=[stop], verbose=0)")},
}
