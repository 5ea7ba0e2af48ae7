"""Bug zoo for 14_probabilistic_regression."""

NLL = "def gaussian_nll(y, mu, sigma):\n{}"
GRADS = "def gaussian_nll_gradients(y, mu, log_sigma):\n{}"
INTERVAL = "def prediction_interval(mu, sigma, level=0.95):\n{}"
MODEL = "def build_gaussian_model(n_features):\n{}"
RESIDUAL = "    n, sigma = len(y), np.exp(log_sigma)\n"

TRUNK = ("    inputs = keras.Input(shape=(n_features,))\n"
         "    hidden = layers.Dense(32, activation='relu')(inputs)\n"
         "    hidden = layers.Dense(32, activation='relu')(hidden)\n")


def heads(mu="layers.Dense(1)(hidden)", sigma="layers.Dense(1, activation='softplus')(hidden)"):
    """The reference trunk with the mu and sigma heads given, concatenated into one (n, 2) output."""
    return MODEL.format(TRUNK + f"    mu = {mu}\n    sigma = {sigma}\n"
                        "    return keras.Model(inputs, layers.Concatenate()([mu, sigma]))")


def one_layer_output(activation):
    """The trunk and a single Dense(2) output: one activation for mu and sigma alike."""
    return MODEL.format(TRUNK + f"    return keras.Model(inputs, layers.Dense(2, activation={activation!r})(hidden))")


BUGS = {
    "nll_without_the_constant": {
        "cells": {"gaussian_nll": NLL.format("    return np.mean(np.log(sigma) + (y - mu) ** 2 / (2 * sigma ** 2))")},
        "loses": ["test_gaussian_nll"],
    },
    "nll_summed_not_averaged": {
        "cells": {"gaussian_nll": NLL.format(
            "    return np.sum(0.5 * np.log(2 * np.pi * sigma ** 2) + (y - mu) ** 2 / (2 * sigma ** 2))")},
        "loses": ["test_gaussian_nll"],
    },
    "nll_sigma_used_as_variance": {
        "cells": {"gaussian_nll": NLL.format(
            "    return np.mean(0.5 * np.log(2 * np.pi * sigma) + (y - mu) ** 2 / (2 * sigma))")},
        "loses": ["test_gaussian_nll"],
    },
    "nll_sigma_not_squared_in_the_log": {
        "cells": {"gaussian_nll": NLL.format(
            "    return np.mean(0.5 * np.log(2 * np.pi * sigma) + (y - mu) ** 2 / (2 * sigma ** 2))")},
        "loses": ["test_gaussian_nll"],
    },
    "grads_with_respect_to_sigma": {
        "cells": {"gaussian_nll_gradients": GRADS.format(
            RESIDUAL + "    return (mu - y) / sigma ** 2 / n, (1 / sigma - (y - mu) ** 2 / sigma ** 3) / n")},
        "loses": ["test_gaussian_nll_gradients"],
    },
    "grads_not_divided_by_n": {
        "cells": {"gaussian_nll_gradients": GRADS.format(
            RESIDUAL + "    return (mu - y) / sigma ** 2, 1 - (y - mu) ** 2 / sigma ** 2")},
        "loses": ["test_gaussian_nll_gradients"],
    },
    "grads_dmu_sign_flipped": {
        "cells": {"gaussian_nll_gradients": GRADS.format(
            RESIDUAL + "    return (y - mu) / sigma ** 2 / n, (1 - (y - mu) ** 2 / sigma ** 2) / n")},
        "loses": ["test_gaussian_nll_gradients"],
    },
    "model_softplus_on_mu_too": {
        "cells": {"build_gaussian_model": one_layer_output("softplus")},
        "loses": ["test_gaussian_model_learns"],
    },
    "model_sigma_without_positive_activation": {
        "cells": {"build_gaussian_model": one_layer_output("linear")},
        "loses": ["test_gaussian_model_structure"],
    },
    "model_sigma_relu": {
        "cells": {"build_gaussian_model": heads(sigma="layers.Dense(1, activation='relu')(hidden)")},
        "loses": ["test_gaussian_model_structure"],
    },
    # Linear regression's single sigma: a learned constant, computed from an input that is always 0.
    "model_constant_sigma": {
        "cells": {"build_gaussian_model": heads(
            sigma="layers.Dense(1, activation='softplus')(\n"
                  "        layers.Dense(1, kernel_initializer='zeros', use_bias=False, trainable=False)(inputs))")},
        "loses": ["test_gaussian_model_learns", "test_gaussian_model_calibrated"],
    },
    "model_mu_without_hidden_layer": {
        "cells": {"build_gaussian_model": heads(mu="layers.Dense(1)(inputs)")},
        "loses": ["test_gaussian_model_learns"],
    },
    "model_two_outputs": {
        "cells": {"build_gaussian_model": MODEL.format(
            TRUNK + "    mu = layers.Dense(1)(hidden)\n    sigma = layers.Dense(1, activation='softplus')(hidden)\n"
            "    return keras.Model(inputs, [mu, sigma])")},
        "loses": ["test_gaussian_model_structure", "test_gaussian_model_learns", "test_gaussian_model_calibrated"],
    },
    "interval_level_as_z": {
        "cells": {"prediction_interval": INTERVAL.format("    return mu - level * sigma, mu + level * sigma")},
        "loses": ["test_prediction_interval"],
    },
    "interval_one_sided_quantile": {
        "cells": {"prediction_interval": INTERVAL.format(
            "    z = norm.ppf(level)\n    return mu - z * sigma, mu + z * sigma")},
        "loses": ["test_prediction_interval"],
    },
    "interval_variance_not_sigma": {
        "cells": {"prediction_interval": INTERVAL.format(
            "    z = norm.ppf(0.5 + level / 2)\n    return mu - z * sigma ** 2, mu + z * sigma ** 2")},
        "loses": ["test_prediction_interval"],
    },
    "interval_always_1_96": {
        "cells": {"prediction_interval": INTERVAL.format("    return mu - 1.96 * sigma, mu + 1.96 * sigma")},
        "loses": ["test_prediction_interval"],
    },
}

ALTERNATIVES = {
    "nll_scipy_logpdf": {"gaussian_nll": NLL.format("    return -np.mean(norm.logpdf(y, loc=mu, scale=sigma))")},
    "nll_log_sigma_form": {"gaussian_nll": NLL.format(
        "    return float(np.mean(0.5 * np.log(2 * np.pi) + np.log(sigma) + 0.5 * ((y - mu) / sigma) ** 2))")},
    "grads_standardised_residual": {"gaussian_nll_gradients": GRADS.format(
        RESIDUAL + "    r = (y - mu) / sigma\n    return -r / sigma / n, (1 - r ** 2) / n")},
    "model_exponential_sigma": {"build_gaussian_model": heads(
        sigma="layers.Dense(1, activation='exponential')(hidden)")},
    "model_separate_towers_compiled_with_own_loss": {"build_gaussian_model": MODEL.format(
        "    inputs = keras.Input(shape=(n_features,))\n"
        "    mu = layers.Dense(1)(layers.Dense(32, activation='tanh')(layers.Dense(32, activation='relu')(inputs)))\n"
        "    sigma = layers.Dense(1, activation='softplus')(layers.Dense(16, activation='relu')(inputs))\n"
        "    model = keras.Model(inputs, layers.Concatenate()([mu, sigma]))\n"
        "    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=gaussian_nll_loss)\n    return model")},
    "interval_scipy_norm_interval": {"prediction_interval": INTERVAL.format(
        "    return norm.interval(level, loc=mu, scale=sigma)")},
}
