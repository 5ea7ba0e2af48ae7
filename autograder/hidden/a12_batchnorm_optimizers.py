"""Hidden checks for 12_batchnorm_optimizers: batch normalisation forward and backward (the conventions of
``keras.layers.BatchNormalization``), RMSProp and Adagrad steps (exactly ``keras.optimizers.RMSprop`` and
``Adagrad``), and the two sanity checks before a long training: the expected initial loss and
overfitting a small batch.

``tests/test_references_keras.py`` holds the references below to Keras's own layer and optimizers.
"""
import numpy as np

from autograder.checks import (
    CheckFailure,
    Fixture,
    as_array,
    check_close,
    check_layer_gradient,
    check_scalar,
    check_shape,
)
from autograder.hidden.a04_gradient_descent import nonzero_gradient, unpack
from autograder.hidden.a11_modular_backprop import arrays, pair

# Reference implementations: the answers the checks compare with.


def batchnorm_forward(X, gamma, beta, training, running_mean, running_var, momentum=0.99, eps=1e-3):
    if not training:
        return gamma * (X - running_mean) / np.sqrt(running_var + eps) + beta, None, running_mean, running_var
    mean, var = X.mean(axis=0), X.var(axis=0)
    std = np.sqrt(var + eps)
    xhat = (X - mean) / std
    running_mean = momentum * running_mean + (1 - momentum) * mean
    running_var = momentum * running_var + (1 - momentum) * var
    return gamma * xhat + beta, (xhat, gamma, std), running_mean, running_var


def batchnorm_backward(dout, cache):
    xhat, gamma, std = cache
    n = len(dout)
    dxhat = dout * gamma
    dX = (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0)) / (n * std)
    return dX, (dout * xhat).sum(axis=0), dout.sum(axis=0)


def rmsprop_step(w, grad, s, learning_rate=0.001, rho=0.9, eps=1e-7):
    s = rho * s + (1 - rho) * grad**2
    return w - learning_rate * grad / np.sqrt(s + eps), s


def adagrad_step(w, grad, s, learning_rate=0.001, eps=1e-7):
    s = s + grad**2
    return w - learning_rate * grad / np.sqrt(s + eps), s


def expected_initial_loss(num_classes):
    return float(np.log(num_classes))


def overfit_small_batch(loss_and_grads, params, X, labels, steps, learning_rate):
    losses = []
    for _ in range(steps):
        loss, grads = loss_and_grads(params, X, labels)
        losses.append(float(loss))
        params = {k: params[k] - learning_rate * grads[k] for k in params}
    losses.append(float(loss_and_grads(params, X, labels)[0]))
    return losses


# Inputs.

KERAS_INITIAL_ACCUMULATOR = 0.1  # keras.optimizers.Adagrad(initial_accumulator_value=0.1)


def batch(rng, n, d):
    """X (n, d) whose features have different means and spreads, one of them small (std 0.03, where the place
    of eps in sqrt(var + eps) matters), with gamma, beta and running statistics."""
    X = rng.normal(loc=rng.uniform(-3, 3, size=d), scale=rng.uniform(0.5, 3.0, size=d), size=(n, d))
    X[:, 0] = rng.normal(loc=1.0, scale=0.03, size=n)
    return (X, rng.uniform(0.5, 2.0, size=d), rng.normal(size=d), rng.normal(scale=0.5, size=d),
            rng.uniform(0.5, 2.0, size=d))


def visible_batch():
    """The notebook's example: 4 samples of 3 features, gamma 1, beta 0, fresh running statistics (Keras: 0 and 1)."""
    X = np.array([[1.0, 2.0, -1.0], [3.0, 2.5, 0.0], [5.0, 1.5, 1.0], [7.0, 2.0, 4.0]])
    return X, np.ones(3), np.zeros(3), np.zeros(3), np.ones(3)


def visible_dout():
    return np.random.default_rng(0).normal(size=(4, 3))


# batchnorm_forward


