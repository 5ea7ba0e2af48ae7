"""Hidden checks for 10_rnn: RNN and LSTM steps by hand, checked against Keras layers; a Keras sequence classifier.

The references for ``rnn_step`` and ``lstm_step`` are ``keras.layers.SimpleRNN``
and ``keras.layers.LSTM`` given the same weights and initial state, run for
one step and for a whole sequence. Keras computes in float32: values are
compared with rtol = atol = 1e-4 (its round-off here is below 1e-6).
"""
import numpy as np

from autograder.checks import CheckFailure, check_close, check_dtype_kind, check_shape
from autograder.checks import keras_models as km
from autograder.checks import training
from autograder.checks.training import Training, course_seeded, seed_from

A = "10_rnn"
TOL = {"rtol": 1e-4, "atol": 1e-4}


def _numpy(tensor):
    import keras

    return np.asarray(keras.ops.convert_to_numpy(tensor), dtype=np.float64)


def keras_rnn(x_seq, h0, Wx, Wh, b):
    """The last state of ``keras.layers.SimpleRNN`` over x_seq (n, T, d) from h0."""
    import keras

    layer = keras.layers.SimpleRNN(Wh.shape[0])
    layer.build(x_seq.shape)
    layer.set_weights([Wx.astype(np.float32), Wh.astype(np.float32), b.astype(np.float32)])
    return _numpy(layer(x_seq.astype(np.float32), initial_state=[h0.astype(np.float32)]))


def keras_lstm(x_seq, h0, c0, W, U, b):
    """The last ``(h, c)`` of ``keras.layers.LSTM`` over x_seq (n, T, d) from (h0, c0)."""
    import keras

    layer = keras.layers.LSTM(U.shape[0], return_state=True)
    layer.build(x_seq.shape)
    layer.set_weights([W.astype(np.float32), U.astype(np.float32), b.astype(np.float32)])
    _, h, c = layer(x_seq.astype(np.float32), initial_state=[h0.astype(np.float32), c0.astype(np.float32)])
    return _numpy(h), _numpy(c)


# rnn_step


def _rnn_case(rng, n=4, d=3, u=5, steps=1):
    return (rng.normal(size=(n, steps, d)), rng.normal(size=(n, u)), rng.normal(size=(d, u)) / np.sqrt(d),
            rng.normal(size=(u, u)) / np.sqrt(u), rng.normal(size=(u,)))


def check_rnn_example(student, rng):
    """rnn_step with zero input and zero state gives tanh(b)"""
    b = np.array([-1.0, 0.0, 0.5])
    out = student.call("rnn_step", np.zeros((2, 4)), np.zeros((2, 3)), np.ones((4, 3)), np.ones((3, 3)), b)
    check_close(out, np.tanh(np.tile(b, (2, 1))), "rnn_step(0, 0, Wx, Wh, b)")


def check_rnn_one_step(student, rng):
    """one rnn_step matches one step of keras SimpleRNN (n=4 samples, d=3 inputs, u=5 units)"""
    x, h0, Wx, Wh, b = _rnn_case(rng)
    what = "rnn_step(x_t (4, 3), h_prev (4, 5), Wx (3, 5), Wh (5, 5), b (5,))"
    out = check_dtype_kind(student.call("rnn_step", x[:, 0], h0, Wx, Wh, b), "f", what)
    check_close(out, keras_rnn(x, h0, Wx, Wh, b), what, inputs="hidden inputs, compared with keras.layers.SimpleRNN", **TOL)


def check_rnn_sequence(student, rng):
    """rnn_step applied over a 6-step sequence ends in the state keras SimpleRNN ends in"""
    x, h, Wx, Wh, b = _rnn_case(rng, n=3, d=2, u=4, steps=6)
    expected = keras_rnn(x, h, Wx, Wh, b)
    for t in range(x.shape[1]):
        h = check_shape(student.call("rnn_step", x[:, t], h, Wx, Wh, b), (3, 4), f"rnn_step at time step {t}")
    check_close(h, expected, "the state after 6 rnn_steps", inputs="a hidden sequence, compared with keras.layers.SimpleRNN", **TOL)


# lstm_step


def _lstm_case(rng, n=4, d=3, u=5, steps=1):
    return (rng.normal(size=(n, steps, d)), rng.normal(size=(n, u)), rng.normal(size=(n, u)),
            rng.normal(size=(d, 4 * u)), rng.normal(size=(u, 4 * u)) / np.sqrt(u), rng.normal(size=(4 * u,)))


def _lstm_result(student, x_t, h, c, W, U, b, what):
    """The student's (h, c), checked to be a pair of float arrays of h's shape."""
    out = student.call("lstm_step", x_t, h, c, W, U, b)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise CheckFailure(f"{what} returned {type(out).__name__}; expected a tuple (h, c)")
    return tuple(check_dtype_kind(check_shape(v, h.shape, f"{name} of {what}"), "f", f"{name} of {what}")
                 for name, v in zip(("h", "c"), out))


