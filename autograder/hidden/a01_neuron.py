"""Hidden checks for 01_neuron: sigmoid, relu, neuron, predict_no_hidden, decision_boundary, perceptron_update."""
import numpy as np

from assignments import toydata
from autograder.checks import CheckFailure, check_close, check_dtype_kind, check_scalar, check_shape
from autograder.hidden.a04_gradient_descent import unpack

# Reference implementations: the answers the checks compare with.


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def relu(z):
    return np.maximum(np.asarray(z, dtype=np.float64), 0.0)


def neuron(x, w, b):
    return sigmoid(np.asarray(x) @ np.asarray(w) + b)


def predict_no_hidden(X, W, b):
    return sigmoid(X @ W + b)


def decision_boundary(beta0, beta1, beta2, x1):
    return -(beta0 + beta1 * np.asarray(x1, dtype=np.float64)) / beta2


def perceptron_update(w, b, x, y, learning_rate):
    error = y - (1 if x @ w + b >= 0 else 0)
    return w + learning_rate * error * x, b + learning_rate * error


# The seeds' banknote neuron: w = (0.3, 0.1), b = 1.0, x = (1, 2.2).
BANKNOTE_W, BANKNOTE_B, BANKNOTE_X = np.array([0.3, 0.1]), 1.0, np.array([1.0, 2.2])


def check_sigmoid_examples(student, rng):
    """sigmoid(0) = 0.5 and sigmoid of the banknote neuron's z = 1.52"""
    check_close(student.call("sigmoid", np.array(0.0)), 0.5, "sigmoid(0)")
    check_close(student.call("sigmoid", np.array([1.52])), sigmoid([1.52]), "sigmoid([1.52])")


def check_sigmoid_values(student, rng):
    """sigmoid matches the reference elementwise on hidden inputs of several shapes"""
    for shape in [(7,), (5, 3), (2, 3, 4)]:
        z = rng.normal(scale=6.0, size=shape)
        out = check_dtype_kind(student.call("sigmoid", z), "f", f"sigmoid of a {shape} array")
        check_close(out, sigmoid(z), f"sigmoid of a {shape} array", inputs="hidden normal inputs")


def check_sigmoid_extremes(student, rng):
    """sigmoid gives exact 0 and 1 for |z| up to 1e4, without an overflow warning"""
    z = np.array([-1e4, -1000.0, -800.0, 800.0, 1000.0, 1e4])
    out, warned = student.call_warnings("sigmoid", z)
    if warned:
        raise CheckFailure(f"sigmoid({z.tolist()}) raised {warned[0]}; compute it without overflowing np.exp")
    check_close(out, sigmoid(z), "sigmoid at large |z|", atol=1e-300, inputs=str(z.tolist()))


def check_relu_values(student, rng):
    """relu matches max(z, 0) on hidden inputs, including exact zeros"""
    z = rng.normal(size=(6, 4))
    z[0, :2] = 0.0
    check_close(student.call("relu", z), relu(z), "relu of a (6, 4) array", inputs="hidden inputs")
    check_close(student.call("relu", np.array([-2.0, 3.0])), [0.0, 3.0], "relu([-2, 3])")


def check_neuron_banknote(student, rng):
    """the banknote neuron (w = (0.3, 0.1), b = 1, x = (1, 2.2)) gives sigmoid(1.52)"""
    out = student.call("neuron", BANKNOTE_X, BANKNOTE_W, BANKNOTE_B)
    check_close(out, neuron(BANKNOTE_X, BANKNOTE_W, BANKNOTE_B), "neuron(x, w, b) for the banknote example")


def check_neuron_batch(student, rng):
    """neuron gives a scalar for one sample and an (n,) vector for a batch"""
    p = 3
    w, b = rng.normal(size=p), float(rng.normal())
    x = rng.normal(size=p)
    check_close(student.call("neuron", x, w, b), neuron(x, w, b), "neuron of one (3,) sample")
    X = rng.normal(size=(6, p))
    check_close(student.call("neuron", X, w, b), neuron(X, w, b), "neuron of a (6, 3) batch", inputs="hidden inputs")


def check_predict_no_hidden_shape(student, rng):
    """predict_no_hidden maps X (n, p), W (p, 1), b (1,) to (n, 1)"""
    X, W, b = rng.normal(size=(5, 2)), rng.normal(size=(2, 1)), rng.normal(size=(1,))
    check_shape(student.call("predict_no_hidden", X, W, b), (5, 1), "predict_no_hidden(X (5, 2), W (2, 1), b (1,))")


def check_predict_no_hidden_values(student, rng):
    """predict_no_hidden matches sigmoid(X W + b) on hidden inputs"""
    X, W, b = rng.normal(size=(9, 4)), rng.normal(size=(4, 1)), rng.normal(size=(1,))
    check_close(student.call("predict_no_hidden", X, W, b), predict_no_hidden(X, W, b),
                "predict_no_hidden", inputs="hidden X (9, 4), W (4, 1), b (1,)")