def call_batchnorm(student, X, gamma, beta, training, running_mean, running_var, **options):
    shown = "".join(f", {k}={v}" for k, v in options.items())
    what = f"batchnorm_forward(X {X.shape}, gamma, beta, training={training}, running_mean, running_var{shown})"
    out, cache, new_mean, new_var = pair(student.call("batchnorm_forward", X, gamma, beta, training, running_mean,
                                                      running_var, **options),
                                         ("out", "cache", "running_mean", "running_var"), what)
    d = X.shape[1]
    return (check_shape(out, X.shape, f"{what}: out"), cache, check_shape(new_mean, (d,), f"{what}: running_mean"),
            check_shape(new_var, (d,), f"{what}: running_var"), what)


def compare_batchnorm(student, X, gamma, beta, training, running_mean, running_var, inputs, **options):
    out, _, new_mean, new_var, what = call_batchnorm(student, X, gamma, beta, training, running_mean, running_var, **options)
    ref_out, _, ref_mean, ref_var = batchnorm_forward(X, gamma, beta, training, running_mean, running_var, **options)
    check_close(out, ref_out, f"{what}: out", inputs=inputs)
    check_close(new_mean, ref_mean, f"{what}: running_mean (Keras: momentum * running + (1 - momentum) * batch)",
                inputs=inputs)
    check_close(new_var, ref_var, f"{what}: running_var (Keras: the biased batch variance)", inputs=inputs)


def check_batchnorm_example(student, rng):
    """batchnorm_forward on the notebook's example (training): normalised columns and updated running statistics"""
    compare_batchnorm(student, *visible_batch()[:3], True, *visible_batch()[3:], inputs="the notebook's example")


def check_batchnorm_training(student, rng):
    """in training, batchnorm_forward uses the batch mean and biased variance and updates the running statistics (Keras defaults)"""
    for n, d in [(8, 5), (30, 2)]:
        X, gamma, beta, running_mean, running_var = batch(rng, n, d)
        compare_batchnorm(student, X, gamma, beta, True, running_mean, running_var, inputs="a hidden batch")


def check_batchnorm_options(student, rng):
    """batchnorm_forward uses the momentum and eps it is given (momentum=0.9, eps=1e-5)"""
    X, gamma, beta, running_mean, running_var = batch(rng, 10, 4)
    compare_batchnorm(student, X, gamma, beta, True, running_mean, running_var, inputs="a hidden batch",
                      momentum=0.9, eps=1e-5)


def check_batchnorm_inference(student, rng):
    """at inference (training=False) batchnorm_forward normalises with the running statistics and leaves them unchanged"""
    X, gamma, beta, running_mean, running_var = batch(rng, 6, 3)
    compare_batchnorm(student, X, gamma, beta, False, running_mean, running_var, inputs="a hidden batch")


# batchnorm_backward


def call_batchnorm_backward(student, X, gamma, beta, dout):
    """The student's (dX, dgamma, dbeta) for the cache of their own training-mode forward pass."""
    _, cache, _, _, _ = call_batchnorm(student, X, gamma, beta, True, np.zeros(X.shape[1]), np.ones(X.shape[1]))
    what = f"batchnorm_backward(dout {dout.shape}, cache of your batchnorm_forward)"
    dX, dgamma, dbeta = arrays(student.call("batchnorm_backward", dout, cache), ("dX", "dgamma", "dbeta"), what)
    return (check_shape(dX, X.shape, f"{what}: dX"), check_shape(dgamma, gamma.shape, f"{what}: dgamma"),
            check_shape(dbeta, beta.shape, f"{what}: dbeta")), what


def gradcheck_batchnorm(grads, X, gamma, beta, dout, rng, what):
    d = X.shape[1]

    def out(X_, gamma_, beta_):
        return batchnorm_forward(X_, gamma_, beta_, True, np.zeros(d), np.ones(d))[0]

    dX, dgamma, dbeta = grads
    check_layer_gradient(dX, lambda v: out(v, gamma, beta), X, dout, f"{what}: dX", rng, tol=1e-6)
    check_layer_gradient(dgamma, lambda v: out(X, v, beta), gamma, dout, f"{what}: dgamma", rng, tol=1e-7)
    check_layer_gradient(dbeta, lambda v: out(X, gamma, v), beta, dout, f"{what}: dbeta", rng, tol=1e-7)


