"""Bug zoo for 04_gradient_descent."""

NUMGRAD_VIS, NUMGRAD_HID = "test_numerical_gradient_visible", "test_numerical_gradient_hidden"
LINREG_VIS, LINREG_HID = "test_linear_regression_gradients_visible", "test_linear_regression_gradients_hidden"
BATCH_VIS, BATCH_HID = "test_minibatches_visible", "test_minibatches_hidden"
ADAM_VIS, ADAM_HID = "test_adam_step_visible", "test_adam_step_hidden"

BUGS = {
    # numerical_gradient
    "numgrad_forgets_to_restore_w": {
        "cells": {"numerical_gradient": """def numerical_gradient(f, w, h=1e-5):
    grad = np.zeros_like(w)
    for i in np.ndindex(*w.shape):
        w[i] += h
        plus = f(w)
        w[i] -= 2 * h
        minus = f(w)
        grad[i] = (plus - minus) / (2 * h)
    return grad"""},
        "loses": [NUMGRAD_VIS, NUMGRAD_HID],
    },
    "numgrad_restores_by_adding_h_back": {
        "cells": {"numerical_gradient": """def numerical_gradient(f, w, h=1e-5):
    grad = np.zeros_like(w)
    for i in np.ndindex(*w.shape):
        w[i] += h
        plus = f(w)
        w[i] -= 2 * h
        minus = f(w)
        w[i] += h
        grad[i] = (plus - minus) / (2 * h)
    return grad"""},
        "loses": [NUMGRAD_VIS, NUMGRAD_HID],
    },
    "numgrad_copies_once_never_restores": {
        "cells": {"numerical_gradient": """def numerical_gradient(f, w, h=1e-5):
    w = w.copy()
    grad = np.zeros_like(w)
    for i in np.ndindex(*w.shape):
        w[i] += h
        plus = f(w)
        w[i] -= 2 * h
        minus = f(w)
        grad[i] = (plus - minus) / (2 * h)
    return grad"""},
        "loses": [NUMGRAD_HID],
    },
    "numgrad_forward_differences": {
        "cells": {"numerical_gradient": """def numerical_gradient(f, w, h=1e-5):
    grad = np.zeros_like(w)
    fw = f(w)
    for i in np.ndindex(*w.shape):
        w_plus = w.copy()
        w_plus[i] += h
        grad[i] = (f(w_plus) - fw) / h
    return grad"""},
        "loses": [NUMGRAD_VIS, NUMGRAD_HID],
    },
    "numgrad_divides_by_2_times_h_wrongly": {
        "cells": {"numerical_gradient": """def numerical_gradient(f, w, h=1e-5):
    grad = np.zeros_like(w)
    for i in np.ndindex(*w.shape):
        w_plus, w_minus = w.copy(), w.copy()
        w_plus[i] += h
        w_minus[i] -= h
        grad[i] = (f(w_plus) - f(w_minus)) / 2 * h
    return grad"""},
        "loses": [NUMGRAD_VIS, NUMGRAD_HID],
    },
    "numgrad_ignores_h": {
        "cells": {"numerical_gradient": """def numerical_gradient(f, w, h=1e-5):
    grad = np.zeros_like(w)
    for i in np.ndindex(*w.shape):
        w_plus, w_minus = w.copy(), w.copy()
        w_plus[i] += 1e-5
        w_minus[i] -= 1e-5
        grad[i] = (f(w_plus) - f(w_minus)) / 2e-5
    return grad"""},
        "loses": [NUMGRAD_HID],
    },
    "numgrad_loops_over_rows_only": {
        "cells": {"numerical_gradient": """def numerical_gradient(f, w, h=1e-5):
    grad = np.zeros_like(w)
    for i in range(len(w)):
        w_plus, w_minus = w.copy(), w.copy()
        w_plus[i] += h
        w_minus[i] -= h
        grad[i] = (f(w_plus) - f(w_minus)) / (2 * h)
    return grad"""},
        "loses": [NUMGRAD_VIS, NUMGRAD_HID],
    },
    # linear_regression_gradients
    "linreg_sum_instead_of_mean": {
        "cells": {"linear_regression_gradients": """def linear_regression_gradients(w, b, X, y):
    r = X @ w + b - y
    return 2 * X.T @ r, 2 * np.sum(r)"""},
        "loses": [LINREG_VIS, LINREG_HID],
    },
    "linreg_missing_factor_2": {
        "cells": {"linear_regression_gradients": """def linear_regression_gradients(w, b, X, y):
    r = X @ w + b - y
    return X.T @ r / len(y), np.mean(r)"""},
        "loses": [LINREG_VIS, LINREG_HID],
    },
    "linreg_residual_sign": {
        "cells": {"linear_regression_gradients": """def linear_regression_gradients(w, b, X, y):
    r = y - (X @ w + b)
    return 2 / len(y) * X.T @ r, 2 * np.mean(r)"""},
        "loses": [LINREG_VIS, LINREG_HID],
    },
    "linreg_db_not_summed": {
        "cells": {"linear_regression_gradients": """def linear_regression_gradients(w, b, X, y):
    r = X @ w + b - y
    return 2 / len(y) * X.T @ r, 2 / len(y) * r"""},
        "loses": [LINREG_VIS, LINREG_HID],
    },
    # gradient_descent
    "gd_ascends": {
        "cells": {"gradient_descent": """def gradient_descent(grad_f, w0, learning_rate, n_steps):
    w = w0.copy()
    for _ in range(n_steps):
        w = w + learning_rate * grad_f(w)
    return w"""},
        "loses": ["test_gradient_descent"],
    },
    "gd_one_step_short": {
        "cells": {"gradient_descent": """def gradient_descent(grad_f, w0, learning_rate, n_steps):
    w = w0.copy()
    for _ in range(n_steps - 1):
        w = w - learning_rate * grad_f(w)
    return w"""},
        "loses": ["test_gradient_descent"],
    },
    "gd_updates_w0_in_place": {
        "cells": {"gradient_descent": """def gradient_descent(grad_f, w0, learning_rate, n_steps):
    w = w0
    for _ in range(n_steps):
        w -= learning_rate * grad_f(w)
    return w"""},
        "loses": ["test_gradient_descent"],
    },
    "gd_gradient_only_at_w0": {
        "cells": {"gradient_descent": """def gradient_descent(grad_f, w0, learning_rate, n_steps):
    g = grad_f(w0)
    w = w0.copy()
    for _ in range(n_steps):
        w = w - learning_rate * g
    return w"""},
        "loses": ["test_gradient_descent"],
    },
    # minibatches
    "batches_drop_last_partial_batch": {
        "cells": {"minibatches": """def minibatches(X, y, batch_size, rng):
    order = rng.permutation(len(y))
    for k in range(len(y) // batch_size):
        idx = order[k * batch_size:(k + 1) * batch_size]
        yield X[idx], y[idx]"""},
        "loses": [BATCH_VIS, BATCH_HID],
    },
    "batches_reuse_samples": {
        "cells": {"minibatches": """def minibatches(X, y, batch_size, rng):
    for start in range(0, len(y), batch_size):
        idx = rng.integers(0, len(y), size=min(batch_size, len(y) - start))
        yield X[idx], y[idx]"""},
        "loses": [BATCH_VIS, BATCH_HID],
    },
    "batches_ignore_rng": {
        "cells": {"minibatches": """def minibatches(X, y, batch_size, rng):
    order = np.random.permutation(len(y))
    for start in range(0, len(y), batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]"""},
        "loses": [BATCH_HID],
    },
    "batches_fixed_seed": {
        "cells": {"minibatches": """def minibatches(X, y, batch_size, rng):
    order = np.random.default_rng(42).permutation(len(y))
    for start in range(0, len(y), batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]"""},
        "loses": [BATCH_HID],
    },
    "batches_not_shuffled": {
        "cells": {"minibatches": """def minibatches(X, y, batch_size, rng):
    for start in range(0, len(y), batch_size):
        yield X[start:start + batch_size], y[start:start + batch_size]"""},
        "loses": [BATCH_HID],
    },
    "batches_shuffle_only_batch_order": {
        "cells": {"minibatches": """def minibatches(X, y, batch_size, rng):
    for start in rng.permutation(np.arange(0, len(y), batch_size)):
        yield X[start:start + batch_size], y[start:start + batch_size]"""},
        "loses": [BATCH_HID],
    },
    "batches_empty_last_batch": {
        "cells": {"minibatches": """def minibatches(X, y, batch_size, rng):
    order = rng.permutation(len(y))
    for k in range(len(y) // batch_size + 1):
        idx = order[k * batch_size:(k + 1) * batch_size]
        yield X[idx], y[idx]"""},
        "loses": [BATCH_HID],
    },
    "batches_shuffle_X_and_y_separately": {
        "cells": {"minibatches": """def minibatches(X, y, batch_size, rng):
    X, y = X[rng.permutation(len(y))], y[rng.permutation(len(y))]
    for start in range(0, len(y), batch_size):
        yield X[start:start + batch_size], y[start:start + batch_size]"""},
        "loses": [BATCH_VIS, BATCH_HID],
    },
    "batches_shuffle_inputs_in_place": {
        "cells": {"minibatches": """def minibatches(X, y, batch_size, rng):
    order = rng.permutation(len(y))
    X[:], y[:] = X[order], y[order]
    for start in range(0, len(y), batch_size):
        yield X[start:start + batch_size], y[start:start + batch_size]"""},
        "loses": [BATCH_VIS, BATCH_HID],
    },
    # momentum_step
    "momentum_wrong_sign": {
        "cells": {"momentum_step": """def momentum_step(w, grad, velocity, learning_rate, momentum):
    velocity = momentum * velocity + learning_rate * grad
    return w + velocity, velocity"""},
        "loses": ["test_momentum_step"],
    },
    "momentum_subtracts_velocity": {
        "cells": {"momentum_step": """def momentum_step(w, grad, velocity, learning_rate, momentum):
    velocity = momentum * velocity + learning_rate * grad
    return w - velocity, velocity"""},
        "loses": ["test_momentum_step"],
    },
    "momentum_uses_old_velocity": {
        "cells": {"momentum_step": """def momentum_step(w, grad, velocity, learning_rate, momentum):
    return w + velocity, momentum * velocity - learning_rate * grad"""},
        "loses": ["test_momentum_step"],
    },
    "momentum_updates_velocity_in_place": {
        "cells": {"momentum_step": """def momentum_step(w, grad, velocity, learning_rate, momentum):
    velocity *= momentum
    velocity -= learning_rate * grad
    return w + velocity, velocity"""},
        "loses": ["test_momentum_step"],
    },
    # adam_step
    "adam_without_bias_correction": {
        "cells": {"adam_step": """def adam_step(w, grad, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    return w - learning_rate * m / (np.sqrt(v) + eps), m, v"""},
        "loses": [ADAM_VIS, ADAM_HID],
    },
    "adam_t_from_0": {
        "cells": {"adam_step": """def adam_step(w, grad, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    m_hat = m / (1 - beta1 ** (t + 1))
    v_hat = v / (1 - beta2 ** (t + 1))
    return w - learning_rate * m_hat / (np.sqrt(v_hat) + eps), m, v"""},
        "loses": [ADAM_VIS, ADAM_HID],
    },
    "adam_returns_corrected_moments": {
        "cells": {"adam_step": """def adam_step(w, grad, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
    m = (beta1 * m + (1 - beta1) * grad) / (1 - beta1 ** t)
    v = (beta2 * v + (1 - beta2) * grad ** 2) / (1 - beta2 ** t)
    return w - learning_rate * m / (np.sqrt(v) + eps), m, v"""},
        "loses": [ADAM_VIS, ADAM_HID],
    },
    "adam_ignores_beta_arguments": {
        "cells": {"adam_step": """def adam_step(w, grad, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
    m = 0.9 * m + 0.1 * grad
    v = 0.999 * v + 0.001 * grad ** 2
    m_hat, v_hat = m / (1 - 0.9 ** t), v / (1 - 0.999 ** t)
    return w - learning_rate * m_hat / (np.sqrt(v_hat) + eps), m, v"""},
        "loses": [ADAM_HID],
    },
    "adam_without_sqrt": {
        "cells": {"adam_step": """def adam_step(w, grad, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return w - learning_rate * m_hat / (v_hat + eps), m, v"""},
        "loses": [ADAM_VIS, ADAM_HID],
    },
}

