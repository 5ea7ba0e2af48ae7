"""Bug zoo for 10_rnn."""

RNN_VISIBLE, RNN_HIDDEN = "test_rnn_step_visible", "test_rnn_step_hidden"
LSTM_VISIBLE, LSTM_HIDDEN = "test_lstm_step_visible", "test_lstm_step_hidden"
SEQ_STRUCTURE, SEQ_TRAINING = "test_build_sequence_model_structure", "test_build_sequence_model_training"

# A correct LSTM step with the parts the bugs change as parameters.
_LSTM = '''def lstm_step(x_t, h_prev, c_prev, W, U, b):
    z = x_t @ W + h_prev @ U + b
    {split} = np.split(z, 4, axis=-1)
    sig = lambda v: 1.0 / (1.0 + np.exp(-v))
    c = sig(z_f) * c_prev + sig(z_i) * np.tanh(z_c)
    h = {out_gate}(z_o) * {h_of_c}
    return {result}'''


def _lstm(split="z_i, z_f, z_c, z_o", out_gate="sig", h_of_c="np.tanh(c)", result="h, c"):
    return _LSTM.format(split=split, out_gate=out_gate, h_of_c=h_of_c, result=result)


def _seq(layers, compile_args='optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"]'):
    return ("def build_sequence_model(vocab_size, maxlen):\n"
            f"    model = keras.Sequential([{layers}])\n"
            f"    model.compile({compile_args})\n"
            "    return model")


INPUT = "keras.Input(shape=(maxlen,)), "
EMBED_LSTM = "keras.layers.Embedding(vocab_size, 16), keras.layers.LSTM(32), "
SIGMOID = 'keras.layers.Dense(1, activation="sigmoid")'

BUGS = {
    "rnn_without_bias": {
        "cells": {"rnn_step": "def rnn_step(x_t, h_prev, Wx, Wh, b):\n    return np.tanh(x_t @ Wx + h_prev @ Wh)"},
        "loses": [RNN_VISIBLE, RNN_HIDDEN],
    },
    "rnn_relu_instead_of_tanh": {
        "cells": {"rnn_step": "def rnn_step(x_t, h_prev, Wx, Wh, b):\n    return np.maximum(x_t @ Wx + h_prev @ Wh + b, 0)"},
        "loses": [RNN_VISIBLE, RNN_HIDDEN],
    },
    "rnn_recurrent_weights_transposed": {
        "cells": {"rnn_step": "def rnn_step(x_t, h_prev, Wx, Wh, b):\n    return np.tanh(x_t @ Wx + h_prev @ Wh.T + b)"},
        "loses": [RNN_HIDDEN],
    },
    "lstm_gate_order_ifoc": {
        "cells": {"lstm_step": _lstm(split="z_i, z_f, z_o, z_c")},
        "loses": [LSTM_HIDDEN],
    },
    "lstm_cell_and_forget_swapped": {
        "cells": {"lstm_step": _lstm(split="z_i, z_c, z_f, z_o")},
        "loses": [LSTM_HIDDEN],
    },
    "lstm_tanh_output_gate": {
        "cells": {"lstm_step": _lstm(out_gate="np.tanh")},
        "loses": [LSTM_VISIBLE, LSTM_HIDDEN],
    },
    "lstm_h_without_tanh_of_c": {
        "cells": {"lstm_step": _lstm(h_of_c="c")},
        "loses": [LSTM_VISIBLE, LSTM_HIDDEN],
    },
    "lstm_returns_c_then_h": {
        "cells": {"lstm_step": _lstm(result="c, h")},
        "loses": [LSTM_VISIBLE, LSTM_HIDDEN],
    },
    "lstm_forgets_with_old_state": {
        "cells": {"lstm_step": _lstm().replace("sig(z_f) * c_prev", "sig(z_f) * h_prev")},
        "loses": [LSTM_VISIBLE, LSTM_HIDDEN],
    },
    "sequence_softmax_head": {
        "cells": {"build_sequence_model": _seq(INPUT + EMBED_LSTM + 'keras.layers.Dense(1, activation="softmax")')},
        "loses": [SEQ_STRUCTURE, SEQ_TRAINING],
    },
    "sequence_bag_of_words_without_lstm": {
        "cells": {"build_sequence_model": _seq(INPUT + "keras.layers.Embedding(vocab_size, 16), keras.layers.GlobalAveragePooling1D(), "
                                               'keras.layers.Dense(16, activation="relu"), ' + SIGMOID)},
        "loses": [SEQ_STRUCTURE, SEQ_TRAINING],
    },
    "sequence_mse_loss": {
        "cells": {"build_sequence_model": _seq(INPUT + EMBED_LSTM + SIGMOID, 'optimizer="adam", loss="mse"')},
        "loses": [SEQ_STRUCTURE],
    },
    # Keras 3 runs a model on sequences shorter than its declared input and an LSTM reads any
    # length, so this model still trains: only the structure check can catch it.
    "sequence_input_is_vocab_size": {
        "cells": {"build_sequence_model": _seq("keras.Input(shape=(vocab_size,)), " + EMBED_LSTM + SIGMOID)},
        "loses": [SEQ_STRUCTURE],
    },
    "sequence_learning_rate_10": {
        "cells": {"build_sequence_model": _seq(INPUT + EMBED_LSTM + SIGMOID,
                                               'optimizer=keras.optimizers.Adam(learning_rate=10.0), loss="binary_crossentropy"')},
        "loses": [SEQ_TRAINING],
    },
}

ALTERNATIVES = {
    "rnn_einsum": {
        "rnn_step": 'def rnn_step(x_t, h_prev, Wx, Wh, b):\n    return np.tanh(np.einsum("nd,du->nu", x_t, Wx) + np.einsum("nv,vu->nu", h_prev, Wh) + b)',
    },
    "lstm_slices_and_stable_sigmoid_float32": {
        "lstm_step": '''def lstm_step(x_t, h_prev, c_prev, W, U, b):
    u = h_prev.shape[1]
    z = (x_t @ W + h_prev @ U + b).astype(np.float32)
    sigmoid = lambda v: np.exp(-np.logaddexp(0, -v))
    i, f = sigmoid(z[:, :u]), sigmoid(z[:, u:2 * u])
    g, o = np.tanh(z[:, 2 * u:3 * u]), sigmoid(z[:, 3 * u:])
    c = f * c_prev + i * g
    return o * np.tanh(c), c''',
    },
    "sequence_functional_rmsprop": {
        "build_sequence_model": "def build_sequence_model(vocab_size, maxlen):\n    inputs = keras.Input(shape=(maxlen,))\n"
                                "    x = keras.layers.Embedding(input_dim=vocab_size, output_dim=32)(inputs)\n"
                                "    x = keras.layers.LSTM(32)(x)\n    outputs = keras.layers.Dense(1, activation=\"sigmoid\")(x)\n"
                                "    model = keras.Model(inputs, outputs)\n"
                                "    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.003), "
                                "loss=keras.losses.BinaryCrossentropy(), metrics=[\"accuracy\"])\n    return model",
    },
    "sequence_bidirectional_lstm": {  # the LSTM sits inside the Bidirectional wrapper
        "build_sequence_model": _seq(INPUT + "keras.layers.Embedding(vocab_size, 16), "
                                     "keras.layers.Bidirectional(keras.layers.LSTM(16)), " + SIGMOID),
    },
}