def check_batchnorm_backward_example(student, rng):
    """batchnorm_backward on the notebook's example agrees with central differences of the training-mode forward pass"""
    X, gamma, beta, _, _ = visible_batch()
    grads, what = call_batchnorm_backward(student, X, gamma, beta, visible_dout())
    gradcheck_batchnorm(grads, X, gamma, beta, visible_dout(), rng, what)


def check_batchnorm_backward_values(student, rng):
    """batchnorm_backward matches the reference dX, dgamma, dbeta on hidden batches, through the batch mean and variance"""
    for n, d in [(7, 4), (3, 2)]:
        X, gamma, beta, _, _ = batch(rng, n, d)
        dout = rng.normal(size=(n, d))
        grads, what = call_batchnorm_backward(student, X, gamma, beta, dout)
        _, cache, _, _ = batchnorm_forward(X, gamma, beta, True, np.zeros(d), np.ones(d))
        for name, got, expected in zip(("dX", "dgamma", "dbeta"), grads, batchnorm_backward(dout, cache)):
            check_close(got, expected, f"{what}: {name}", inputs="a hidden batch and a random dout")


def check_batchnorm_backward_gradcheck(student, rng):
    """batchnorm_backward agrees with central differences of sum(batchnorm_forward(X) * dout) for a random dout"""
    X, gamma, beta, _, _ = batch(rng, 6, 5)
    dout = rng.normal(size=X.shape)
    grads, what = call_batchnorm_backward(student, X, gamma, beta, dout)
    gradcheck_batchnorm(grads, X, gamma, beta, dout, rng, what)


# rmsprop_step and adagrad_step


def compare_step(student, name, reference, w, grad, s, what, **options):
    """Call the student's optimizer step and compare s and the update w_new - w with the reference."""
    new_w, new_s = unpack(student.call(name, w, grad, s, **options), ("w", "s"), what)
    ref_w, ref_s = reference(w, grad, s, **options)
    check_close(new_s, ref_s, f"{what}: s")
    check_close(check_shape(new_w, w.shape, f"{what}: w") - w, ref_w - w, f"{what}: the update w_new - w",
                rtol=1e-6, atol=1e-12)
    return new_w, new_s


def check_rmsprop_first_step(student, rng):
    """the first RMSProp step from s = 0 gives s = 0.1 * grad**2 and moves each weight by about lr * sqrt(10)"""
    w, grad = np.array([1.0, -2.0, 0.5]), np.array([0.5, -4.0, 1.0])
    compare_step(student, "rmsprop_step", rmsprop_step, w, grad, np.zeros(3), "rmsprop_step(learning_rate=0.01) from s = 0",
                 learning_rate=0.01)


def check_rmsprop_values(student, rng):
    """rmsprop_step matches keras.optimizers.RMSprop on hidden (2, 3) inputs with s != 0, rho 0.8 and the defaults"""
    shape = (2, 3)
    w, grad, s = rng.normal(size=shape), nonzero_gradient(rng, shape), rng.uniform(0.1, 1.0, size=shape)
    compare_step(student, "rmsprop_step", rmsprop_step, w, grad, s,
                 "rmsprop_step(learning_rate=0.01, rho=0.8)", learning_rate=0.01, rho=0.8)
    compare_step(student, "rmsprop_step", rmsprop_step, w, grad, s, "rmsprop_step with its defaults (lr 0.001, rho 0.9, eps 1e-7)")


