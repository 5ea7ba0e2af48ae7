"""Bug zoo for 06_keras_basics."""


def _seq(*layers, optimizer='keras.optimizers.Adam(learning_rate=0.05)', loss='"binary_crossentropy"'):
    body = ",\n        ".join(layers)
    return (f"    model = keras.Sequential([\n        {body},\n    ])\n"
            f"    model.compile(optimizer={optimizer}, loss={loss})\n    return model")


def xor(*layers, **kw):
    return "def build_xor_model():\n" + _seq("keras.Input(shape=(2,))", *layers, **kw)


def logistic(*layers, inputs="keras.Input(shape=(n_features,))", **kw):
    return "def build_logistic_model(n_features):\n" + _seq(inputs, *layers, **kw)


def regression(*layers, optimizer='"rmsprop"', loss='"mse"'):
    return "def build_regression_model(n_features):\n" + _seq("keras.Input(shape=(n_features,))", *layers,
                                                              optimizer=optimizer, loss=loss)


def mlp(*layers, inputs="keras.Input(shape=(784,))", optimizer='"rmsprop"', loss='"categorical_crossentropy"'):
    return "def build_mlp_sequential():\n" + _seq(*([inputs] if inputs else []), *layers, optimizer=optimizer, loss=loss)


def functional(hidden='layers.Dense(512, activation="relu")', out='layers.Dense(10, activation="softmax")',
               optimizer='"rmsprop"', loss='"categorical_crossentropy"'):
    return ("def build_mlp_functional():\n    inputs = keras.Input(shape=(784,))\n"
            f"    outputs = {out}({hidden}(inputs))\n    model = keras.Model(inputs=inputs, outputs=outputs)\n"
            f"    model.compile(optimizer={optimizer}, loss={loss})\n    return model")


RELU512 = 'layers.Dense(512, activation="relu")'
SOFTMAX10 = 'layers.Dense(10, activation="softmax")'
SIGMOID1 = 'layers.Dense(1, activation="sigmoid")'

BUGS = {
    "xor_no_hidden_layer": {
        "cells": {"build_xor_model": xor(SIGMOID1)},
        "loses": ["test_xor_structure", "test_xor_learns"],
    },
    "xor_two_hidden_units": {
        "cells": {"build_xor_model": xor('layers.Dense(2, activation="tanh")', SIGMOID1)},
        "loses": ["test_xor_learns"],
    },
    "xor_learning_rate_10": {
        "cells": {"build_xor_model": xor('layers.Dense(8, activation="tanh")', SIGMOID1,
                                         optimizer="keras.optimizers.Adam(learning_rate=10.0)")},
        "loses": ["test_xor_learns"],
    },
    "xor_default_adam_too_slow": {
        "cells": {"build_xor_model": xor('layers.Dense(8, activation="tanh")', SIGMOID1, optimizer='"adam"')},
        "loses": ["test_xor_learns"],
    },
    "xor_mse_loss": {
        "cells": {"build_xor_model": xor('layers.Dense(8, activation="tanh")', SIGMOID1, loss='"mse"')},
        "loses": ["test_xor_structure"],
    },
    "logistic_with_hidden_layer": {
        "cells": {"build_logistic_model": logistic('layers.Dense(4, activation="relu")', SIGMOID1)},
        "loses": ["test_logistic_structure"],
    },
    "logistic_ignores_n_features": {
        "cells": {"build_logistic_model": logistic(SIGMOID1, inputs="keras.Input(shape=(2,))")},
        "loses": ["test_logistic_structure"],
    },
    "logistic_softmax_single_unit": {
        "cells": {"build_logistic_model": logistic('layers.Dense(1, activation="softmax")')},
        "loses": ["test_logistic_structure", "test_logistic_learns"],
    },
    "regression_softmax_head": {
        "cells": {"build_regression_model": regression('layers.Dense(64, activation="relu")',
                                                       'layers.Dense(1, activation="softmax")')},
        "loses": ["test_regression_structure", "test_regression_learns"],
    },
    "regression_learning_rate_10": {
        "cells": {"build_regression_model": regression('layers.Dense(64, activation="relu")', "layers.Dense(1)",
                                                       optimizer="keras.optimizers.RMSprop(learning_rate=10.0)")},
        "loses": ["test_regression_learns"],
    },
    "regression_linear_model": {  # linear regression, well trained: the 5-fold mean MSE separates it from an MLP
        "cells": {"build_regression_model": regression("layers.Dense(1)", optimizer="keras.optimizers.Adam(learning_rate=0.1)")},
        "loses": ["test_regression_learns"],
    },
    "regression_hand_written_mse": {  # refused as a loss the grader cannot load, not for its layers
        "cells": {"build_regression_model": "def my_mse(y_true, y_pred):\n    return keras.ops.mean(keras.ops.square(y_true - y_pred))\n\n\n"
                                            + regression('layers.Dense(64, activation="relu")', "layers.Dense(1)", loss="my_mse")},
        "loses": ["test_regression_structure", "test_regression_learns"],
    },
    "regression_mae_loss": {
        "cells": {"build_regression_model": regression('layers.Dense(64, activation="relu")', "layers.Dense(1)", loss='"mae"')},
        "loses": ["test_regression_structure"],
    },
    "mlp_sigmoid_output_with_categorical_crossentropy": {
        "cells": {"build_mlp_sequential": mlp(RELU512, 'layers.Dense(10, activation="sigmoid")')},
        "loses": ["test_mlp_sequential"],
    },
    "mlp_without_input": {
        "cells": {"build_mlp_sequential": mlp(RELU512, SOFTMAX10, inputs=None)},
        "loses": ["test_mlp_sequential"],
    },
    "mlp_wrong_input_shape": {
        "cells": {"build_mlp_sequential": mlp(RELU512, SOFTMAX10, inputs="keras.Input(shape=(28, 28))")},
        "loses": ["test_mlp_sequential", "test_mlp_learns"],
    },
    "mlp_learning_rate_10": {
        "cells": {"build_mlp_sequential": mlp(RELU512, SOFTMAX10, optimizer="keras.optimizers.RMSprop(learning_rate=10.0)")},
        "loses": ["test_mlp_learns"],
    },
    "functional_different_architecture": {
        "cells": {"build_mlp_functional": functional(hidden='layers.Dense(256, activation="relu")')},
        "loses": ["test_mlp_functional"],
    },
    "functional_is_sequential": {
        "cells": {"build_mlp_functional": mlp(RELU512, SOFTMAX10).replace("build_mlp_sequential", "build_mlp_functional")},
        "loses": ["test_mlp_functional"],
    },
    "functional_linear_hidden_layer": {
        "cells": {"build_mlp_functional": functional(hidden="layers.Dense(512)")},
        "loses": ["test_mlp_functional"],
    },
}