def check_decision_boundary_values(student, rng):
    """decision_boundary gives the x2 where P(Y=1|x) = 0.5, for a scalar and an array x1"""
    beta = rng.normal(size=3) + np.array([0.0, 0.0, 2.0])
    x1 = rng.uniform(-3, 3, size=8)
    check_close(student.call("decision_boundary", *beta, x1), decision_boundary(*beta, x1),
                "decision_boundary", inputs="hidden betas and an (8,) x1")
    check_close(student.call("decision_boundary", *beta, float(x1[0])), decision_boundary(*beta, x1[0]),
                "decision_boundary with a scalar x1")


def check_decision_boundary_on_line(student, rng):
    """points on the returned boundary have predicted probability exactly 0.5"""
    beta0, beta1, beta2 = 1.0, 0.3, 0.1
    x1 = np.linspace(-2, 2, 5)
    x2 = np.asarray(student.call("decision_boundary", beta0, beta1, beta2, x1), dtype=np.float64)
    check_close(sigmoid(beta0 + beta1 * x1 + beta2 * x2), np.full(5, 0.5), "P(Y=1|x) on your boundary")


def call_perceptron(student, w, b, x, y, learning_rate):
    what = f"perceptron_update(w, b, x, y={y}, learning_rate={learning_rate})"
    new_w, new_b = unpack(student.call("perceptron_update", w, b, x, y, learning_rate), ("w", "b"), what)
    return check_shape(new_w, w.shape, f"{what}: w"), check_scalar(new_b, f"{what}: b"), what


def compare_perceptron(student, w, b, x, y, learning_rate, inputs):
    new_w, new_b, what = call_perceptron(student, w, b, x, y, learning_rate)
    ref_w, ref_b = perceptron_update(w, b, x, y, learning_rate)
    z = float(x @ w + b)
    happened = "unchanged (the prediction is right)" if ref_b == b else f"a {'missed positive' if y else 'false alarm'}"
    check_close(new_w, ref_w, f"{what}: w, {happened}, z = {z:.4g}", inputs=inputs)
    check_close(new_b, ref_b, f"{what}: b, {happened}, z = {z:.4g}", inputs=inputs)
    return new_w, new_b


def check_perceptron_example(student, rng):
    """the banknote neuron (z = 1.52 fires) is unchanged for y = 1 and moves by -0.1 * (x, 1) for y = 0"""
    for y in (1, 0):
        compare_perceptron(student, BANKNOTE_W, BANKNOTE_B, BANKNOTE_X, y, 0.1, "the banknote example")


def check_perceptron_values(student, rng):
    """perceptron_update matches the rule on hidden samples: correct ones unchanged, misses and false alarms corrected"""
    w, b = rng.normal(size=4), float(rng.normal())
    for x in rng.normal(size=(6, 4)):
        fires = int(x @ w + b >= 0)
        for y in (fires, 1 - fires):  # a correct label, then a wrong one
            compare_perceptron(student, w, b, x, y, 0.05, "hidden inputs")


def check_perceptron_boundary(student, rng):
    """z = x @ w + b = 0 exactly counts as firing (the step is z >= 0): y = 0 is then corrected, y = 1 is not"""
    w, b, x = np.array([0.5, -0.25]), 0.0, np.array([1.0, 2.0])
    for y in (0, 1):
        compare_perceptron(student, w, b, x, y, 1.0, "w = (0.5, -0.25), b = 0, x = (1, 2)")


def check_perceptron_trajectory(student, rng):
    """twenty updates on hidden banknotes, feeding back w and b, follow Rosenblatt's algorithm"""
    X, y = toydata.banknotes(20, seed=int(rng.integers(1000)))
    w = ref_w = np.zeros(2)
    b = ref_b = 0.0
    for x_i, y_i in zip(X, y):
        w, b, what = call_perceptron(student, w, float(b), x_i, int(y_i), 0.1)
        ref_w, ref_b = perceptron_update(ref_w, ref_b, x_i, int(y_i), 0.1)
        check_close(w, ref_w, f"{what}: w after feeding back every earlier update", inputs="hidden banknotes")
        check_close(b, ref_b, f"{what}: b after feeding back every earlier update", inputs="hidden banknotes")


CHECKS = {
    "test_sigmoid_visible": [check_sigmoid_examples],
    "test_sigmoid_hidden": [check_sigmoid_values, check_sigmoid_extremes],
    "test_relu": [check_relu_values],
    "test_neuron_visible": [check_neuron_banknote],
    "test_neuron_hidden": [check_neuron_batch],
    "test_predict_no_hidden": [check_predict_no_hidden_shape, check_predict_no_hidden_values],
    "test_decision_boundary": [check_decision_boundary_values, check_decision_boundary_on_line],
    "test_perceptron_update_visible": [check_perceptron_example],
    "test_perceptron_update_hidden": [check_perceptron_values, check_perceptron_boundary, check_perceptron_trajectory],
}