def check_rmsprop_epsilon(student, rng):
    """rmsprop_step adds eps inside the square root, as Keras does: w - lr * grad / sqrt(s + eps), tested with tiny gradients"""
    w, grad = rng.normal(size=4), nonzero_gradient(rng, 4) * 1e-4
    compare_step(student, "rmsprop_step", rmsprop_step, w, grad, np.zeros(4),
                 "rmsprop_step with gradients of about 1e-4 from s = 0 (eps=1e-6)", eps=1e-6)


def check_rmsprop_trajectory(student, rng):
    """ten RMSProp steps on a hidden quadratic, feeding back w and s, follow keras.optimizers.RMSprop"""
    grad_f = Fixture("quadratic_gradient", a=rng.uniform(0.5, 2.0, size=3), c=rng.normal(size=3)).build()
    w, s = rng.normal(size=3), np.zeros(3)
    for step in range(1, 11):
        w, s = compare_step(student, "rmsprop_step", rmsprop_step, w, grad_f(w), s, f"rmsprop_step, step {step}",
                            learning_rate=0.05)


def check_adagrad_first_step(student, rng):
    """the first Adagrad step from Keras's initial accumulator s = 0.1 gives s = 0.1 + grad**2"""
    w, grad = np.array([1.0, -2.0, 0.5]), np.array([0.5, -4.0, 1.0])
    compare_step(student, "adagrad_step", adagrad_step, w, grad, np.full(3, KERAS_INITIAL_ACCUMULATOR),
                 "adagrad_step(learning_rate=0.1) from s = 0.1", learning_rate=0.1)


def check_adagrad_values(student, rng):
    """adagrad_step matches keras.optimizers.Adagrad on hidden (3, 2) inputs, with learning_rate 0.05 and with the defaults"""
    shape = (3, 2)
    w, grad, s = rng.normal(size=shape), nonzero_gradient(rng, shape), rng.uniform(0.1, 3.0, size=shape)
    compare_step(student, "adagrad_step", adagrad_step, w, grad, s, "adagrad_step(learning_rate=0.05)", learning_rate=0.05)
    compare_step(student, "adagrad_step", adagrad_step, w, grad, s, "adagrad_step with its defaults (lr 0.001, eps 1e-7)")


def check_adagrad_epsilon(student, rng):
    """adagrad_step adds eps inside the square root, as Keras does: w - lr * grad / sqrt(s + eps), tested with tiny gradients"""
    w, grad = rng.normal(size=4), nonzero_gradient(rng, 4) * 1e-4
    compare_step(student, "adagrad_step", adagrad_step, w, grad, np.zeros(4),
                 "adagrad_step with gradients of about 1e-4 from s = 0 (eps=1e-6)", eps=1e-6)


def check_adagrad_trajectory(student, rng):
    """ten Adagrad steps on a hidden quadratic, feeding back w and s (the sum of all squared gradients), follow Keras"""
    grad_f = Fixture("quadratic_gradient", a=rng.uniform(0.5, 2.0, size=3), c=rng.normal(size=3)).build()
    w, s = rng.normal(size=3), np.full(3, KERAS_INITIAL_ACCUMULATOR)
    for step in range(1, 11):
        w, s = compare_step(student, "adagrad_step", adagrad_step, w, grad_f(w), s, f"adagrad_step, step {step}",
                            learning_rate=0.5)


# expected_initial_loss


def check_expected_initial_loss(student, rng):
    """expected_initial_loss(k) = ln(k): 2.3026 for MNIST's 10 classes, ln 2 for two, and for hidden k"""
    for k in [10, 2, int(rng.integers(3, 1000))]:
        out = check_scalar(student.call("expected_initial_loss", k), f"expected_initial_loss({k})")
        check_close(out, expected_initial_loss(k), f"expected_initial_loss({k}) (the cross-entropy of p = 1/k)")


# overfit_small_batch


def small_batch(rng, n, d, k):
    """A batch of n <= d samples that a linear least-squares classifier fits exactly, and starting parameters."""
    params = {"W1": rng.normal(scale=0.5, size=(d, k)), "b1": rng.normal(scale=0.1, size=k)}
    return params, rng.normal(size=(n, d)), rng.integers(0, k, size=n)