ALTERNATIVES = {
    "xor_relu_16_units": {"build_xor_model": xor('layers.Dense(16, activation="relu")', SIGMOID1)},
    "xor_activation_layers": {"build_xor_model": xor("layers.Dense(8)", 'layers.Activation("tanh")', "layers.Dense(1)",
                                                     'layers.Activation("sigmoid")')},
    "xor_rmsprop_loss_instance": {"build_xor_model": xor('layers.Dense(8, activation="tanh")', SIGMOID1,
                                                         optimizer="keras.optimizers.RMSprop(learning_rate=0.05)",
                                                         loss="keras.losses.BinaryCrossentropy()")},
    "logistic_sgd": {"build_logistic_model": logistic(SIGMOID1, optimizer="keras.optimizers.SGD(learning_rate=0.5)")},
    "regression_adam_one_hidden_layer": {"build_regression_model": regression(
        'layers.Dense(128, activation="relu")', "layers.Dense(1)", optimizer="keras.optimizers.Adam(learning_rate=0.01)",
        loss="keras.losses.MeanSquaredError()")},
    "mlp_adam_sparse_labels": {
        "build_mlp_sequential": mlp(RELU512, SOFTMAX10, optimizer='"adam"', loss='"sparse_categorical_crossentropy"'),
        "build_mlp_functional": functional(optimizer='"adam"', loss='"sparse_categorical_crossentropy"'),
    },
    "mlp_activation_layers": {
        "build_mlp_sequential": mlp("layers.Dense(512)", "layers.ReLU()", "layers.Dense(10)", 'layers.Activation("softmax")'),
        "build_mlp_functional": (
            "def build_mlp_functional():\n    inputs = keras.Input(shape=(784,))\n"
            "    x = layers.Activation('relu')(layers.Dense(512)(inputs))\n"
            "    outputs = layers.Softmax()(layers.Dense(10)(x))\n"
            "    model = keras.Model(inputs, outputs)\n"
            "    model.compile(optimizer='rmsprop', loss=keras.losses.CategoricalCrossentropy())\n    return model"),
    },
}
