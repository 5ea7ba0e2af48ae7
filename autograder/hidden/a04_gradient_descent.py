"""Hidden checks for 04_gradient_descent: numerical gradient, linear regression gradients, GD, mini-batches, momentum, Adam."""
import numpy as np

from autograder.checks import (
    CheckFailure,
    Fixture,
    as_array,
    check_close,
    check_gradient,
    check_scalar,
    check_shape,
)
from autograder.checks import numerical_gradient as central_differences

# Reference implementations: the answers the checks compare with.


def linear_regression_gradients(w, b, X, y):
    residual = X @ w + b - y
    return 2 / len(y) * (X.T @ residual), 2 / len(y) * float(np.sum(residual))


def linear_regression_loss(w, b, X, y):
    return float(np.mean((X @ w + b - y) ** 2))


def gradient_descent(grad_f, w0, learning_rate, n_steps):
    w = np.array(w0, dtype=np.float64)
    for _ in range(n_steps):
        w = w - learning_rate * grad_f(w)
    return w


def momentum_step(w, grad, velocity, learning_rate, momentum):
    velocity = momentum * velocity - learning_rate * grad
    return w + velocity, velocity


def adam_step(w, grad, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - learning_rate * m_hat / (np.sqrt(v_hat) + eps), m, v


# Shared helpers: unpack what a student returned, or say precisely what is wrong with it.


def unpack(result, names, what):
    """A returned tuple of ``len(names)`` entries as arrays."""
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        got = f"a {type(result).__name__}" + (f" of length {len(result)}" if isinstance(result, (tuple, list)) else "")
        raise CheckFailure(f"{what}: expected a tuple ({', '.join(names)}), got {got}")
    return [as_array(r, f"{what}: {n}") for r, n in zip(result, names)]


def coupled(rng, shape):
    """A seeded CoupledQuadratic fixture of ``shape`` (curvature >= 1 everywhere, every pair of entries coupled)."""
    return Fixture("coupled_quadratic", a=rng.uniform(1.0, 3.0, size=shape), c=rng.normal(size=shape),
                   d=rng.normal(size=shape))


def nonzero_gradient(rng, shape):
    """Gradients with |g| in [0.5, 2]: away from 0 so that where eps sits in Adam cannot matter."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.5, 2.0, size=shape)


# numerical_gradient


def check_numerical_gradient_example(student, rng):
    """numerical_gradient of f(w) = sum(w**2) + sum(sin(w)) at a (2, 2) w is 2 w + cos(w), and w is exactly unchanged"""
    f = Fixture("quadratic", a=1.0, c=0.0)
    w = np.array([[1.5, 2.0], [-0.5, 0.7]])
    out = student.call("numerical_gradient", f, w)
    check_close(out, f.build().gradient(w), "numerical_gradient(f, w)", rtol=1e-7, atol=1e-7,
                inputs="w = [[1.5, 2], [-0.5, 0.7]] (central differences are this accurate, forward differences are not)")


def check_numerical_gradient_values(student, rng):
    """numerical_gradient matches the exact gradient of hidden smooth functions of (5,), (3, 4) and (2, 3, 2) arrays"""
    for shape in [(5,), (3, 4), (2, 3, 2)]:
        f, w = coupled(rng, shape), rng.normal(size=shape)
        out = student.call("numerical_gradient", f, w)
        check_close(out, f.build().gradient(w), f"numerical_gradient for a {shape} w", rtol=1e-7, atol=1e-7,
                    inputs="a hidden smooth function whose entries interact")


def check_numerical_gradient_step_size(student, rng):
    """numerical_gradient uses the step h it is given: h = 1e-2 gives exactly (f(w + h) - f(w - h)) / 2h"""
    shape = (3, 2)
    f, w = coupled(rng, shape), rng.uniform(-1.0, 1.0, size=shape)
    out = student.call("numerical_gradient", f, w, 1e-2)
    check_close(out, central_differences(f.build(), w, h=1e-2), "numerical_gradient(f, w, h=1e-2)",
                rtol=1e-8, atol=1e-10, inputs="a hidden function, compared with central differences at h = 1e-2")


# linear_regression_gradients


def call_linear_regression(student, w, b, X, y):
    what = f"linear_regression_gradients with X {X.shape}, w {w.shape}"
    dw, db = unpack(student.call("linear_regression_gradients", w, b, X, y), ("dw", "db"), what)
    return check_shape(dw, w.shape, f"{what}: dw"), check_scalar(db, f"{what}: db")


def regression_problem(rng, n, p):
    X = rng.normal(size=(n, p))
    return rng.normal(size=p), float(rng.normal()), X, X @ rng.normal(size=p) + rng.normal(scale=0.5, size=n)


def check_linear_regression_example(student, rng):
    """linear_regression_gradients on the 4-sample example (every residual 0.5) gives dw = (1, 0.75), db = 1"""
    X, y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 1.0]]), np.array([1.0, 2.0, 3.0, 4.0])
    w, b = np.array([1.0, 2.0]), 0.5
    dw, db = call_linear_regression(student, w, b, X, y)
    check_close(dw, [1.0, 0.75], "dw on the example")
    check_close(db, 1.0, "db on the example")


def check_linear_regression_values(student, rng):
    """linear_regression_gradients matches the reference on hidden data (n != p), and for a single sample"""
    for n, p in [(9, 4), (1, 3)]:
        w, b, X, y = regression_problem(rng, n, p)
        dw, db = call_linear_regression(student, w, b, X, y)
        ref_dw, ref_db = linear_regression_gradients(w, b, X, y)
        check_close(dw, ref_dw, "dw", inputs=f"hidden X ({n}, {p})")
        check_close(db, ref_db, "db", inputs=f"hidden X ({n}, {p})")


def check_linear_regression_gradcheck(student, rng):
    """dw and db agree with central differences of mean((X @ w + b - y) ** 2)"""
    w, b, X, y = regression_problem(rng, 12, 5)
    dw, db = call_linear_regression(student, w, b, X, y)
    check_gradient(dw, lambda v: linear_regression_loss(v, b, X, y), w, "dw", rng, tol=1e-7)
    check_gradient(db.reshape(1), lambda v: linear_regression_loss(w, v[0], X, y), np.array([b]), "db", rng, tol=1e-7)


# gradient_descent


def check_gradient_descent_converges(student, rng):
    """gradient_descent on f(w) = (w - 3)**2 from w0 = 0 (lr 0.1, 100 steps) ends at w = 3"""
    out = student.call("gradient_descent", Fixture("quadratic_gradient", a=1.0, c=-6.0), np.array([0.0]), 0.1, 100)
    check_close(out, [3.0], "gradient_descent(grad of (w - 3)**2, [0.0], 0.1, 100)", rtol=1e-7)


def check_gradient_descent_values(student, rng):
    """gradient_descent makes exactly n_steps updates w <- w - lr * grad_f(w) on a hidden (2, 3) problem"""
    shape = (2, 3)
    grad_f = Fixture("quadratic_gradient", a=rng.uniform(0.5, 2.0, size=shape), c=rng.normal(size=shape))
    w0 = rng.normal(size=shape)
    for lr, steps in [(0.05, 25), (0.2, 3)]:
        out = student.call("gradient_descent", grad_f, w0, lr, steps)
        check_close(out, gradient_descent(grad_f.build(), w0, lr, steps),
                    f"gradient_descent with learning_rate={lr}, n_steps={steps}", rtol=1e-9,
                    inputs="a hidden quadratic")


def check_gradient_descent_zero_steps(student, rng):
    """gradient_descent with n_steps = 0 returns w0 unchanged"""
    w0 = rng.normal(size=4)
    out = student.call("gradient_descent", Fixture("quadratic_gradient", a=1.0, c=1.0), w0, 0.1, 0)
    check_close(out, w0, "gradient_descent with n_steps=0", rtol=0, atol=0)


# minibatches


def call_minibatches(student, X, y, batch_size, seed):
    """The student's batches as a list of (X_batch, y_batch) arrays, checked for form."""
    what = f"minibatches(X {X.shape}, y {y.shape}, batch_size={batch_size}, rng)"
    out = student.call("minibatches", X, y, batch_size, Fixture("rng", seed=seed))
    if not isinstance(out, (list, tuple)):
        raise CheckFailure(f"{what}: expected to yield (X_batch, y_batch) pairs, got a single {type(out).__name__}")
    batches = []
    for i, item in enumerate(out):
        xb, yb = unpack(item, ("X_batch", "y_batch"), f"{what}, batch {i}")
        if xb.ndim != 2 or xb.shape[1] != X.shape[1] or yb.shape != xb.shape[:1]:
            raise CheckFailure(f"{what}, batch {i}: got X_batch {xb.shape} and y_batch {yb.shape}; "
                               f"expected (k, {X.shape[1]}) and (k,)")
        batches.append((xb, yb))
    return batches, what


def labelled_data(rng, n):
    """X whose first column is each sample's id 0..n-1, and random y."""
    return np.column_stack([np.arange(n, dtype=np.float64), rng.normal(size=(n, 2))]), rng.normal(size=n)


def batch_ids(batches):
    return [[int(i) for i in xb[:, 0]] for xb, _ in batches]


def check_partition(batches, X, y, batch_size, what):
    n = len(y)
    sizes = [len(yb) for _, yb in batches]
    expected = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    ids = [i for b in batch_ids(batches) for i in b]
    missing = sorted(set(range(n)) - set(ids))
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if missing or repeated:
        raise CheckFailure(f"{what}: every sample must come exactly once per pass; "
                           f"{len(missing)} of {n} samples missing{f' (e.g. {missing[:3]})' if missing else ''}, "
                           f"{len(repeated)} repeated{f' (e.g. {repeated[:3]})' if repeated else ''}")
    if sizes != expected:
        raise CheckFailure(f"{what}: batch sizes {sizes}; expected {expected} (full batches, then one smaller batch "
                           "with the rest if n is not a multiple of batch_size; no empty batches)")
    for i, (xb, yb) in enumerate(batches):
        check_close(xb, X[xb[:, 0].astype(int)], f"{what}, batch {i}: rows of X_batch", rtol=0, atol=0)
        check_close(yb, y[xb[:, 0].astype(int)], f"{what}, batch {i}: y_batch (each label must stay with its row of X)",
                    rtol=0, atol=0)


def check_minibatches_example(student, rng):
    """minibatches of 10 samples with batch_size 4 yields batches of 4, 4 and 2 covering every sample once"""
    X, y = labelled_data(rng, 10)
    batches, what = call_minibatches(student, X, y, 4, 0)
    check_partition(batches, X, y, 4, what)


def check_minibatches_partition(student, rng):
    """every sample exactly once, labels kept with their rows, full batches then one smaller one, on hidden sizes"""
    for n, batch_size in [(23, 5), (20, 5), (7, 10), (6, 1)]:
        X, y = labelled_data(rng, n)
        batches, what = call_minibatches(student, X, y, batch_size, int(rng.integers(2**31)))
        check_partition(batches, X, y, batch_size, what)


def check_minibatches_random_order(student, rng):
    """the order is a random permutation drawn from rng: same seed, same batches; another seed, another order"""
    X, y = labelled_data(rng, 40)
    seed = int(rng.integers(2**31 - 1))
    other = seed + 1
    first, what = call_minibatches(student, X, y, 8, seed)
    again, _ = call_minibatches(student, X, y, 8, seed)
    second, _ = call_minibatches(student, X, y, 8, other)
    order, order_again, order_other = batch_ids(first), batch_ids(again), batch_ids(second)
    if sum(order, []) == list(range(40)):
        raise CheckFailure(f"{what}: the samples come in their original order; shuffle them with rng")
    if all(b == list(range(b[0], b[0] + len(b))) for b in order):
        raise CheckFailure(f"{what}: every batch is a block of consecutive samples; "
                           "shuffle the samples, not only the order of the batches")
    if order_again != order:
        raise CheckFailure(f"{what}: two calls with generators of the same seed gave different batches; "
                           "draw the order from the rng argument, not from np.random")
    if order_other == order:
        raise CheckFailure(f"{what}: generators with different seeds gave the same order; use the rng argument")


# momentum_step


def call_momentum(student, w, grad, velocity, lr, momentum):
    what = f"momentum_step(learning_rate={lr}, momentum={momentum})"
    new_w, new_v = unpack(student.call("momentum_step", w, grad, velocity, lr, momentum), ("w", "velocity"), what)
    return new_w, new_v, what


def check_momentum_example(student, rng):
    """momentum_step from w = (1, 2), grad = (0.5, -1), velocity 0 (lr 0.1, momentum 0.9) gives v = (-0.05, 0.1)"""
    w, grad, v = np.array([1.0, 2.0]), np.array([0.5, -1.0]), np.zeros(2)
    new_w, new_v, what = call_momentum(student, w, grad, v, 0.1, 0.9)
    check_close(new_v, [-0.05, 0.1], f"{what}: velocity (Keras: v = momentum * v - lr * grad)")
    check_close(new_w, [0.95, 2.1], f"{what}: w (Keras: w = w + v)")


def check_momentum_values(student, rng):
    """momentum_step matches the Keras rule on hidden (3, 2) arrays with a non-zero velocity"""
    shape = (3, 2)
    w, grad, v = rng.normal(size=shape), rng.normal(size=shape), rng.normal(scale=0.1, size=shape)
    lr, momentum = round(float(rng.uniform(0.01, 0.1)), 3), round(float(rng.uniform(0.5, 0.95)), 2)
    new_w, new_v, what = call_momentum(student, w, grad, v, lr, momentum)
    ref_w, ref_v = momentum_step(w, grad, v, lr, momentum)
    check_close(new_v, ref_v, f"{what}: velocity", inputs="hidden inputs")
    check_close(new_w, ref_w, f"{what}: w", inputs="hidden inputs")


def check_momentum_trajectory(student, rng):
    """ten momentum steps on a hidden quadratic, feeding back w and velocity, follow the reference path"""
    grad_f = Fixture("quadratic_gradient", a=rng.uniform(0.5, 2.0, size=3), c=rng.normal(size=3)).build()
    w = ref_w = rng.normal(size=3)
    v = ref_v = np.zeros(3)
    for step in range(1, 11):
        w, v, what = call_momentum(student, w, grad_f(w), v, 0.05, 0.9)
        ref_w, ref_v = momentum_step(ref_w, grad_f(ref_w), ref_v, 0.05, 0.9)
        check_close(w, ref_w, f"{what}: w after step {step}", inputs="a hidden quadratic")


# adam_step


def compare_adam(student, w, grad, m, v, t, what, **options):
    """Call the student's adam_step and compare the update w_new - w, and m and v, with the reference."""
    new_w, new_m, new_v = unpack(student.call("adam_step", w, grad, m, v, t, **options), ("w", "m", "v"), what)
    ref_w, ref_m, ref_v = adam_step(w, grad, m, v, t, **options)
    check_close(new_m, ref_m, f"{what}: m (the first moment, not bias-corrected)")
    check_close(new_v, ref_v, f"{what}: v (the second moment, not bias-corrected)")
    check_close(check_shape(new_w, w.shape, f"{what}: w") - w, ref_w - w, f"{what}: the update w_new - w",
                rtol=1e-5, atol=1e-12)
    return new_w, new_m, new_v


def check_adam_first_step(student, rng):
    """the first Adam step (t = 1) from m = v = 0 moves every weight by learning_rate against its gradient's sign"""
    w, grad = np.array([1.0, -2.0, 0.5]), np.array([0.5, -4.0, 1.0])
    new_w, _, _ = compare_adam(student, w, grad, np.zeros(3), np.zeros(3), 1, "adam_step at t=1, learning_rate=0.01",
                               learning_rate=0.01)
    check_close(new_w, w - 0.01 * np.sign(grad), "adam_step at t=1: w", rtol=1e-5, atol=1e-7)


def check_adam_values(student, rng):
    """adam_step matches Kingma & Ba on hidden (2, 3) inputs with m, v != 0, t = 7 and non-default betas"""
    shape = (2, 3)
    w, grad = rng.normal(size=shape), nonzero_gradient(rng, shape)
    m, v = rng.normal(scale=0.5, size=shape), rng.uniform(0.1, 1.0, size=shape)
    options = dict(learning_rate=0.01, beta1=0.8, beta2=0.99)
    compare_adam(student, w, grad, m, v, 7, "adam_step(t=7, learning_rate=0.01, beta1=0.8, beta2=0.99)", **options)


def check_adam_defaults(student, rng):
    """adam_step's defaults are learning_rate 0.001, beta1 0.9, beta2 0.999 (eps 1e-7)"""
    shape = (4,)
    w, grad = rng.normal(size=shape), nonzero_gradient(rng, shape)
    m, v = rng.normal(scale=0.5, size=shape), rng.uniform(0.1, 1.0, size=shape)
    compare_adam(student, w, grad, m, v, 3, "adam_step(w, grad, m, v, t=3) with default settings")


def check_adam_sequence(student, rng):
    """five Adam steps t = 1..5 from m = v = 0, feeding back w, m and v, follow the reference"""
    grad_f = Fixture("quadratic_gradient", a=rng.uniform(0.5, 1.5, size=3), c=rng.uniform(4.0, 5.0, size=3)).build()
    w, m, v = rng.uniform(-0.5, 0.5, size=3), np.zeros(3), np.zeros(3)  # keeps every gradient above 1.7
    for t in range(1, 6):
        w, m, v = compare_adam(student, w, grad_f(w), m, v, t, f"adam_step at step t={t}", learning_rate=0.05)


CHECKS = {
    "test_numerical_gradient_visible": [check_numerical_gradient_example],
    "test_numerical_gradient_hidden": [check_numerical_gradient_values, check_numerical_gradient_step_size],
    "test_linear_regression_gradients_visible": [check_linear_regression_example],
    "test_linear_regression_gradients_hidden": [check_linear_regression_values, check_linear_regression_gradcheck],
    "test_gradient_descent": [check_gradient_descent_converges, check_gradient_descent_values,
                              check_gradient_descent_zero_steps],
    "test_minibatches_visible": [check_minibatches_example],
    "test_minibatches_hidden": [check_minibatches_partition, check_minibatches_random_order],
    "test_momentum_step": [check_momentum_example, check_momentum_values, check_momentum_trajectory],
    "test_adam_step_visible": [check_adam_first_step],
    "test_adam_step_hidden": [check_adam_values, check_adam_defaults, check_adam_sequence],
}