def check_lstm_example(student, rng):
    """with zero weights every gate is 0.5: c = 0.5 * c_prev and h = 0.5 * tanh(c)"""
    u = 3
    c0 = np.array([[1.0, -2.0, 0.5]])
    zeros = np.zeros((2, 4 * u)), np.zeros((u, 4 * u)), np.zeros(4 * u)
    h, c = _lstm_result(student, np.ones((1, 2)), np.zeros((1, u)), c0, *zeros, "lstm_step with zero weights")
    check_close(c, 0.5 * c0, "c of lstm_step with zero weights")
    check_close(h, 0.5 * np.tanh(0.5 * c0), "h of lstm_step with zero weights")


def check_lstm_one_step(student, rng):
    """one lstm_step matches one step of keras LSTM from the same (h, c): gates in the order i, f, c, o"""
    x, h0, c0, W, U, b = _lstm_case(rng)
    what = "lstm_step(x_t (4, 3), h_prev (4, 5), c_prev (4, 5), W (3, 20), U (5, 20), b (20,))"
    h, c = _lstm_result(student, x[:, 0], h0, c0, W, U, b, what)
    h_keras, c_keras = keras_lstm(x, h0, c0, W, U, b)
    on = "hidden inputs, compared with keras.layers.LSTM"
    check_close(c, c_keras, f"c of {what}", inputs=on, **TOL)
    check_close(h, h_keras, f"h of {what}", inputs=on, **TOL)


def check_lstm_sequence(student, rng):
    """lstm_step applied over a 6-step sequence ends in the (h, c) keras LSTM ends in"""
    x, h, c, W, U, b = _lstm_case(rng, n=3, d=2, u=4, steps=6)
    h_keras, c_keras = keras_lstm(x, h, c, W, U, b)
    for t in range(x.shape[1]):
        h, c = _lstm_result(student, x[:, t], h, c, W, U, b, f"lstm_step at time step {t}")
    on = "a hidden sequence, compared with keras.layers.LSTM"
    check_close(c, c_keras, "c after 6 lstm_steps", inputs=on, **TOL)
    check_close(h, h_keras, "h after 6 lstm_steps", inputs=on, **TOL)


# build_sequence_model


def build_sequence_model(vocab_size, maxlen):
    import keras

    model = keras.Sequential([
        keras.Input(shape=(maxlen,)),
        keras.layers.Embedding(vocab_size, 16),
        keras.layers.LSTM(32),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def check_sequence_structure(student, rng):
    """build_sequence_model: input (maxlen,), Embedding and LSTM layers (an LSTM inside Bidirectional counts), one sigmoid output, binary cross-entropy"""
    vocab_size, maxlen = int(rng.integers(50, 500)), int(rng.integers(10, 60))
    model = student.keras_model("build_sequence_model", vocab_size, maxlen)
    what = f"build_sequence_model({vocab_size}, {maxlen})"
    km.check_input_shape(model, (maxlen,), what)
    km.check_has_layers(model, ["Embedding", "LSTM"], what)
    km.check_output_shape(model, (1,), what)
    km.check_output_activation(model, "sigmoid", what)
    km.check_loss(model, "binary_crossentropy", what)


def score_sequence_model(student, seed, budget):
    """Test accuracy of the student's model after the grader trains it on hidden ``opinions`` reviews."""
    from assignments.sequences import opinions

    vocab_size, maxlen = budget["vocab_size"], budget["maxlen"]
    model = student.keras_model("build_sequence_model", vocab_size, maxlen, seed=seed)
    x_train, y_train = opinions(budget["n_train"], vocab_size, maxlen, seed=seed)
    x_test, y_test = opinions(budget["n_test"], vocab_size, maxlen, seed=seed + 1)
    targets = training.targets_for_loss(model, y_train, 2)
    return training.fit_and_score(model, x_train, targets, x_test, y_test, budget["epochs"],
                                  budget["batch_size"], seed, "accuracy")


CPU_BUDGET = {"vocab_size": 100, "maxlen": 20, "n_train": 2000, "n_test": 1000, "epochs": 6, "batch_size": 64}
# Reviews as long as the lecture's IMDB LSTM reads (80 words), five times the cpu data.
GPU_BUDGET = {"vocab_size": 1000, "maxlen": 80, "n_train": 10000, "n_test": 5000, "epochs": 10, "batch_size": 64}
TRAINING = {
    "sequence": Training(score=score_sequence_model, reference={"build_sequence_model": build_sequence_model},
                         metric="accuracy", budgets={"cpu": CPU_BUDGET, "gpu": GPU_BUDGET}, min_margin=0.05),
}


@course_seeded
def check_sequence_model_learns(student, rng):
    """build_sequence_model learns a hidden task where word order decides the label, after the grader trains it"""
    score = score_sequence_model(student, seed_from(rng), training.budget(A, "sequence"))
    training.check_min_score(score, A, "sequence", "build_sequence_model, trained by the grader")


CHECKS = {
    "test_rnn_step_visible": [check_rnn_example],
    "test_rnn_step_hidden": [check_rnn_one_step, check_rnn_sequence],
    "test_lstm_step_visible": [check_lstm_example],
    "test_lstm_step_hidden": [check_lstm_one_step, check_lstm_sequence],
    "test_build_sequence_model_structure": [check_sequence_structure],
    "test_build_sequence_model_training": [check_sequence_model_learns],
}