def call_overfit(student, params, X, labels, steps, learning_rate):
    what = (f"overfit_small_batch(loss_and_grads, params, X {X.shape}, labels, steps={steps}, "
            f"learning_rate={learning_rate})")
    out = student.call("overfit_small_batch", Fixture("least_squares_classifier"), params, X, labels, steps, learning_rate)
    if not isinstance(out, (list, tuple, np.ndarray)):
        raise CheckFailure(f"{what}: expected a list of {steps + 1} losses, got a {type(out).__name__}")
    losses = as_array(out, f"{what}: the losses").astype(np.float64)
    if losses.shape != (steps + 1,):
        raise CheckFailure(f"{what}: expected a list of steps + 1 = {steps + 1} losses (before each step and after the last), "
                           f"got {losses.size}")
    return losses, what


def compare_overfit(student, params, X, labels, steps, learning_rate, inputs):
    losses, what = call_overfit(student, params, X, labels, steps, learning_rate)
    reference = overfit_small_batch(Fixture("least_squares_classifier").build(), params, X, labels, steps, learning_rate)
    check_close(losses, reference, f"{what}: the losses", rtol=1e-9, atol=1e-12, inputs=inputs)
    return losses, what


def check_overfit_example(student, rng):
    """overfit_small_batch on the notebook's example returns 31 losses, from the initial loss down towards zero"""
    params = {"W1": np.zeros((4, 3)), "b1": np.zeros(3)}
    X = np.array([[1.0, 0.0, 0.5, -1.0], [0.0, 2.0, -1.0, 0.5], [1.0, 1.0, 0.0, 0.0]])
    compare_overfit(student, params, X, np.array([0, 2, 1]), 30, 0.5, "the notebook's example")


def check_overfit_values(student, rng):
    """overfit_small_batch steps every parameter by plain gradient descent and records the loss before each step and after the last"""
    params, X, labels = small_batch(rng, 4, 6, 3)
    compare_overfit(student, params, X, labels, 7, 0.3, "a hidden batch")


def check_overfit_zero_steps(student, rng):
    """overfit_small_batch with steps=0 returns [the initial loss]"""
    params, X, labels = small_batch(rng, 3, 5, 2)
    compare_overfit(student, params, X, labels, 0, 0.3, "a hidden batch")


def check_overfit_fits(student, rng):
    """overfit_small_batch drives the loss of a hidden batch that can be fitted exactly near zero (200 steps)"""
    params, X, labels = small_batch(rng, 4, 8, 3)
    X = X / np.linalg.norm(X, axis=1, keepdims=True)  # unit rows: learning rate 0.5 is stable
    losses, what = call_overfit(student, params, X, labels, 200, 0.5)
    if not losses[-1] < 1e-3 * losses[0]:
        raise CheckFailure(f"{what}: the loss went from {losses[0]:.4g} to {losses[-1]:.4g}; a batch this small can be "
                           "fitted exactly, so it should fall below a thousandth of where it started")


CHECKS = {
    "test_batchnorm_forward_visible": [check_batchnorm_example],
    "test_batchnorm_forward_hidden": [check_batchnorm_training, check_batchnorm_options, check_batchnorm_inference],
    "test_batchnorm_backward_visible": [check_batchnorm_backward_example],
    "test_batchnorm_backward_hidden": [check_batchnorm_backward_values, check_batchnorm_backward_gradcheck],
    "test_rmsprop_step": [check_rmsprop_first_step, check_rmsprop_values, check_rmsprop_epsilon, check_rmsprop_trajectory],
    "test_adagrad_step": [check_adagrad_first_step, check_adagrad_values, check_adagrad_epsilon, check_adagrad_trajectory],
    "test_expected_initial_loss": [check_expected_initial_loss],
    "test_overfit_small_batch_visible": [check_overfit_example],
    "test_overfit_small_batch_hidden": [check_overfit_values, check_overfit_zero_steps, check_overfit_fits],
}
