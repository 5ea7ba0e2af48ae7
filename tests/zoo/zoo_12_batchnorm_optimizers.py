"""Bug zoo for 12_batchnorm_optimizers."""

BN_FORWARD = ["test_batchnorm_forward_visible", "test_batchnorm_forward_hidden"]
BN_BACKWARD = ["test_batchnorm_backward_visible", "test_batchnorm_backward_hidden"]
OVERFIT = ["test_overfit_small_batch_visible", "test_overfit_small_batch_hidden"]


def batchnorm_forward(var="X.var(axis=0)", std="np.sqrt(var + eps)",
                      running_mean="momentum * running_mean + (1 - momentum) * mean",
                      running_var="momentum * running_var + (1 - momentum) * var",
                      inference="gamma * (X - running_mean) / np.sqrt(running_var + eps) + beta"):
    """A batchnorm_forward answer with one expression changed."""
    return f"""def batchnorm_forward(X, gamma, beta, training, running_mean, running_var, momentum=0.99, eps=1e-3):
    if not training:
        return {inference}, None, running_mean, running_var
    mean, var = X.mean(axis=0), {var}
    std = {std}
    xhat = (X - mean) / std
    running_mean = {running_mean}
    running_var = {running_var}
    return gamma * xhat + beta, (xhat, gamma, std), running_mean, running_var"""


def batchnorm_backward(dX="(n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0)) / (n * std)",
                       dgamma="(dout * xhat).sum(axis=0)"):
    return f"""def batchnorm_backward(dout, cache):
    xhat, gamma, std = cache
    n = len(dout)
    dxhat = dout * gamma
    return {dX}, {dgamma}, dout.sum(axis=0)"""


def step(name, s, w="w - learning_rate * grad / np.sqrt(s + eps)"):
    """An rmsprop_step or adagrad_step answer with its accumulator ``s`` or its update ``w`` changed."""
    signature = "rho=0.9, eps=1e-7" if name == "rmsprop_step" else "eps=1e-7"
    return f"def {name}(w, grad, s, learning_rate=0.001, {signature}):\n    s = {s}\n    return {w}, s"


def overfit(body):
    return "def overfit_small_batch(loss_and_grads, params, X, labels, steps, learning_rate):\n" + body


BUGS = {
    # batchnorm_forward
    "bn_unbiased_variance": {
        "cells": {"batchnorm_forward": batchnorm_forward(var="X.var(axis=0, ddof=1)")},
        "loses": BN_FORWARD,
    },
    "bn_eps_outside_the_square_root": {
        "cells": {"batchnorm_forward": batchnorm_forward(std="np.sqrt(var) + eps")},
        "loses": ["test_batchnorm_forward_hidden"],
    },
    "bn_running_average_weights_swapped": {  # PyTorch's momentum convention with Keras's default 0.99
        "cells": {"batchnorm_forward": batchnorm_forward(running_mean="(1 - momentum) * running_mean + momentum * mean",
                                                         running_var="(1 - momentum) * running_var + momentum * var")},
        "loses": BN_FORWARD,
    },
    "bn_running_statistics_updated_in_place": {
        "cells": {"batchnorm_forward": """def batchnorm_forward(X, gamma, beta, training, running_mean, running_var, momentum=0.99, eps=1e-3):
    if not training:
        return gamma * (X - running_mean) / np.sqrt(running_var + eps) + beta, None, running_mean, running_var
    mean, var = X.mean(axis=0), X.var(axis=0)
    std = np.sqrt(var + eps)
    xhat = (X - mean) / std
    running_mean *= momentum
    running_mean += (1 - momentum) * mean
    running_var *= momentum
    running_var += (1 - momentum) * var
    return gamma * xhat + beta, (xhat, gamma, std), running_mean, running_var"""},
        "loses": BN_FORWARD,
    },
    "bn_inference_with_batch_statistics": {
        "cells": {"batchnorm_forward": batchnorm_forward(
            inference="gamma * (X - X.mean(axis=0)) / np.sqrt(X.var(axis=0) + eps) + beta")},
        "loses": ["test_batchnorm_forward_hidden"],
    },
    # batchnorm_backward
    "bn_backward_treats_mean_and_variance_as_constants": {
        "cells": {"batchnorm_backward": batchnorm_backward(dX="dxhat / std")},
        "loses": BN_BACKWARD,
    },
    "bn_backward_dgamma_without_xhat": {
        "cells": {"batchnorm_backward": batchnorm_backward(dgamma="dout.sum(axis=0)")},
        "loses": BN_BACKWARD,
    },
    # rmsprop_step and adagrad_step
    "rmsprop_eps_outside_the_square_root": {
        "cells": {"rmsprop_step": step("rmsprop_step", "rho * s + (1 - rho) * grad ** 2",
                                       "w - learning_rate * grad / (np.sqrt(s) + eps)")},
        "loses": ["test_rmsprop_step"],
    },
    "rmsprop_rho_on_the_new_gradient": {
        "cells": {"rmsprop_step": step("rmsprop_step", "(1 - rho) * s + rho * grad ** 2")},
        "loses": ["test_rmsprop_step"],
    },
    "adagrad_forgets_past_gradients": {
        "cells": {"adagrad_step": step("adagrad_step", "grad ** 2")},
        "loses": ["test_adagrad_step"],
    },
    # expected_initial_loss
    "initial_loss_log10": {
        "cells": {"expected_initial_loss": "def expected_initial_loss(num_classes):\n    return np.log10(num_classes)"},
        "loses": ["test_expected_initial_loss"],
    },
    # overfit_small_batch
    "overfit_returns_only_the_losses_before_each_step": {
        "cells": {"overfit_small_batch": overfit("""    losses = []
    for _ in range(steps):
        loss, grads = loss_and_grads(params, X, labels)
        losses.append(loss)
        params = {k: params[k] - learning_rate * grads[k] for k in params}
    return losses""")},
        "loses": OVERFIT,
    },
    "overfit_updates_the_weights_only": {
        "cells": {"overfit_small_batch": overfit("""    losses = []
    for _ in range(steps):
        loss, grads = loss_and_grads(params, X, labels)
        losses.append(loss)
        params = {k: params[k] - learning_rate * grads[k] if k.startswith("W") else params[k] for k in params}
    losses.append(loss_and_grads(params, X, labels)[0])
    return losses""")},
        "loses": ["test_overfit_small_batch_hidden"],
    },
}