ALTERNATIVES = {
    "numgrad_nditer_cs231n": {"numerical_gradient": """def numerical_gradient(f, w, h=1e-5):
    grad = np.zeros_like(w, dtype=float)
    it = np.nditer(w, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = w[ix]
        w[ix] = old + h
        fxph = f(w)
        w[ix] = old - h
        fxmh = f(w)
        w[ix] = old
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad"""},
    "numgrad_fresh_copies_flat": {"numerical_gradient": """def numerical_gradient(f, w, h=1e-5):
    w = w.astype(np.float64)
    grad = np.zeros(w.size)
    for i in range(w.size):
        step = np.zeros(w.size)
        step[i] = h
        step = step.reshape(w.shape)
        grad[i] = (f(w + step) - f(w - step)) / (2 * h)
    return grad.reshape(w.shape)"""},
    "linreg_loop_over_samples": {"linear_regression_gradients": """def linear_regression_gradients(w, b, X, y):
    n = X.shape[0]
    dw, db = np.zeros(X.shape[1]), 0.0
    for i in range(n):
        r = np.dot(X[i], w) + b - y[i]
        dw += 2 * r * X[i] / n
        db += 2 * r / n
    return dw, db"""},
    "linreg_np_dot_mean": {"linear_regression_gradients": """def linear_regression_gradients(w, b, X, y):
    r = np.dot(X, w) + b - y
    return np.mean(2 * r[:, None] * X, axis=0), np.array([2 * r.mean()])"""},
    "gd_in_place_on_a_copy": {"gradient_descent": """def gradient_descent(grad_f, w0, learning_rate, n_steps):
    w = np.copy(w0).astype(float)
    step = 0
    while step < n_steps:
        w -= learning_rate * grad_f(w)
        step += 1
    return w"""},
    "batches_list_with_shuffled_indices": {"minibatches": """def minibatches(X, y, batch_size, rng):
    idx = np.arange(len(y))
    rng.shuffle(idx)
    return [(X[idx[i:i + batch_size]], y[idx[i:i + batch_size]]) for i in range(0, len(idx), batch_size)]"""},
    "batches_choice_without_replacement": {"minibatches": """def minibatches(X, y, batch_size, rng):
    n = X.shape[0]
    order = rng.choice(n, size=n, replace=False)
    Xs, ys = X[order], y[order]
    n_batches = int(np.ceil(n / batch_size))
    for k in range(n_batches):
        yield Xs[k * batch_size:(k + 1) * batch_size], ys[k * batch_size:(k + 1) * batch_size]"""},
    "momentum_in_place_on_copies": {"momentum_step": """def momentum_step(w, grad, velocity, learning_rate, momentum):
    v = np.array(velocity, dtype=np.float64)
    v *= momentum
    v -= learning_rate * grad
    new_w = w.copy()
    new_w += v
    return (new_w, v)"""},
    "adam_keras_form": {"adam_step": """def adam_step(w, grad, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
    m = m + (grad - m) * (1 - beta1)
    v = v + (np.square(grad) - v) * (1 - beta2)
    alpha = learning_rate * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
    return w - (m * alpha) / (np.sqrt(v) + eps), m, v"""},
    "adam_float32_safe_casts": {"adam_step": """def adam_step(w, grad, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
    w, grad, m, v = (np.asarray(a, dtype=np.float64) for a in (w, grad, m, v))
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    m_hat = m / (1.0 - np.power(beta1, t))
    v_hat = v / (1.0 - np.power(beta2, t))
    return w - learning_rate * m_hat / (np.sqrt(v_hat) + eps), m, v"""},
}