ALTERNATIVES = {
    "bn_keepdims_dict_cache_staged_backward": {
        "batchnorm_forward": """def batchnorm_forward(X, gamma, beta, training, running_mean, running_var, momentum=0.99, eps=1e-3):
    if training:
        mu = np.mean(X, axis=0, keepdims=True)
        var = np.mean((X - mu) ** 2, axis=0, keepdims=True)
        inv = 1.0 / np.sqrt(var + eps)
        xhat = (X - mu) * inv
        cache = {"X": X, "mu": mu, "var": var, "inv": inv, "gamma": gamma, "eps": eps}
        new_mean = momentum * running_mean + (1 - momentum) * mu.ravel()
        new_var = momentum * running_var + (1 - momentum) * var.ravel()
        return xhat * gamma + beta, cache, new_mean, new_var
    xhat = (X - running_mean) / np.sqrt(running_var + eps)
    return xhat * gamma + beta, {}, running_mean.copy(), running_var.copy()""",
        "batchnorm_backward": """def batchnorm_backward(dout, cache):
    X, mu, var, inv, gamma = cache["X"], cache["mu"], cache["var"], cache["inv"], cache["gamma"]
    n = X.shape[0]
    xmu = X - mu
    dxhat = dout * gamma
    dvar = np.sum(dxhat * xmu, axis=0) * -0.5 * inv ** 3
    dmu = np.sum(-dxhat * inv, axis=0) + dvar * np.mean(-2.0 * xmu, axis=0)
    dX = dxhat * inv + dvar * 2.0 * xmu / n + dmu / n
    return dX, np.sum(dout * xmu * inv, axis=0), np.sum(dout, axis=0)""",
    },
    "optimizers_with_copies_and_in_place_arithmetic": {
        "rmsprop_step": """def rmsprop_step(w, grad, s, learning_rate=0.001, rho=0.9, eps=1e-7):
    s = s.copy()
    s *= rho
    s += (1 - rho) * np.square(grad)
    w = w.copy()
    w -= learning_rate * grad / np.sqrt(s + eps)
    return w, s""",
        "adagrad_step": """def adagrad_step(w, grad, s, learning_rate=0.001, eps=1e-7):
    s = np.add(s, np.square(grad))
    return np.subtract(w, learning_rate * np.divide(grad, np.sqrt(np.add(s, eps)))), s""",
    },
    "overfit_keeps_numpy_losses_in_an_array": {"overfit_small_batch": overfit("""    losses = np.zeros(steps + 1)
    current = dict(params)
    for i in range(steps + 1):
        loss, grads = loss_and_grads(current, X, labels)
        losses[i] = loss
        if i < steps:
            current = {name: value - learning_rate * grads[name] for name, value in current.items()}
    return losses""")},
}
